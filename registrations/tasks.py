"""Background work of registrations; thin wrappers that fetch rows and call the email functions."""

from django.tasks import task

from registrations import emails
from registrations.models import Registration


@task
def send_registration_email(*, registration_id: int, kind: str) -> None:
    registration = Registration.objects.select_related("session", "session__series", "user").get(pk=registration_id)
    if not registration.user.email:
        return  # the person erased their account meanwhile (registrations.privacy.erase_person)
    emails.send_registration_email(registration=registration, kind=kind)
