"""The facts the privacy page states, read from the code and settings that enforce them, so the
page cannot drift from what the site does: the registration form's fields, each series' retention
periods, the cookie names, how long the access log is kept, whom to write to."""

import dataclasses

from django.conf import settings

from events.models import Series
from registrations import access_log
from registrations.privacy_models import DEFAULT_CERTIFICATE_YEARS, DEFAULT_DETAILS_MONTHS, SeriesRetention

# Fields of the registration form that are no question to the person: anti-bot traps and the
# consent boxes (stated separately on the page).
NOT_ASKED_FIELDS = ("website", "started", "privacy_consent", "announcements_consent")


@dataclasses.dataclass(frozen=True)
class SeriesFacts:
    title: str
    organiser: str
    reply_to: str
    details_months: int
    certificate_years: int


@dataclasses.dataclass(frozen=True)
class PrivacyFacts:
    asked_fields: list[str]
    series: list[SeriesFacts]
    cookies: dict[str, str]
    access_log_days: int


def asked_field_labels() -> list[str]:
    """The labels of what the registration form asks (signed-out form: with the email address)."""
    from registrations.forms import RegistrationForm  # noqa: PLC0415 (forms import services)

    form = RegistrationForm(ask_email=True)
    return [str(field.label) for name, field in form.fields.items() if name not in NOT_ASKED_FIELDS]


def cookie_names() -> dict[str, str]:
    """The only cookies the site sets: what each is for → its name."""
    return {
        "session": settings.SESSION_COOKIE_NAME,
        "csrf": settings.CSRF_COOKIE_NAME,
        "language": settings.LANGUAGE_COOKIE_NAME,
    }


def build_facts() -> PrivacyFacts:
    periods = {row.series_id: row for row in SeriesRetention.objects.all()}
    series = []
    for item in Series.objects.order_by("created_at"):
        row = periods.get(item.pk)
        series.append(
            SeriesFacts(
                title=item.title,
                organiser=item.organiser_name,
                reply_to=item.reply_to_email,
                details_months=row.details_months if row else DEFAULT_DETAILS_MONTHS,
                certificate_years=row.certificate_years if row else DEFAULT_CERTIFICATE_YEARS,
            )
        )
    return PrivacyFacts(
        asked_fields=asked_field_labels(),
        series=series,
        cookies=cookie_names(),
        access_log_days=access_log.retention_days(),
    )
