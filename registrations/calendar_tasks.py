"""Background work for session changes: a fan-out task, then one email per confirmed registrant.

Both tasks take ids and the SEQUENCE they were queued for; when the session's sequence has moved
on (a newer change was saved), they do nothing, so nobody gets an outdated update after a newer one.
"""

from django.tasks import task

from events.models import Session
from registrations import session_changes
from registrations.models import Registration


@task
def send_session_change_invites(*, session_id: int, sequence: int) -> None:
    if not Session.objects.filter(pk=session_id, sequence=sequence).exists():
        return
    ids = Registration.objects.filter(session_id=session_id).confirmed().values_list("pk", flat=True)
    for registration_id in ids.iterator():
        send_session_change_email.enqueue(registration_id=registration_id, sequence=sequence)


@task
def send_session_change_email(*, registration_id: int, sequence: int) -> None:
    registration = Registration.objects.select_related("session", "session__series", "user").get(pk=registration_id)
    if registration.session.sequence != sequence or registration.status != Registration.Status.CONFIRMED:
        return
    session_changes.send_session_change_email(registration=registration)
