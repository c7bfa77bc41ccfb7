"""PDFs a failed or killed certificate step left behind (stored before the step's transaction
rolled back) are deleted by the daily purge once a day old; the PDFs of certificates never are."""

import datetime as dt
import os

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from registrations.attendance.services import set_manual_attendance
from registrations.certificate_models import get_certificate_storage
from registrations.certificate_services import issue_certificate
from registrations.retention import purge_expired
from tests.certificates.conftest import make_registration
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def store_orphan(session, *, name: str, age: dt.timedelta) -> str:
    storage = get_certificate_storage()
    stored = storage.save(f"certificates/{session.pk}/{name}.pdf", ContentFile(b"%PDF-1.7 orphan"))
    written = (timezone.now() - age).timestamp()
    os.utime(storage.path(stored), (written, written))
    return stored


@pytest.fixture
def last_week():
    starts_at = timezone.now().replace(microsecond=0) - dt.timedelta(days=7)
    return SessionFactory(starts_at=starts_at, ends_at=starts_at + dt.timedelta(minutes=90))


def test_daily_purge_deletes_day_old_pdfs_that_no_certificate_names(last_week):
    registration = make_registration(last_week, email="anna@health.example", full_name="Anna Petrova")
    set_manual_attendance(registration=registration, minutes=80, reason="test", actor=None)
    certificate = issue_certificate(registration=registration)
    storage = get_certificate_storage()
    os.utime(storage.path(certificate.pdf.name), (0, 0))  # the certificate's own PDF, however old
    old_orphan = store_orphan(last_week, name="killed-step", age=dt.timedelta(days=1, minutes=1))
    fresh_orphan = store_orphan(last_week, name="step-still-running", age=dt.timedelta(hours=23))

    report = purge_expired()

    assert (report.orphan_certificate_files, report.registrations) == (1, 0)
    assert not storage.exists(old_orphan)
    assert storage.exists(fresh_orphan)
    assert storage.exists(certificate.pdf.name)
    assert purge_expired().orphan_certificate_files == 0
