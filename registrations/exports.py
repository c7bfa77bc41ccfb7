"""CSV export of a session's registrations, for organisers.

Pure pieces only: which rows, which cells, how a cell is made safe for spreadsheets, and the file
name. The admin view that serves the file (registrations/admin.py) checks the
`registrations.export_registration` permission and audits every export through
`services.record_export`; nothing here touches the audit trail or the request.

The file opens cleanly in Excel (UTF-8 with a byte order mark, so Cyrillic survives; the `excel`
dialect's CRLF line ends) and in LibreOffice and Google Sheets. Labels (status, profession,
country, language, header) are in the active language, i.e. the organiser's admin language.
"""

import csv
import datetime as dt
import io
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.utils.text import capfirst
from django.utils.translation import pgettext

from events.models import Session
from registrations.models import Registration, RegistrationQuerySet

BYTE_ORDER_MARK = "\ufeff"

# The characters that make a spreadsheet read a cell as a formula (or, for tab, CR and NUL, that
# shift what follows into one): OWASP's "CSV injection" list.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "|", "%", "\t", "\r", "\0")

EXPORTED_FIELDS = [
    "public_id",
    "status",
    "full_name",
    "organisation",
    "profession",
    "country",
    "language",
    "created_at",
    "waitlisted_at",
    "confirmed_at",
    "privacy_notice_version",
    "announcements_consent",
]


def neutralise_cell(value: str) -> str:
    """Return `value` so that no spreadsheet evaluates it as a formula.

    A value starting with one of FORMULA_TRIGGERS gets a leading apostrophe: Excel, LibreOffice
    and Google Sheets then show it as text (the apostrophe stays visible, which also tells the
    reader the cell was changed). Any other value is returned unchanged.
    """
    if value.startswith(FORMULA_TRIGGERS):
        return f"'{value}"
    return value


def registrations_for_export(session: Session) -> RegistrationQuerySet:
    """The session's registrations in the order people registered, with only the columns used."""
    return (
        Registration.objects.filter(session=session)
        .select_related("user")
        .only(*EXPORTED_FIELDS, "session_id", "user__email")
        .order_by("created_at", "pk")
    )


def build_header() -> list[str]:
    field = Registration._meta.get_field
    email_label = get_user_model()._meta.get_field("email").verbose_name
    return [
        capfirst(field("public_id").verbose_name),
        capfirst(field("status").verbose_name),
        capfirst(field("full_name").verbose_name),
        capfirst(email_label),
        capfirst(field("organisation").verbose_name),
        capfirst(field("profession").verbose_name),
        capfirst(field("country").verbose_name),
        capfirst(field("language").verbose_name),
        capfirst(field("created_at").verbose_name),
        capfirst(field("waitlisted_at").verbose_name),
        capfirst(field("confirmed_at").verbose_name),
        capfirst(field("privacy_notice_version").verbose_name),
        capfirst(field("announcements_consent").verbose_name),
    ]


def build_row(registration: Registration) -> list[str]:
    """One registration's cells, neutralised; dates in ISO 8601, UTC, to the second."""
    cells = [
        registration.public_id,
        registration.get_status_display(),
        registration.full_name,
        registration.user.email,
        registration.organisation,
        registration.get_profession_display() if registration.profession else "",
        registration.country.name if registration.country else "",
        registration.get_language_display(),
        format_utc(registration.created_at),
        format_utc(registration.waitlisted_at),
        format_utc(registration.confirmed_at),
        registration.privacy_notice_version,
        # Translators: a cell of the CSV export: whether the person agreed to hear about future sessions.
        pgettext("consent", "yes") if registration.announcements_consent else pgettext("consent", "no"),
    ]
    return [neutralise_cell(str(cell)) for cell in cells]


def format_utc(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(dt.UTC).isoformat(timespec="seconds")


def render_csv(registrations: Iterable[Registration]) -> tuple[str, int]:
    """The whole file as text (BOM, header, one line per registration) and the number of rows.

    Built in memory: 10,000 registrations make about 2 MB, and building first means the export is
    audited only once it exists, with its exact row count.
    """
    buffer = io.StringIO()
    buffer.write(BYTE_ORDER_MARK)
    writer = csv.writer(buffer, dialect="excel")
    writer.writerow([neutralise_cell(label) for label in build_header()])
    row_count = 0
    for registration in registrations:
        writer.writerow(build_row(registration))
        row_count += 1
    return buffer.getvalue(), row_count


def build_filename(session: Session, today: dt.date) -> str:
    """`registrations-<session slug>-<YYYYMMDD>.csv`: names the session, never a person."""
    return f"registrations-{session.slug}-{today:%Y%m%d}.csv"
