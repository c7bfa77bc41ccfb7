"""The emails of the outbox: one builder per kind, each rendered in the registrant's language.

Every message: multipart text + HTML, `From` the series (on our no-reply address), `Reply-To`
the organisers, a `Message-ID` on our domain that stays the same when a send is retried, a
subject that names only the session, and the never-ask line in both languages (from the base
templates). Automatic mail (reminders, follow-ups, change notices) carries
`Auto-Submitted: auto-generated` and no List-Unsubscribe: it belongs to the place the person
holds. Organiser messages are announcements: they carry `List-Unsubscribe` (mailto and https)
and `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).

`DeliveryBatch` holds what a batch of messages shares (sessions with their speakers and
materials, attendance, certificates), so the number of queries per message stays constant.
"""

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.apps import apps
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare

from events.models import Session, SessionMaterial
from registrations import certificate_emails, emails, session_changes, tokens
from registrations.invites import CalendarEmailMessage, build_calendar_invite
from registrations.models import Registration
from registrations.outbox import attended_registration_ids
from registrations.outbox_models import OutboxMessage, SessionNotificationSettings

Kind = OutboxMessage.Kind
UNSUBSCRIBE_PURPOSE = "unsubscribe"
# Not the registration's rotating token salt: an unsubscribe link keeps working after the person
# cancels their place (they may still get earlier announcements).
UNSUBSCRIBE_SALT = "announcements"


def unsubscribe_token(registration: Registration) -> str:
    return tokens.derive(purpose=UNSUBSCRIBE_PURPOSE, public_id=registration.public_id, salt=UNSUBSCRIBE_SALT)


def is_valid_unsubscribe_token(registration: Registration, token: str) -> bool:
    return constant_time_compare(unsubscribe_token(registration), token)


def unsubscribe_url(registration: Registration) -> str:
    return emails.absolute_url(
        reverse(
            "notifications:unsubscribe",
            kwargs={"public_id": registration.public_id, "token": unsubscribe_token(registration)},
        )
    )


def message_id(message: OutboxMessage) -> str:
    return f"<{message.message_token}@{emails.message_domain()}>"


@dataclasses.dataclass
class DeliveryBatch:
    """What the messages of one send round share, read once per round."""

    sessions: dict[int, Session] = dataclasses.field(default_factory=dict)
    materials: dict[int, list[SessionMaterial]] = dataclasses.field(default_factory=dict)
    feedback_urls: dict[int, str] = dataclasses.field(default_factory=dict)
    attended: set[int] = dataclasses.field(default_factory=set)
    certified: set[int] = dataclasses.field(default_factory=set)

    @classmethod
    def load(cls, messages: Iterable[OutboxMessage]) -> "DeliveryBatch":
        messages = list(messages)
        batch = cls()
        session_ids = {m.session_id for m in messages}
        if not session_ids:
            return batch
        batch.sessions = {s.pk: s for s in Session.objects.filter(pk__in=session_ids).with_speakers()}
        follow_up_ids = [m.registration_id for m in messages if m.kind == Kind.FOLLOW_UP]
        if follow_up_ids:
            batch.materials = defaultdict(list)
            for material in SessionMaterial.objects.filter(session_id__in=session_ids).order_by("order", "pk"):
                batch.materials[material.session_id].append(material)
            batch.feedback_urls = dict(
                SessionNotificationSettings.objects.filter(session_id__in=session_ids).values_list(
                    "session_id", "feedback_url"
                )
            )
            batch.attended = attended_registration_ids(follow_up_ids)
            batch.certified = _certified_registration_ids(follow_up_ids)
        for message in messages:
            # One shared Session object per session: its speakers are read once, not per message.
            message.registration.session = batch.sessions[message.session_id]
        return batch


def _certified_registration_ids(registration_ids: list[int]) -> set[int]:
    """Registrations with a valid certificate; empty when certificates are not installed."""
    try:
        certificate = apps.get_model("registrations", "Certificate")
    except LookupError:
        return set()
    return set(
        certificate.objects.filter(registration_id__in=registration_ids, status="valid").values_list(
            "registration_id", flat=True
        )
    )


