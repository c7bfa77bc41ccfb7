import pytest

from registrations.attendance.parsers import ReportError
from registrations.attendance.services import (
    attended_minutes,
    import_attendance_report,
    read_report,
    set_manual_attendance,
)
from registrations.attendance_models import Attendance, AttendanceImport
from registrations.models import AuditEntry
from tests.certificates.conftest import sample

pytestmark = pytest.mark.django_db

ZONE = "Europe/Copenhagen"
REPORTS = {
    "zoom": "zoom_attendee_report.csv",
    "teams": "teams_attendance_report.csv",
    "webex": "webex_attendees.csv",
}


def minutes_by_name(session):
    return {
        row.registration.full_name: (row.minutes, row.connections)
        for row in Attendance.objects.filter(registration__session=session).select_related("registration")
    }


@pytest.mark.parametrize("source", ["zoom", "teams", "webex"])
def test_import_merges_overlapping_rejoins_and_matches_emails_loosely(source, session_2024, registrations_2024):
    import_attendance_report(
        session=session_2024, source=source, content=sample(REPORTS[source]), zone=ZONE, actor=None
    )

    # Анна: 12:58:10-13:40 and 13:35-14:10; the waiting room before 13:00 and the overlap do not count.
    assert minutes_by_name(session_2024) == {
        "Анна Петрова": (70, 2),
        "Aigerim Sadykova": (45, 1),
        "John Smith": (44, 1),
    }


@pytest.mark.parametrize("source", ["zoom", "teams", "webex"])
def test_preview_lists_unmatched_rows_with_reasons_and_rejoins(source, session_2024, registrations_2024):
    preview = read_report(session=session_2024, source=source, content=sample(REPORTS[source]), zone=ZONE)

    unmatched = {(row.email, row.reason) for row in preview.unmatched}
    expected = {
        ("unknown.person@nowhere.example", "No registration for this session with this email address."),
        ("ivan.ivanov@health.example", "Connected outside the session's time."),
    }
    if source != "zoom":  # Zoom lists the host in its own section; the others among participants
        expected.add(("webinars@agency.example", "No registration for this session with this email address."))
    assert unmatched == expected
    assert [(item.name, item.connections, item.has_overlap) for item in preview.rejoined] == [
        ("Анна Петрова", 2, True)
    ]
    assert (preview.required_minutes, preview.eligible_count) == (45, 2)
    assert Attendance.objects.count() == 0  # a preview saves nothing


def test_import_plain_csv_takes_minutes_as_given(session_2024, registrations_2024):
    import_attendance_report(
        session=session_2024, source="csv", content=sample("plain_minutes.csv"), zone=ZONE, actor=None
    )

    assert minutes_by_name(session_2024) == {
        "Анна Петрова": (70, 1),
        "Aigerim Sadykova": (45, 1),
        "John Smith": (44, 1),
    }


def test_import_caps_minutes_at_the_session_length(session_2024, registrations_2024):
    content = b"email,minutes\njohn.smith@nhs.example,500\n"

    import_attendance_report(session=session_2024, source="csv", content=content, zone=ZONE, actor=None)

    assert attended_minutes(registrations_2024["john"]) == 90


def test_import_reads_times_in_the_zone_the_organiser_states(session_2024, registrations_2024):
    # The same Zoom file read as UTC times: Анна's 12:58:10-14:10 UTC is 14:58:10-16:10 in Copenhagen,
    # which overlaps the session (13:00-14:30, counted until 15:00) by 1 minute 50 seconds.
    import_attendance_report(
        session=session_2024, source="zoom", content=sample("zoom_attendee_report.csv"), zone="UTC", actor=None
    )

    assert attended_minutes(registrations_2024["anna"]) == 1


def test_reimport_replaces_that_sources_rows(session_2024, registrations_2024):
    import_attendance_report(
        session=session_2024, source="zoom", content=sample("zoom_attendee_report.csv"), zone=ZONE, actor=None
    )
    smaller = "\n".join(sample("zoom_attendee_report.csv").decode("utf-8-sig").splitlines()[:13]).encode()

    import_attendance_report(session=session_2024, source="zoom", content=smaller, zone=ZONE, actor=None)

    assert minutes_by_name(session_2024) == {"Анна Петрова": (40, 1)}  # 13:00-13:40 (first connection only)
    assert AttendanceImport.objects.filter(session=session_2024).count() == 2
    assert list(
        AuditEntry.objects.filter(action="attendance_imported").values_list("details__matched", flat=True)
    ) == [1, 3]


