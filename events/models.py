"""The content of the series: what it is, its sessions and the people who speak in them.

Organiser-written text (titles, summaries, bios…) is translated with django-modeltranslation
(`events/translation.py`): each field here gets `_en` and `_ru` columns and Russian falls back to
English. Times are stored in UTC; `Session.timezone` is the IANA zone the session is announced in.
"""

import datetime as dt
import enum
import functools
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from events.compiled_queries import CompiledQuery
from events.crypto import EncryptedURLField


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


def validate_languages(value: list) -> None:
    known = {code for code, _name in settings.LANGUAGES}
    if not isinstance(value, list) or any(code not in known for code in value):
        raise ValidationError(_("Choose interpretation languages from the site's languages."))


class Series(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    tagline = models.CharField(_("tagline"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    organiser_name = models.CharField(
        _("organiser name"), max_length=200, help_text=_("Shown as the sender of emails and invites.")
    )
    reply_to_email = models.EmailField(_("reply-to address"), help_text=_("Where replies to the series' emails go."))
    timezone = models.CharField(
        _("home time zone"),
        max_length=64,
        default="Europe/Copenhagen",
        validators=[validate_timezone],
        help_text=_("IANA name, e.g. Europe/Copenhagen. New sessions are announced in it."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.title


class SpeakerQuerySet(models.QuerySet["Speaker"]):
    def public(self) -> "SpeakerQuerySet":
        """Speakers with at least one public session; speakers of drafts only stay unannounced."""
        return self.filter(
            Exists(SessionSpeaker.objects.filter(speaker=OuterRef("pk"), session__status__in=Session.PUBLIC_STATUSES))
        )


# A public speaker by slug: the speaker page's row (its SQL built once per process:
# events/compiled_queries.py).
PUBLIC_SPEAKER_BY_SLUG = CompiledQuery(lambda slug: Speaker.objects.public().filter(slug=slug), slug=str)

_PUBLIC_SESSION_LINKS_OF_SPEAKER = CompiledQuery(
    lambda speaker_id: (
        SessionSpeaker.objects.filter(speaker_id=speaker_id, session__status__in=Session.PUBLIC_STATUSES)
        .select_related("session")
        .defer("session__join_url")
        .order_by("-session__starts_at")
    ),
    speaker_id=int,
)


def attach_public_session_links(speaker: "Speaker") -> "Speaker":
    """`speaker` with their links to public sessions (published or cancelled), latest first, as
    `public_session_links`, sessions attached (without their join URL), in one query."""
    speaker.public_session_links = _PUBLIC_SESSION_LINKS_OF_SPEAKER.run(speaker_id=speaker.pk)
    return speaker


@functools.lru_cache(maxsize=8192)
def reverse_page(view_name: str, slug: str, language: str | None, script_prefix: str) -> str:
    """The path of a page by slug in the active language (which, with the script prefix, keys the
    cache: `reverse()` is a pure function of them). Lists link every row; reversing costs more
    than the rest of a card's link."""
    return reverse(view_name, kwargs={"slug": slug})


class Speaker(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    country = CountryField(_("country"), blank=True)
    bio = models.TextField(_("biography"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="speakers/", blank=True)
    photo_thumbnail = models.ImageField(_("photo thumbnail"), upload_to="speakers/thumbs/", blank=True, editable=False)
    website_url = models.URLField(_("website"), blank=True)
    profile_url = models.URLField(
        _("professional profile"), blank=True, help_text=_("E.g. an institutional page or LinkedIn.")
    )
    is_example = models.BooleanField(
        _("example speaker"),
        default=False,
        help_text=_("Marks invented demo speakers; the public site labels them as examples."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = SpeakerQuerySet.as_manager()

    class Meta:
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse_page("events:speaker-detail", self.slug, get_language(), get_script_prefix())

    @property
    def initials(self) -> str:
        parts = [part for part in self.name.replace("-", " ").split() if part[:1].isalpha()]
        return "".join(part[0] for part in parts[:2]).upper()


class SessionQuerySet(models.QuerySet["Session"]):
    def public(self) -> "SessionQuerySet":
        """Sessions the public may see: published and cancelled ones, never drafts."""
        return self.filter(status__in=Session.PUBLIC_STATUSES)

    def upcoming(self, now=None) -> "SessionQuerySet":
        return self.filter(ends_at__gt=now or timezone.now()).order_by("starts_at")

    def past(self, now=None) -> "SessionQuerySet":
        return self.filter(ends_at__lte=now or timezone.now()).order_by("-starts_at")

    def with_speakers(self) -> "SessionQuerySet":
        """Attach the series and the speakers in their order, in two extra queries at most."""
        return self.select_related("series").prefetch_related(build_speaker_links_prefetch())

    def without_secrets(self) -> "SessionQuerySet":
        """Rows for public pages: the join URL, which they never show, is neither read nor decrypted."""
        return self.defer("join_url")


# A public session by its slug, series attached, without its join URL: the session page's row
# (its SQL built once per process: events/compiled_queries.py).
PUBLIC_SESSION_BY_SLUG = CompiledQuery(
    lambda slug: Session.objects.public().without_secrets().select_related("series").filter(slug=slug), slug=str
)

_SPEAKER_LINKS_OF_SESSION = CompiledQuery(
    lambda session_id: (
        SessionSpeaker.objects.filter(session_id=session_id).select_related("speaker").order_by("order", "pk")
    ),
    session_id=int,
)


def attach_speaker_links(session: "Session") -> "Session":
    """`session` with its speaker links in order, speakers attached, as `with_speakers()` gives them
    (`ordered_speaker_links`), in one query: for a row already loaded, such as a detail page's."""
    session.ordered_speaker_links = _SPEAKER_LINKS_OF_SESSION.run(session_id=session.pk)
    return session


def build_speaker_links_prefetch() -> Prefetch:
    """A session's speaker links in their order, speakers attached, as `ordered_speaker_links`."""
    return Prefetch(
        "speaker_links",
        queryset=SessionSpeaker.objects.select_related("speaker").order_by("order", "pk"),
        to_attr="ordered_speaker_links",
    )


class RegistrationState(enum.StrEnum):
    """Whether a session takes registrations now, and if not, why."""

    OPEN = "open"
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"
    STARTED = "started"
    CANCELLED = "cancelled"
    UNAVAILABLE = "unavailable"  # a draft: not public at all


class Session(models.Model):
    """One webinar of a series.

    Organisers edit sessions in the admin; the public sees published and cancelled ones. The join
    URL is secret: it is never rendered on a public page, feed or sitemap.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("session status", "Draft")
        PUBLISHED = "published", pgettext_lazy("session status", "Published")
        CANCELLED = "cancelled", pgettext_lazy("session status", "Cancelled")

    PUBLIC_STATUSES = (Status.PUBLISHED, Status.CANCELLED)

    series = models.ForeignKey(Series, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("series"))
    slug = models.SlugField(_("slug"), unique=True, max_length=100)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=600, help_text=_("One or two sentences for cards and feeds."))
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    timezone = models.CharField(
        _("announced time zone"),
        max_length=64,
        default="Europe/Copenhagen",
        validators=[validate_timezone],
        help_text=_("IANA name of the zone the session is announced in, e.g. Europe/Copenhagen."),
    )
    floor_language = models.CharField(_("floor language"), max_length=8, choices=settings.LANGUAGES, default="en")
    interpretation_languages = models.JSONField(
        _("interpretation languages"), default=list, blank=True, validators=[validate_languages]
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(
        _("registration closes"), null=True, blank=True, help_text=_("Leave empty to close at the start.")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    cancellation_note = models.TextField(
        _("cancellation note"), blank=True, help_text=_("Shown on the session page when it is cancelled.")
    )
    join_url = EncryptedURLField(
        _("join URL"),
        blank=True,
        help_text=_("Secret meeting link. Only registered attendees get it, through their personal link."),
    )
    recording_url = models.URLField(_("recording URL"), blank=True)
    # iCalendar SEQUENCE: raised by events.services whenever the time, status or join details
    # change, so calendar clients replace the entry instead of adding a second one.
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_closes_at__gt=models.F("registration_opens_at")),
                name="session_registration_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published", "cancelled"]), name="session_status_known"
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse_page("events:session-detail", self.slug, get_language(), get_script_prefix())

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The session must end after it starts.")})
        if (
            self.registration_opens_at
            and self.registration_closes_at
            and self.registration_closes_at <= self.registration_opens_at
        ):
            raise ValidationError({"registration_closes_at": _("Registration must close after it opens.")})

    @property
    def zoneinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def registration_state(self, now: dt.datetime | None = None) -> RegistrationState:
        """The registration window rules, in one place (services, views and templates use it)."""
        now = now or timezone.now()
        if self.status == self.Status.CANCELLED:
            return RegistrationState.CANCELLED
        if self.status != self.Status.PUBLISHED:
            return RegistrationState.UNAVAILABLE
        if now >= self.starts_at:
            return RegistrationState.STARTED
        if self.registration_opens_at and now < self.registration_opens_at:
            return RegistrationState.NOT_YET_OPEN
        if self.registration_closes_at and now >= self.registration_closes_at:
            return RegistrationState.CLOSED
        return RegistrationState.OPEN

    @property
    def is_public(self) -> bool:
        return self.status in self.PUBLIC_STATUSES

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_past(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def languages(self) -> list[str]:
        """The floor language first, then each interpretation language once."""
        return [self.floor_language] + [code for code in self.interpretation_languages if code != self.floor_language]

    @property
    def speakers_in_order(self) -> list["SessionSpeaker"]:
        """The speaker links in order; uses the prefetch of `with_speakers()` when present."""
        links = getattr(self, "ordered_speaker_links", None)
        if links is None:
            links = list(self.speaker_links.select_related("speaker").order_by("order", "pk"))
        return links


class SessionSpeaker(models.Model):
    class Role(models.TextChoices):
        SPEAKER = "speaker", _("Speaker")
        MODERATOR = "moderator", _("Moderator")
        PANELLIST = "panellist", _("Panellist")

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="speaker_links", verbose_name=_("session")
    )
    speaker = models.ForeignKey(
        Speaker, on_delete=models.PROTECT, related_name="session_links", verbose_name=_("speaker")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.SPEAKER)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("session speaker")
        verbose_name_plural = _("session speakers")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "speaker"], name="session_speaker_once"),
        ]

    def __str__(self) -> str:
        return f"{self.speaker} ({self.get_role_display()})"


class SessionMaterial(models.Model):
    """A link to slides, a report or a reading list, published with the session afterwards."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="materials", verbose_name=_("session"))
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("link"), max_length=1000)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title