def _message(
    *, registration: Registration, outbox: OutboxMessage | None, subject: str, text: str, html: str,
    automatic: bool = True, extra_headers: dict | None = None,
) -> CalendarEmailMessage:
    # Previews and test sends have no outbox row: a fresh Message-ID, still on our domain.
    return emails.new_message(
        registration=registration,
        subject=subject,
        text=text,
        html=html,
        message_id=message_id(outbox) if outbox else None,
        automatic=automatic,
        extra_headers=extra_headers,
    )


def build_reminder_email(
    *, registration: Registration, offset_minutes: int, outbox: OutboxMessage | None = None,
    now: dt.datetime | None = None,
) -> CalendarEmailMessage:
    """The reminder `offset_minutes` before the start: time in both zones, join link, updated invite."""
    with translation.override(registration.language):
        context = {
            **emails.base_context(registration),
            **emails.place_links(registration),
            "hours": offset_minutes // 60,
            "minutes": offset_minutes,
            "in_hours": offset_minutes % 60 == 0,
        }
        subject, text, html = emails.render_parts("notifications/emails/reminder", context)
    message = _message(registration=registration, outbox=outbox, subject=subject, text=text, html=html)
    message.attach_calendar(build_calendar_invite(registration, "confirmed", now=now))
    return message


def build_follow_up_email(
    *, registration: Registration, attended: bool, certified: bool, materials: list[SessionMaterial],
    feedback_url: str, outbox: OutboxMessage | None = None,
) -> EmailMultiAlternatives:
    """After the session: thanks, recording, materials, feedback and certificate for attendees;
    recording and materials for everyone else."""
    certificates_url = ""
    if attended and certified:
        try:
            certificates_url = emails.absolute_url(reverse("certificates:certificate-list"))
        except Exception:
            certificates_url = ""
    with translation.override(registration.language):
        context = {
            **emails.base_context(registration),
            "attended": attended,
            "recording_url": registration.session.recording_url,
            "materials": materials,
            "feedback_url": feedback_url if attended else "",
            "certificates_url": certificates_url,
        }
        template = "notifications/emails/follow_up_attended" if attended else "notifications/emails/follow_up_missed"
        subject, text, html = emails.render_parts(template, context)
    return _message(registration=registration, outbox=outbox, subject=subject, text=text, html=html)


def build_organiser_email(
    *, registration: Registration, organiser_message, outbox: OutboxMessage | None = None
) -> EmailMultiAlternatives:
    """An organiser's message, in the registrant's language (RU falls back to EN), with one-click unsubscribe."""
    series = registration.session.series
    link = unsubscribe_url(registration)
    with translation.override(registration.language):
        context = {
            **emails.base_context(registration),
            "body": organiser_message.body,
            "unsubscribe_url": link,
        }
        subject = " ".join(str(organiser_message.subject).split())
        text = render_to_string("notifications/emails/organiser_message.txt", context)
        html = render_to_string("notifications/emails/organiser_message.html", context)
    return _message(
        registration=registration,
        outbox=outbox,
        subject=subject,
        text=text,
        html=html,
        automatic=False,
        extra_headers={
            "List-Unsubscribe": f"<mailto:{series.reply_to_email}?subject=unsubscribe>, <{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def build_outbox_email(message: OutboxMessage, batch: DeliveryBatch) -> EmailMultiAlternatives:
    """The email an outbox row stands for, from what the row and the batch hold."""
    registration = message.registration
    match message.kind:
        case Kind.REMINDER:
            return build_reminder_email(
                registration=registration, offset_minutes=message.offset_minutes or 0, outbox=message
            )
        case Kind.FOLLOW_UP:
            attended = registration.pk in batch.attended
            return build_follow_up_email(
                registration=registration,
                attended=attended,
                certified=registration.pk in batch.certified,
                materials=batch.materials.get(message.session_id, []),
                feedback_url=batch.feedback_urls.get(message.session_id, ""),
                outbox=message,
            )
        case Kind.SESSION_UPDATED | Kind.SESSION_CANCELLED:
            email = session_changes.build_session_change_email(registration=registration)
            email.extra_headers["Message-ID"] = message_id(message)
            return email
        case Kind.ORGANISER_MESSAGE:
            return build_organiser_email(
                registration=registration, organiser_message=message.organiser_message, outbox=message
            )
        case Kind.CERTIFICATE:
            certificate = message.certificate
            certificate.registration = registration  # with the batch's session, user and profile
            email = certificate_emails.build_certificate_email(certificate=certificate)
            email.extra_headers["Message-ID"] = message_id(message)
            return email
    raise ValueError(message.kind)
