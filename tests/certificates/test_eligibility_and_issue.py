import pytest
from django.core import mail

from registrations.attendance.services import eligible_registration_ids, required_minutes, set_manual_attendance
from registrations.attendance_models import SessionCertificateSettings
from registrations.certificate_models import Certificate
from registrations.certificate_services import (
    ISSUE_STEP,
    certificate_progress,
    issue_certificate,
    issue_certificates,
    reissue_certificate,
    request_certificates,
    revoke_certificate,
)
from registrations.models import AuditEntry, Profile
from tests.certificates.conftest import make_registration

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit tasks and emails run for real


@pytest.fixture
def john(session_2024):
    return make_registration(session_2024, email="john.smith@nhs.example", full_name="John Smith")


@pytest.mark.parametrize(("minutes", "is_eligible"), [(45, True), (44, False), (90, True), (0, False)])
def test_default_rule_is_half_the_session(minutes, is_eligible, session_2024, john):
    set_manual_attendance(registration=john, minutes=minutes, reason="test", actor=None)

    assert required_minutes(session_2024) == 45
    assert (eligible_registration_ids(session_2024) == [john.pk]) is is_eligible


@pytest.mark.parametrize(("minutes", "is_eligible"), [(60, True), (59, False)])
def test_minimum_minutes_rule(minutes, is_eligible, session_2024, john):
    SessionCertificateSettings.objects.create(session=session_2024, minimum_minutes=60)
    set_manual_attendance(registration=john, minutes=minutes, reason="test", actor=None)

    assert (eligible_registration_ids(session_2024) == [john.pk]) is is_eligible


def test_percentage_rule_rounds_up(session_2024):
    SessionCertificateSettings.objects.create(session=session_2024, minimum_percent=75)

    assert required_minutes(session_2024) == 68  # 67.5 minutes of 90


def test_cancelled_registration_is_never_eligible(session_2024):
    cancelled = make_registration(session_2024, email="c@health.example", full_name="C", status="cancelled")
    set_manual_attendance(registration=cancelled, minutes=90, reason="test", actor=None)

    assert eligible_registration_ids(session_2024) == []
    assert issue_certificate(registration=cancelled) is None


def test_issue_twice_gives_one_certificate_and_one_email(session_2024, john):
    set_manual_attendance(registration=john, minutes=80, reason="test", actor=None)

    first = issue_certificate(registration=john)
    second = issue_certificate(registration=john)

    assert first.pk == second.pk
    assert Certificate.objects.filter(registration=john).count() == 1
    assert [m.subject for m in mail.outbox] == ["Your certificate of attendance: Cybersecurity in health care"]
    assert mail.outbox[0].attachments == []
    assert AuditEntry.objects.filter(action="certificate_issued").count() == 1


def test_request_certificates_issues_everyone_eligible_once_in_background_tasks(session_2024, organiser):
    people = [
        make_registration(session_2024, email=f"p{n}@health.example", full_name=f"Person {n}", language=lang)
        for n, lang in enumerate(["en", "ru", "en", "ru", "en"])
    ]
    for person, minutes in zip(people, [90, 45, 44, 60, 10], strict=True):
        set_manual_attendance(registration=person, minutes=minutes, reason="test", actor=None)

    first = request_certificates(session=session_2024, actor=organiser, batch_size=2)
    second = request_certificates(session=session_2024, actor=organiser, batch_size=2)

    assert (first, second) == (3, 0)
    assert certificate_progress(session_2024) == (3, 3)
    assert sorted(Certificate.objects.values_list("registration_id", flat=True)) == [
        people[0].pk,
        people[1].pk,
        people[3].pk,
    ]
    assert [entry.details for entry in AuditEntry.objects.filter(action="certificates_requested").order_by("pk")] == [
        {"eligible": 3, "queued": 3},
        {"eligible": 3, "queued": 0},
    ]


