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


def build_registration_email(*, registration: Registration, kind: str) -> CalendarEmailMessage:
    if kind not in KINDS:
        raise ValueError(kind)
    session = registration.session
    with translation.override(registration.language):
        context = {
            "registration": registration,
            "session": session,
            "series": session.series,
            "when": format_time_range(session.starts_at, session.ends_at, session.timezone, registration.language),
            "when_local": _time_in_own_zone(registration),
            "session_url": absolute_url(session.get_absolute_url()),
            "account_url": absolute_url(reverse("registrations:account")),
            "join_url": absolute_url(reverse("links:join", kwargs={"token": registration.join_token})),
            "cancel_url": absolute_url(
                reverse(
                    "registrations:cancel-by-link",
                    kwargs={"public_id": registration.public_id, "token": registration.cancel_token},
                )
            ),
        }
        subject = " ".join(render_to_string(f"registrations/emails/{kind}_subject.txt", context).split())
        text = render_to_string(f"registrations/emails/{kind}_message.txt", context)
        html = render_to_string(f"registrations/emails/{kind}_message.html", context)
    message = CalendarEmailMessage(
        subject=subject,
        body=text,
        from_email=sender_address(registration),
        to=[recipient_address(registration)],
        reply_to=[session.series.reply_to_email],
        headers={
            "Auto-Submitted": "auto-generated",
            "Message-ID": make_msgid(domain=_message_domain()),
        },
    )
    message.attach_alternative(html, "text/html")
    message.attach_calendar(build_calendar_invite(registration, kind))
    return message


def _time_in_own_zone(registration: Registration) -> str:
    """The session's time in the registrant's own zone, when they told us one that differs."""
    profile = getattr(registration.user, "profile", None)
    zone = getattr(profile, "timezone", "")
    session = registration.session
    if not zone or zone == session.timezone:
        return ""
    return format_time_range(session.starts_at, session.ends_at, zone, registration.language)


def _message_domain() -> str:
    return _default_from_addr_spec().rpartition("@")[2]


def send_registration_email(*, registration: Registration, kind: str) -> None:
    build_registration_email(registration=registration, kind=kind).send()
