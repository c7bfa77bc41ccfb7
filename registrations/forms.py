"""The registration form and the profile form of the account page.

Both only parse and validate; saving goes through `registrations.services.register_attendee` and
`registrations.profiles.update_profile`. Anti-abuse (honeypot, fill time) lives in
`registrations.antiabuse`; the form only carries its fields.
"""

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language_info, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from events.forms import _region_label
from events.timefmt import build_zone_choices, is_known_zone
from registrations import antiabuse, privacy, proof_of_work
from registrations.models import Profession, Profile
from registrations.services import AttendeeDetails

# Translators: the empty first entry of a drop-down list ("choose one").
BLANK_CHOICE = pgettext_lazy("empty choice", "Choose…")
HONEYPOT_FIELD = "website"
STAMP_FIELD = "started"
# The field the ALTCHA widget adds to the form (registrations/proof_of_work.py).
POW_FIELD = "altcha"


def country_choices() -> list[tuple[str, str]]:
    """Every country, named and sorted in the active language (django-countries' catalogue)."""
    return [("", BLANK_CHOICE), *countries]


def profession_choices() -> list[tuple[str, str]]:
    return [("", BLANK_CHOICE), *Profession.choices]


def language_choices() -> list[tuple[str, str]]:
    """Each site language in its own name ("English", "Русский"): readable whatever the page."""
    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


class CountryChoiceField(forms.ChoiceField):
    """The country drop-down. A sent code is checked by a lookup in django-countries' table: the
    choice field's own check walks the 250 choices, normalising each (0.3–0.5 ms a form)."""

    def valid_value(self, value) -> bool:
        return countries.alpha2(value) == value


class AttendeeAnswersMixin(forms.Form):
    """The answers a registration and a profile share."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        help_text=_("As it should appear on your certificate of attendance."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    profession = forms.ChoiceField(label=_("Profession"), choices=profession_choices)
    country = CountryChoiceField(label=_("Country"), choices=country_choices)
    language = forms.ChoiceField(label=_("Language for emails"), choices=language_choices, widget=forms.RadioSelect)

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())

    def clean_organisation(self) -> str:
        return " ".join(self.cleaned_data["organisation"].split())


class RegistrationForm(AttendeeAnswersMixin):
    """What a person tells us to register: the answers, the consents and, when signed out, the email.

    `ask_email` is False for a signed-in person (their verified address is used). The honeypot
    and the signed "form shown at" stamp travel with the form; the view asks `is_suspicious()`
    before anything else.
    """

    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We email you a sign-in code: no password needed."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    privacy_consent = forms.BooleanField(
        label=_("I agree to the privacy notice above."),
        error_messages={"required": _("Please agree to the privacy notice to register.")},
    )
    announcements_consent = forms.BooleanField(
        label=_("Email me about future sessions of this series (optional)."), required=False, initial=False
    )
    website = forms.CharField(
        # Translators: the label of a trap field that people never see; bots fill it in.
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = [
        "email",
        "full_name",
        "organisation",
        "profession",
        "country",
        "language",
        "privacy_consent",
        "announcements_consent",
        HONEYPOT_FIELD,
        STAMP_FIELD,
    ]

    def __init__(self, *args, ask_email: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not ask_email:
            del self.fields["email"]
        if not self.is_bound or antiabuse.is_stale(self.data.get(STAMP_FIELD, "")):
            # A fresh stamp for a new form, and for one left open too long (shown again below).
            self.initial[STAMP_FIELD] = antiabuse.make_form_stamp()
            if self.is_bound:
                self.data = self.data.copy()
                self.data[STAMP_FIELD] = self.initial[STAMP_FIELD]
                self._stale = True

    def clean_email(self) -> str:
        # allauth keeps addresses in lower case (EmailAddress, login by code): so do we.
        return antiabuse.normalise_email(self.cleaned_data["email"])

    def is_suspicious(self) -> bool:
        """A filled honeypot, or sent back sooner than people can (or with a forged stamp)."""
        if getattr(self, "_stale", False):
            return False
        return bool(self.data.get(HONEYPOT_FIELD, "")) or antiabuse.is_filled_too_fast(self.data.get(STAMP_FIELD, ""))

    def clean(self):
        cleaned_data = super().clean()
        if getattr(self, "_stale", False):
            raise forms.ValidationError(
                _("This form was open for a long time. Please check your answers and send it again."),
                code="stale",
            )
        if self.needs_proof_of_work() and not proof_of_work.verify_and_consume(self.data.get(POW_FIELD, "")):
            # Missing, wrong, expired or already used: each solution is accepted once.
            raise forms.ValidationError(
                _(
                    "The automatic check that protects this form from bots did not finish. "
                    "Wait until it says it is done, then send the form again."
                ),
                code="proof_of_work",
            )
        return cleaned_data

    def needs_proof_of_work(self) -> bool:
        """Signed-out forms (the ones that ask for an email) carry a proof of work."""
        return "email" in self.fields and settings.REGISTRATION_POW_REQUIRED

    def to_details(self) -> AttendeeDetails:
        data = self.cleaned_data
        return AttendeeDetails(
            full_name=data["full_name"],
            organisation=data["organisation"],
            profession=data["profession"],
            country=data["country"],
            language=data["language"],
            announcements_consent=data["announcements_consent"],
            privacy_notice_version=privacy.current_notice_version(),
        )

    @staticmethod
    def initial_from_profile(profile: Profile | None, *, language: str) -> dict:
        """Prefill from what the person told us last time; the email language defaults to the page's."""
        if profile is None:
            return {"language": language}
        return {
            "full_name": profile.full_name,
            "organisation": profile.organisation,
            "profession": profile.profession,
            "country": profile.country.code or "",
            "language": profile.language or language,
        }


class ProfileForm(AttendeeAnswersMixin):
    """The profile of the account page: answers reused for every registration, and a time zone."""

    timezone = forms.CharField(
        label=_("Time zone"),
        required=False,
        help_text=_("Emails show session times in this zone as well as in the announced one."),
        widget=forms.Select,
    )

    def __init__(self, *args, language_code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profession"].required = False
        self.fields["country"].required = False
        self.fields["full_name"].required = False
        choices = [("", _("Not set"))]
        choices += [
            (_region_label(region), zones) for region, zones in build_zone_choices(language_code, timezone.now())
        ]
        self.fields["timezone"].widget.choices = choices

    def clean_timezone(self) -> str:
        name = self.cleaned_data["timezone"]
        if name and not is_known_zone(name):
            raise forms.ValidationError(_("Choose a time zone from the list."), code="unknown_zone")
        return name

    @staticmethod
    def initial_from_profile(profile: Profile | None, *, language: str) -> dict:
        initial = RegistrationForm.initial_from_profile(profile, language=language)
        initial["timezone"] = profile.timezone if profile else ""
        return initial
