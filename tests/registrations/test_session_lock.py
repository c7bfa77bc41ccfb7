"""`_lock_session`: the rules' fields of the session, read again (compiled once), locked where the
database has row locks."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Session
from registrations.services import LOCKED_SESSION_FIELDS, _lock_session
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def test_the_locked_session_holds_the_rules_fields_as_the_orm_reads_them():
    opens = timezone.now() - dt.timedelta(days=1)
    session = SessionFactory(capacity=7, registration_opens_at=opens)
    Session.objects.filter(pk=session.pk).update(capacity=8)  # read again, not the caller's copy

    with transaction.atomic():
        _lock_session(session)  # the first call builds the statement
        locked = _lock_session(session)

    expected = Session.objects.get(pk=session.pk)
    assert [getattr(locked, name) for name in ("pk", *LOCKED_SESSION_FIELDS)] == [
        getattr(expected, name) for name in ("pk", *LOCKED_SESSION_FIELDS)
    ]
    assert locked.capacity == 8
    assert locked.get_deferred_fields() == {field.attname for field in Session._meta.concrete_fields} - {
        Session._meta.get_field(name).attname for name in ("id", *LOCKED_SESSION_FIELDS)
    }
    assert locked.registration_state() == expected.registration_state()


def test_a_missing_session_is_an_error():
    session = SessionFactory()
    Session.objects.filter(pk=session.pk).delete()
    with transaction.atomic(), pytest.raises(Session.DoesNotExist):
        _lock_session(session)


@pytest.mark.parametrize("lock", [True, False])
def test_the_row_is_locked_where_the_database_can(settings, lock):
    settings.REGISTRATION_LOCK_SESSION_ROW = lock
    session = SessionFactory()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        _lock_session(session)
    statement = queries[-1]["sql"]
    assert statement.endswith("FOR UPDATE") is (lock and connection.features.has_select_for_update)
    assert "ORDER BY" not in statement
