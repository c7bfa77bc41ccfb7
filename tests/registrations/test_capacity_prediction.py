"""`register_attendee` predicts the outcome from the session's tally before it locks; the decision
under the lock counts the rows. A wrong tally (stale, or a bulk load that skipped the rebuild)
costs a second write, never a place, and leaves one registration, one audit entry, one email."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registrations.models import AuditEntry, Registration
from registrations.report_models import RegistrationTally
from registrations.report_tallies import find_tally_differences, tallied_registrations
from registrations.services import register_attendee
from tests.factories import SessionFactory, UserFactory, attendee_details

pytestmark = pytest.mark.django_db


def set_confirmed_tally(session, count: int) -> None:
    RegistrationTally.objects.update_or_create(
        session=session, attribute="status", value="confirmed", defaults={"registrations": count}
    )


@pytest.fixture
def register(django_capture_on_commit_callbacks):
    """Register a new person; their status, audit actions, emails sent and place in line."""

    def register(session):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            outcome = register_attendee(session=session, user=UserFactory(), details=attendee_details(language="en"))
        registration = outcome.registration
        actions = list(AuditEntry.objects.filter(registration=registration).values_list("action", flat=True))
        return registration.status, actions, len(mail.outbox), outcome.waitlist_position

    return register


def test_the_tally_is_the_prediction(register):
    session = SessionFactory(capacity=3)
    assert tallied_registrations(session.pk, "confirmed") == 0  # no row yet
    register(session)
    register(session)
    assert tallied_registrations(session.pk, "confirmed") == 2
    assert tallied_registrations(session.pk, "waitlisted") == 0


def test_a_tally_saying_full_still_gives_a_free_place(register):
    session = SessionFactory(capacity=2)
    set_confirmed_tally(session, 5)

    assert register(session) == ("confirmed", ["registered"], 1, None)
    assert Registration.objects.filter(session=session, status="confirmed").count() == 1
    assert tallied_registrations(session.pk, "confirmed") == 6  # the misprediction counted once


def test_a_tally_saying_empty_still_waitlists_when_full(register):
    session = SessionFactory(capacity=1)
    register(session)
    set_confirmed_tally(session, 0)

    assert register(session) == ("waitlisted", ["waitlisted"], 1, 1)
    assert Registration.objects.filter(session=session, status="confirmed").count() == 1
    assert (tallied_registrations(session.pk, "confirmed"), tallied_registrations(session.pk, "waitlisted")) == (0, 1)
    set_confirmed_tally(session, 1)  # as it was before it was spoilt: the tallies agree with the rows again
    assert find_tally_differences(sessions=[session]) == {}


@pytest.mark.django_db(transaction=True)
def test_a_registration_is_one_transaction_without_a_savepoint():
    """Outside any test transaction, as in production: the predicted path takes no savepoint."""
    session = SessionFactory(capacity=3)
    with CaptureQueriesContext(connection) as queries:
        outcome = register_attendee(session=session, user=UserFactory(), details=attendee_details(language="en"))
    assert outcome.registration.status == "confirmed"
    assert not [query["sql"] for query in queries if "SAVEPOINT" in query["sql"].upper()]


@pytest.mark.django_db(transaction=True)
def test_a_misprediction_outside_a_test_transaction_leaves_one_of_everything():
    """The rolled-back first attempt leaves nothing behind: no row, no audit entry, no email."""
    session = SessionFactory(capacity=1)
    register_attendee(session=session, user=UserFactory(), details=attendee_details(language="en"))
    set_confirmed_tally(session, 0)  # says a place is free: the first attempt writes a confirmed place
    mail.outbox.clear()
    user = UserFactory()

    outcome = register_attendee(session=session, user=user, details=attendee_details(language="en"))

    assert (outcome.registration.status, outcome.waitlist_position) == ("waitlisted", 1)
    assert list(Registration.objects.filter(user=user).values_list("status", flat=True)) == ["waitlisted"]
    assert list(AuditEntry.objects.filter(registration__user=user).values_list("action", flat=True)) == ["waitlisted"]
    assert len(mail.outbox) == 1
    assert Registration.objects.filter(session=session, status="confirmed").count() == 1
