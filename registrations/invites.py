"""Calendar invites in registration emails (iTIP over email, RFC 6047).

`build_calendar_invite` chooses what a message carries: a METHOD:REQUEST for a confirmed place
(confirmation, promotion from the waitlist, an update of the session), a METHOD:CANCEL when the
place or the session is cancelled, nothing for the waitlist. `CalendarEmailMessage` puts it in the
message the way Gmail, Outlook, Apple Mail and Thunderbird expect:

    multipart/mixed
      multipart/alternative
        text/plain; charset="utf-8"
        text/html; charset="utf-8"
        text/calendar; charset="utf-8"; method=REQUEST   (base64, the exact CRLF bytes)
      application/ics; name="invite.ics"                 (attachment, for clients that want a file)

Django's `attach_alternative()` cannot give a part the `method` parameter RFC 6047 requires, so the
inline part is added to the alternative container when the MIME message is built.
"""

import datetime as dt
import email.message
import email.policy
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone, translation

from events import calendar
from registrations.models import Registration

REQUEST_KINDS = frozenset({"confirmed", "promoted", "session_updated"})
CANCEL_KINDS = frozenset({"cancelled", "session_cancelled"})
ATTACHMENT_NAME = "invite.ics"


@dataclass(frozen=True)
class CalendarInvite:
    method: str  # "REQUEST" or "CANCEL"
    sequence: int
    content: bytes


def build_calendar_invite(
    registration: Registration, kind: str, *, now: dt.datetime | None = None
) -> CalendarInvite | None:
    """The invite for a registration email of `kind`, in the registration's language, or None.

    Reads one count (the person's earlier registrations for the session, for the SEQUENCE: see
    `events.calendar.invite_sequence`); the session's speakers are read unless prefetched.
    """
    if kind in REQUEST_KINDS:
        method = "REQUEST"
    elif kind in CANCEL_KINDS:
        method = "CANCEL"
    else:
        return None
    if kind == "cancelled" and registration.confirmed_at is None:
        return None  # a waitlisted person never had the event in their calendar
    session = registration.session
    earlier = Registration.objects.filter(
        session_id=registration.session_id, user_id=registration.user_id, pk__lt=registration.pk
    ).count()
    sequence = calendar.invite_sequence(session, earlier_registrations=earlier, method=method)
    join_link = ""
    if method == "REQUEST":
        with translation.override(registration.language):
            join_link = f"{settings.SITE_URL}{reverse('links:join', kwargs={'token': registration.join_token})}"
    content = calendar.build_invite(
        session,
        attendee_name=registration.full_name,
        attendee_email=registration.user.email,
        language=registration.language,
        join_link=join_link,
        method=method,
        sequence=sequence,
        site_url=settings.SITE_URL,
        stamp=now or timezone.now(),
    )
    return CalendarInvite(method=method, sequence=sequence, content=content)


class CalendarEmailMessage(EmailMultiAlternatives):
    """An EmailMultiAlternatives that can carry one calendar invite (see the module docstring)."""

    calendar_invite: CalendarInvite | None = None

    def attach_calendar(self, invite: CalendarInvite | None) -> None:
        """Add the invite as the inline text/calendar alternative and as invite.ics; None adds nothing."""
        if invite is None:
            return
        self.calendar_invite = invite
        attachment = email.message.MIMEPart(policy=email.policy.default)
        attachment.set_content(
            invite.content,
            maintype="application",
            subtype="ics",
            disposition="attachment",
            filename=ATTACHMENT_NAME,
            params={"name": ATTACHMENT_NAME},
        )
        self.attach(attachment)

    def message(self, *, policy=email.policy.default):
        msg = super().message(policy=policy)
        if self.calendar_invite is not None:
            container = next((p for p in msg.walk() if p.get_content_type() == "multipart/alternative"), None)
            if container is not None:
                container.attach(inline_calendar_part(self.calendar_invite, policy=policy))
        return msg


def inline_calendar_part(invite: CalendarInvite, *, policy=email.policy.default) -> email.message.MIMEPart:
    """`text/calendar; charset="utf-8"; method=…`, base64 so the CRLF line ends arrive unchanged."""
    part = email.message.MIMEPart(policy=policy)
    part.set_content(
        invite.content,
        maintype="text",
        subtype="calendar",
        cte="base64",
        params={"charset": "utf-8", "method": invite.method},
    )
    return part
