"""Forms of the organiser admin: session times in the session's own zone, languages as
checkboxes, and speaker photos checked by the photo pipeline before anything is saved."""

import datetime as dt
import zoneinfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from events.models import Session, Speaker, validate_timezone
from events.photos import ProcessedPhoto, process_speaker_photo

# The session fields that organisers enter as wall-clock times in the session's announced zone.
ZONED_TIME_FIELDS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


def _language_choices() -> list[tuple[str, str]]:
    # Read when the form is built, not at import time (STYLE.md §7).
    return list(settings.LANGUAGES)


class WallClockDateTimeField(forms.SplitDateTimeField):
    """A date and a time with no zone attached; `SessionAdminForm.clean()` attaches one.

    Django's own field would interpret the input in the *active* time zone (the viewer's); a
    session's times are announced in the session's zone, so the form decides instead.
    """

    widget = forms.SplitDateTimeWidget(
        date_attrs={"type": "date"},
        time_attrs={"type": "time"},
        date_format="%Y-%m-%d",
        time_format="%H:%M",
    )

    def compress(self, data_list):
        if not data_list:
            return None
        date, time = data_list
        if date in self.empty_values:
            raise ValidationError(self.error_messages["invalid_date"], code="invalid_date")
        if time in self.empty_values:
            raise ValidationError(self.error_messages["invalid_time"], code="invalid_time")
        return dt.datetime.combine(date, time)  # naive on purpose; see clean()


def attach_zone(value: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """Read naive `value` as a wall-clock time in `zone` and return it in UTC.

    Raises `ValidationError` for a time that does not exist in the zone (skipped by a
    daylight-saving change) or that exists twice (repeated by one).
    """
    first = value.replace(tzinfo=zone, fold=0)
    second = value.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        round_trip = first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
        if round_trip != value:
            message = gettext("%(time)s does not exist in %(zone)s: the clocks skip it. Choose another time.")
        else:
            message = gettext("%(time)s happens twice in %(zone)s when the clocks go back. Choose another time.")
        raise ValidationError(
            message,
            code="ambiguous_time",
            params={"time": value.strftime("%Y-%m-%d %H:%M"), "zone": zone.key},
        )
    return first.astimezone(dt.UTC)


class SessionAdminForm(forms.ModelForm):
    """Times are shown and entered in the session's announced zone and stored in UTC."""

    # Labels and help texts come from the model fields (see __init__).
    starts_at = WallClockDateTimeField()
    ends_at = WallClockDateTimeField()
    registration_opens_at = WallClockDateTimeField(required=False)
    registration_closes_at = WallClockDateTimeField(required=False)
    interpretation_languages = forms.MultipleChoiceField(
        choices=_language_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Languages into which the session is interpreted simultaneously."),
    )

    class Meta:
        model = Session
        # The admin's fieldsets choose and order the fields; modeltranslation adds the _en/_ru ones.
        fields = [
            "series",
            "title",
            "slug",
            "summary",
            "description",
            "timezone",
            "starts_at",
            "ends_at",
            "floor_language",
            "interpretation_languages",
            "capacity",
            "registration_opens_at",
            "registration_closes_at",
            "recording_url",
            "cancellation_note",
            "join_url",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zone_name = self.instance.timezone if self.instance.pk else self.initial.get("timezone")
        zone_name = zone_name or self.fields["timezone"].initial or Session._meta.get_field("timezone").default
        zone = zoneinfo.ZoneInfo(zone_name)
        for name in ("interpretation_languages", *ZONED_TIME_FIELDS):
            if name in self.fields:
                model_field = Session._meta.get_field(name)
                self.fields[name].label = capfirst(model_field.verbose_name)
                self.fields[name].help_text = self.fields[name].help_text or model_field.help_text
        for name in ZONED_TIME_FIELDS:
            if name not in self.fields:
                continue
            field = self.fields[name]
            stored = getattr(self.instance, name) if self.instance.pk else None
            if stored is not None:
                # Shown as the wall-clock time in the session's zone, not the viewer's.
                self.initial[name] = stored.astimezone(zone).replace(tzinfo=None)
            hint = gettext("Local time in the session's announced time zone (%(zone)s).") % {"zone": zone.key}
            if stored is not None:
                hint += " " + gettext("Stored as %(utc)s UTC.") % {
                    "utc": formats.date_format(stored.astimezone(dt.UTC), "Y-m-d H:i")
                }
            field.help_text = f"{field.help_text} {hint}".strip() if field.help_text else hint

    def clean_interpretation_languages(self) -> list[str]:
        # Keep the site's order (EN, RU), whatever order the checkboxes were posted in.
        chosen = set(self.cleaned_data["interpretation_languages"])
        return [code for code, _name in settings.LANGUAGES if code in chosen]

    def clean(self):
        cleaned = super().clean()
        zone_name = cleaned.get("timezone")
        try:
            validate_timezone(zone_name or "")
        except ValidationError:
            # The zone field carries its own error; without a zone the times cannot be read, so
            # they are left out rather than saved as naive values.
            for name in ZONED_TIME_FIELDS:
                cleaned.pop(name, None)
            return cleaned
        zone = zoneinfo.ZoneInfo(zone_name)
        for name in ZONED_TIME_FIELDS:
            value = cleaned.get(name)
            if value is None:
                continue
            try:
                cleaned[name] = attach_zone(value, zone)
            except ValidationError as error:
                self.add_error(name, error)
        floor = cleaned.get("floor_language")
        if floor and floor in cleaned.get("interpretation_languages", []):
            self.add_error(
                "interpretation_languages",
                ValidationError(
                    gettext("The floor language is spoken in the room; it needs no interpretation."),
                    code="floor_language_interpreted",
                ),
            )
        return cleaned


class SpeakerAdminForm(forms.ModelForm):
    """The photo goes through `events.photos` before anything is stored.

    The model's `photo` field is not edited directly: a raw upload would be stored under its own
    name with its metadata. `new_photo` is checked here and stored by `set_speaker_photo()`.
    """

    new_photo = forms.FileField(
        label=_("new photo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_photo = forms.BooleanField(label=_("remove the current photo"), required=False)

    class Meta:
        model = Speaker
        # Not `photo`: see the class docstring.
        fields = [
            "name",
            "slug",
            "position",
            "organisation",
            "country",
            "bio",
            "website_url",
            "profile_url",
            "is_example",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.processed_photo: ProcessedPhoto | None = None
        self.fields["new_photo"].help_text = gettext(
            "JPEG, PNG or WebP, up to %(limit)s. It is turned upright, reduced, cropped to a square "
            "thumbnail and stored under a random name without its metadata (camera, location)."
        ) % {"limit": filesizeformat(settings.SPEAKER_PHOTO_MAX_BYTES)}

    def clean_new_photo(self):
        upload = self.cleaned_data.get("new_photo")
        if upload:
            self.processed_photo = process_speaker_photo(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("new_photo") and cleaned.get("remove_photo"):
            self.add_error(
                "remove_photo",
                ValidationError(
                    gettext("Either upload a new photo or remove the current one, not both."), code="photo_conflict"
                ),
            )
        return cleaned
