"""Registration emails are queued in the registering transaction when the task queue is a table of
the same database (django-tasks-db, production): a registration never commits without its email,
even if the database restarts right after the commit (bench/drills.py, drill 4, saw one)."""

from email.utils import parseaddr

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from registrations.models import Registration
from registrations.services import cancel_registration, register_attendee
from registrations.tasks import send_registration_email
from tests.factories import SessionFactory, UserFactory, attendee_details

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _task_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def queued_emails() -> list[tuple[int, str]]:
    return sorted(
        (row.args_kwargs["kwargs"]["registration_id"], row.args_kwargs["kwargs"]["kind"])
        for row in DBTaskResult.objects.filter(task_path=send_registration_email.module_path)
    )


def test_confirmation_is_queued_before_the_registration_commits():
    session = SessionFactory(capacity=1)

    with transaction.atomic():
        first = register_attendee(session=session, user=UserFactory(), details=attendee_details()).registration
        second = register_attendee(session=session, user=UserFactory(), details=attendee_details()).registration
        assert queued_emails() == [(first.pk, "confirmed"), (second.pk, "waitlisted")]  # not after commit


def register_then_fail(session) -> None:
    with transaction.atomic():
        register_attendee(session=session, user=UserFactory(), details=attendee_details())
        raise RuntimeError("the request failed after registering")


def test_rolled_back_registration_leaves_no_email():
    session = SessionFactory()

    with pytest.raises(RuntimeError, match="failed after registering"):
        register_then_fail(session)

    assert (Registration.objects.count(), queued_emails()) == (0, [])


def test_cancellation_and_promotion_emails_are_queued_with_the_change():
    session = SessionFactory(capacity=1)
    first = register_attendee(session=session, user=UserFactory(), details=attendee_details()).registration
    second = register_attendee(session=session, user=UserFactory(), details=attendee_details()).registration

    cancel_registration(registration=first, actor=None)

    assert queued_emails() == sorted(
        [(first.pk, "confirmed"), (second.pk, "waitlisted"), (first.pk, "cancelled"), (second.pk, "promoted")]
    )


@pytest.mark.django_db(transaction=True)  # db_worker closes its connection after a batch
def test_a_rerun_confirmation_task_resends_the_same_message(mailoutbox):
    """A worker that dies between the SMTP server's acceptance and the recorded result leaves its
    task RUNNING; recovery makes it READY again (registrations/task_recovery.py) and it is sent once
    more. That copy carries the same Message-ID (the task's id), so mail clients show one message."""
    registration = register_attendee(
        session=SessionFactory(), user=UserFactory(), details=attendee_details()
    ).registration
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    row = DBTaskResult.objects.get(task_path=send_registration_email.module_path)

    DBTaskResult.objects.filter(pk=row.pk).update(status="READY", started_at=None, finished_at=None)  # as recovery does
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    assert [parseaddr(address)[1] for message in mailoutbox for address in message.to] == [registration.user.email] * 2
    assert [message.extra_headers["Message-ID"] for message in mailoutbox] == [
        f"<registration-{row.pk}@decoded.example>"
    ] * 2


@pytest.mark.django_db(transaction=True)  # db_worker closes its connection after a batch
def test_each_registration_email_has_its_own_message_id(mailoutbox):
    session = SessionFactory(capacity=1)
    register_attendee(session=session, user=UserFactory(), details=attendee_details())
    register_attendee(session=session, user=UserFactory(), details=attendee_details())
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    ids = {message.extra_headers["Message-ID"] for message in mailoutbox}
    assert len(mailoutbox) == 2
    assert len(ids) == 2
