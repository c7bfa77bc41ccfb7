"""One function per registration email. Each renders in the registrant's language, names only the
session in its subject (no codes, numbers or names), and says in both languages that we never ask
for passwords or sensitive information by email.

Confirmations and promotions carry an iTIP REQUEST, cancellations a CANCEL (registrations/invites.py):
inline as a text/calendar alternative and as an invite.ics attachment.
"""

from email.headerregistry import Address
from email.utils import make_msgid

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from events.timefmt import format_time_range
from registrations.invites import CalendarEmailMessage, build_calendar_invite
from registrations.models import Registration

KINDS = ("confirmed", "waitlisted", "promoted", "cancelled")


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def sender_address(registration: Registration) -> str:
    """The series as the sender, on our own no-reply address; the name can never add a header."""
    no_reply = Address(addr_spec=_default_from_addr_spec())
    return str(Address(display_name=registration.session.series.organiser_name, addr_spec=no_reply.addr_spec))


def _default_from_addr_spec() -> str:
    from email.headerregistry import HeaderRegistry  # noqa: PLC0415 (only parsing the setting)

    header = HeaderRegistry()("From", settings.DEFAULT_FROM_EMAIL)
    return header.addresses[0].addr_spec


def recipient_address(registration: Registration) -> str:
    return str(Address(display_name=registration.full_name, addr_spec=registration.user.email))


def base_context(registration: Registration) -> dict:
    """What every email about a registration shows: the session, its time in both zones, links."""
    session = registration.session
    return {
        "registration": registration,
        "session": session,
        "series": session.series,
        "when": format_time_range(session.starts_at, session.ends_at, session.timezone, registration.language),
        "when_local": time_in_own_zone(registration),
        "session_url": absolute_url(session.get_absolute_url()),
        "account_url": absolute_url(reverse("registrations:account")),
    }


def place_links(registration: Registration) -> dict:
    """The personal join and cancel links of a registration (tokens derived, never stored)."""
    return {
        "join_url": absolute_url(reverse("links:join", kwargs={"token": registration.join_token})),
        "cancel_url": absolute_url(
            reverse(
                "registrations:cancel-by-link",
                kwargs={"public_id": registration.public_id, "token": registration.cancel_token},
            )
        ),
    }


def render_parts(template: str, context: dict) -> tuple[str, str, str]:
    """Subject (one line), text and HTML of `<template>_subject.txt|_message.txt|_message.html`."""
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    return (
        subject,
        render_to_string(f"{template}_message.txt", context),
        render_to_string(f"{template}_message.html", context),
    )


def new_message(
    *,
    registration: Registration,
    subject: str,
    text: str,
    html: str,
    message_id: str | None = None,
    automatic: bool = True,
    extra_headers: dict | None = None,
) -> CalendarEmailMessage:
    """A multipart message from the series to the registrant, replies going to the organisers.

    Automatic mail says so (`Auto-Submitted`); every message gets a Message-ID on our domain.
    """
    headers = {"Message-ID": message_id or make_msgid(domain=message_domain())}
    if automatic:
        headers["Auto-Submitted"] = "auto-generated"
    headers.update(extra_headers or {})
    message = CalendarEmailMessage(
        subject=subject,
        body=text,
        from_email=sender_address(registration),
        to=[recipient_address(registration)],
        reply_to=[registration.session.series.reply_to_email],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


def build_registration_email(
    *, registration: Registration, kind: str, message_id: str | None = None
) -> CalendarEmailMessage:
    """`message_id`: the one to send under (the task's own, so a retried send is recognisably the
    same message); a fresh one when None."""
    if kind not in KINDS:
        raise ValueError(kind)
    with translation.override(registration.language):
        context = {**base_context(registration), **place_links(registration)}
        subject, text, html = render_parts(f"registrations/emails/{kind}", context)
    message = new_message(registration=registration, subject=subject, text=text, html=html, message_id=message_id)
    message.attach_calendar(build_calendar_invite(registration, kind))
    return message


def time_in_own_zone(registration: Registration) -> str:
    """The session's time in the registrant's own zone, when they told us one that differs."""
    profile = getattr(registration.user, "profile", None)
    zone = getattr(profile, "timezone", "")
    session = registration.session
    if not zone or zone == session.timezone:
        return ""
    return format_time_range(session.starts_at, session.ends_at, zone, registration.language)


def message_domain() -> str:
    return _default_from_addr_spec().rpartition("@")[2]


def send_registration_email(*, registration: Registration, kind: str, message_id: str | None = None) -> None:
    build_registration_email(registration=registration, kind=kind, message_id=message_id).send()