def test_import_from_another_source_keeps_the_first(session_2024, registrations_2024):
    import_attendance_report(
        session=session_2024, source="zoom", content=sample("zoom_attendee_report.csv"), zone=ZONE, actor=None
    )

    import_attendance_report(
        session=session_2024, source="csv", content=b"email,minutes\njohn.smith@nhs.example,80\n", zone=ZONE, actor=None
    )

    assert Attendance.objects.filter(registration__session=session_2024).count() == 4
    assert attended_minutes(registrations_2024["john"]) == 80  # the larger of the two reports


@pytest.mark.parametrize(
    ("file_name", "source", "message"),
    [
        (
            "zoom_other_date.csv",
            "zoom",
            "This report is for 17 July 2024, but the session took place on 18 July 2024 (in the report's time "
            "zone). Nothing was imported.",
        ),
        (
            "zoom_no_attendees.csv",
            "zoom",
            "The report has no row with both an email address and a time. Nothing was imported.",
        ),
        ("zoom_malformed.csv", "zoom", "The file is not a valid CSV file (',' expected after '\"')."),
        (
            "teams_attendance_report.csv",
            "zoom",
            "The file has no “Attendee Details” section; is it a Zoom webinar attendee report?",
        ),
        (
            "zoom_attendee_report.csv",
            "teams",
            "The file has no “Summary” and “Participants” sections; is it a Microsoft Teams attendance report?",
        ),
        ("zoom_attendee_report.csv", "csv", "The report has no column “email”, “minutes”; is this the right format?"),
    ],
)
def test_bad_report_is_refused_and_changes_nothing(file_name, source, message, session_2024, registrations_2024):
    import_attendance_report(
        session=session_2024, source="csv", content=b"email,minutes\njohn.smith@nhs.example,80\n", zone=ZONE, actor=None
    )
    before = list(Attendance.objects.values_list("registration_id", "source", "minutes"))

    with pytest.raises(ReportError) as excinfo:
        import_attendance_report(session=session_2024, source=source, content=sample(file_name), zone=ZONE, actor=None)

    assert excinfo.value.message == message
    assert list(Attendance.objects.values_list("registration_id", "source", "minutes")) == before
    assert AttendanceImport.objects.count() == 1


def test_bad_report_message_is_in_the_organisers_language(session_2024, registrations_2024):
    from django.utils import translation  # noqa: PLC0415

    with translation.override("ru"), pytest.raises(ReportError) as excinfo:
        read_report(session=session_2024, source="zoom", content=sample("zoom_other_date.csv"), zone=ZONE)

    # The dates are babel's Russian ones (the sentence itself comes from the catalogue).
    assert "17 июля 2024\u202fг." in excinfo.value.message
    assert "18 июля 2024\u202fг." in excinfo.value.message


def test_report_where_nobody_is_registered_is_refused(session_2024, registrations_2024):
    content = b"email,minutes\nnobody@nowhere.example,60\n"

    with pytest.raises(ReportError) as excinfo:
        import_attendance_report(session=session_2024, source="csv", content=content, zone=ZONE, actor=None)

    assert excinfo.value.message == (
        "None of the rows matches a confirmed registration of this session. Nothing was imported."
    )
    assert Attendance.objects.count() == 0


def test_binary_file_is_refused(session_2024, registrations_2024):
    with pytest.raises(ReportError) as excinfo:
        read_report(session=session_2024, source="zoom", content=b"\x89PNG\r\n\x1a\n\xff\xfe\x00", zone=ZONE)

    assert excinfo.value.message == "The file is not text in UTF-8 or UTF-16 (byte 1 cannot be read)."


def test_manual_attendance_overrides_reports_and_is_audited(session_2024, registrations_2024, organiser):
    import_attendance_report(
        session=session_2024, source="zoom", content=sample("zoom_attendee_report.csv"), zone=ZONE, actor=None
    )
    john = registrations_2024["john"]

    set_manual_attendance(
        registration=john, minutes=60, reason="Joined by phone; confirmed by the moderator", actor=organiser
    )

    assert attended_minutes(john) == 60
    entry = AuditEntry.objects.get(action="attendance_set")
    assert (entry.registration_id, entry.actor_id, entry.details) == (
        john.pk,
        organiser.pk,
        {"minutes": 60, "previous_minutes": 44},
    )


def test_manual_attendance_needs_a_reason(session_2024, registrations_2024):
    with pytest.raises(ValueError, match="reason"):
        set_manual_attendance(registration=registrations_2024["john"], minutes=60, reason="  ", actor=None)

    assert Attendance.objects.count() == 0
