"""Background work of registrations; thin wrappers that fetch rows and call the email functions."""

from django.tasks import task

from registrations import emails
from registrations.models import Registration


@task(takes_context=True)
def send_registration_email(context, *, registration_id: int, kind: str) -> None:
    """The email's Message-ID comes from the task's id: a task run again after its worker died
    between the SMTP server's acceptance and the recorded result (registrations/task_recovery.py
    keeps the id) resends the same message, which mail clients show once, not a second one."""
    registration = Registration.objects.select_related("session", "session__series", "user").get(pk=registration_id)
    if not registration.user.email:
        return  # the person erased their account meanwhile (registrations.privacy.erase_person)
    emails.send_registration_email(
        registration=registration,
        kind=kind,
        message_id=f"<registration-{context.task_result.id}@{emails.message_domain()}>",
    )