def test_issue_certificates_in_steps_counts_new_and_existing_once_each(session_2024):
    people = [
        make_registration(
            session_2024, email=f"s{n}@health.example", full_name=f"Step {n}", language=("en", "ru")[n % 2]
        )
        for n in range(ISSUE_STEP + 3)
    ]
    for person in people:
        set_manual_attendance(registration=person, minutes=10 if person is people[2] else 80, reason="test", actor=None)
    already = issue_certificate(registration=people[6])
    mail.outbox.clear()
    missing_id = max(person.pk for person in people) + 1000

    valid = issue_certificates(registration_ids=[person.pk for person in reversed(people)] + [people[0].pk, missing_id])

    assert valid == ISSUE_STEP + 2  # all but the one who attended 10 minutes; the existing one counts
    assert sorted(Certificate.objects.valid().values_list("registration_id", flat=True)) == sorted(
        person.pk for person in people if person is not people[2]
    )
    assert Certificate.objects.get(registration=people[6]).pk == already.pk
    assert AuditEntry.objects.filter(action="certificate_issued").count() == ISSUE_STEP + 2
    assert sorted(Certificate.objects.values_list("printed_name", flat=True)) == sorted(
        f"Step {n}" for n in range(ISSUE_STEP + 3) if n != 2
    )
    assert len(mail.outbox) == ISSUE_STEP + 1  # the new ones only


@pytest.mark.parametrize("count", [1, ISSUE_STEP])
def test_a_step_costs_the_same_queries_for_one_certificate_as_for_a_full_step(
    count, session_2024, settings, django_assert_num_queries
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}  # queue emails, don't send
    people = [make_registration(session_2024, email=f"q{n}@health.example", full_name=f"Q {n}") for n in range(count)]
    for person in people:
        set_manual_attendance(registration=person, minutes=80, reason="test", actor=None)

    # Begin, the step's lock, certificates, names, attendance, rule, insert, report flags (six),
    # audit entries, outbox rows, commit and the dispatch check: none of them once per certificate.
    with django_assert_num_queries(17):
        valid = issue_certificates(registration_ids=[person.pk for person in people])

    assert valid == count


def test_certificate_snapshot_uses_the_profile_name_and_the_registrants_language(session_2024):
    anna = make_registration(
        session_2024,
        email="anna@health.example",
        full_name="Анна Петрова",
        language="ru",
        profile_name="Анна Сергеевна Петрова",
    )
    set_manual_attendance(registration=anna, minutes=70, reason="test", actor=None)

    certificate = issue_certificate(registration=anna)

    assert (
        certificate.printed_name,
        certificate.printed_title,
        certificate.language,
        str(certificate.session_date),
        certificate.minutes,
    ) == ("Анна Сергеевна Петрова", "Кибербезопасность в здравоохранении", "ru", "2024-07-18", 70)
    assert len(certificate.code) == 28
    assert mail.outbox[0].to == [f"Анна Петрова <{anna.user.email}>"]
    assert "Анна" not in mail.outbox[0].subject


def test_revoke_keeps_the_certificate_and_audits(session_2024, john, organiser):
    set_manual_attendance(registration=john, minutes=80, reason="test", actor=None)
    certificate = issue_certificate(registration=john)

    revoke_certificate(certificate=certificate, reason="Attendance report was wrong", actor=organiser)

    certificate.refresh_from_db()
    assert (certificate.status, certificate.reason) == ("revoked", "Attendance report was wrong")
    assert AuditEntry.objects.filter(action="certificate_revoked", actor=organiser).count() == 1
    # A revoked certificate is not replaced by issuing again automatically: the organiser decided.
    assert issue_certificate(registration=john).pk != certificate.pk


def test_reissue_after_a_name_correction_replaces_the_old_code(session_2024, john, organiser):
    set_manual_attendance(registration=john, minutes=80, reason="test", actor=None)
    old = issue_certificate(registration=john)
    Profile.objects.update_or_create(user=john.user, defaults={"full_name": "Dr John A. Smith"})

    new = reissue_certificate(certificate=old, reason="Name corrected", actor=organiser)

    old.refresh_from_db()
    assert (old.status, old.replaced_by_id, new.status, new.printed_name) == (
        "replaced",
        new.pk,
        "valid",
        "Dr John A. Smith",
    )
    assert new.code != old.code
    assert Certificate.objects.valid().filter(registration=john).count() == 1


def test_database_refuses_a_second_valid_certificate(session_2024, john):
    from django.db import IntegrityError, transaction  # noqa: PLC0415

    set_manual_attendance(registration=john, minutes=80, reason="test", actor=None)
    certificate = issue_certificate(registration=john)

    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            registration=john,
            language="en",
            printed_name="x",
            printed_title="y",
            session_date=certificate.session_date,
            minutes=1,
        )
