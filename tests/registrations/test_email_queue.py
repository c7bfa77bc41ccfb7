"""Registration emails are queued in the registering transaction when the task queue is a table of
the same database (django-tasks-db, production): a registration never commits without its email,
even if the database restarts right after the commit (bench/drills.py, drill 4, saw one)."""

import pytest
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
