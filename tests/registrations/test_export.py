import csv
import datetime as dt
import io

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.utils.cache import get_max_age

from registrations.exports import build_filename, neutralise_cell
from registrations.models import AuditEntry
from registrations.services import cancel_registration, register_attendee
from tests.factories import OrganiserFactory, RegistrationFactory, SessionFactory, UserFactory, attendee_details

pytestmark = pytest.mark.django_db

REGISTERED_AT = dt.datetime(2026, 11, 2, 9, 30, 15, tzinfo=dt.UTC)
EXPORTED_AT = dt.datetime(2026, 11, 28, 23, 30, tzinfo=dt.UTC)
HEADER_EN = [
    "Public ID",
    "Status",
    "Full name",
    "Email address",
    "Organisation",
    "Profession",
    "Country",
    "Language for emails",
    "Registered at",
    "Waitlisted at",
    "Confirmed at",
    "Privacy notice version",
    "Wants to hear about future sessions",
]


def export_url(session, lang="en"):
    return f"/{lang}/admin/registrations/registration/export/{session.pk}/"


def register(session, email, **details):
    user = UserFactory(email=email)
    return register_attendee(session=session, user=user, details=attendee_details(**details)).registration


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(1)", "'@SUM(1)"),
        ("|x", "'|x"),
        ("%x", "'%x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\x00x", "'\x00x"),
        ("Aigerim Sadykova", "Aigerim Sadykova"),
        ("Айгерим Садыкова", "Айгерим Садыкова"),
        ("O'Brien = Smith-Jones", "O'Brien = Smith-Jones"),
        ("", ""),
    ],
)
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected


def test_filename_names_the_session_and_the_day_only():
    session = SessionFactory(slug="cybersecurity-in-health-care")

    assert build_filename(session, dt.date(2026, 11, 28)) == "registrations-cybersecurity-in-health-care-20261128.csv"


def test_export_has_the_exact_header_and_rows(client):
    session = SessionFactory(capacity=1, slug="cybersecurity-in-health-care")
    with time_machine.travel(REGISTERED_AT, tick=False):
        confirmed = register(
            session,
            "aigerim@hospital.example",
            full_name="Aigerim Sadykova",
            language="en",
            announcements_consent=True,
        )
    with time_machine.travel(REGISTERED_AT + dt.timedelta(minutes=5), tick=False):
        waitlisted = register(
            session,
            "ivan@ministry.example",
            full_name="Ivan Petrov",
            organisation="Ministry of Health",
            profession="policy",
            country="UZ",
        )
    client.force_login(OrganiserFactory())

    with time_machine.travel(EXPORTED_AT, tick=False):
        response = client.get(export_url(session))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="registrations-cybersecurity-in-health-care-20261128.csv"'
    )
    assert read_csv(response) == [
        HEADER_EN,
        [
            confirmed.public_id if confirmed.public_id[0] != "-" else f"'{confirmed.public_id}",
            "Confirmed",
            "Aigerim Sadykova",
            "aigerim@hospital.example",
            "City Hospital No. 7",
            "Physician",
            "Kazakhstan",
            "English",
            "2026-11-02T09:30:15+00:00",
            "",
            "2026-11-02T09:30:15+00:00",
            "2026-11",
            "yes",
        ],
        [
            waitlisted.public_id if waitlisted.public_id[0] != "-" else f"'{waitlisted.public_id}",
            "Waitlisted",
            "Ivan Petrov",
            "ivan@ministry.example",
            "Ministry of Health",
            "Policy maker or government official",
            "Uzbekistan",
            "Russian",
            "2026-11-02T09:35:15+00:00",
            "2026-11-02T09:35:15+00:00",
            "",
            "2026-11",
            "no",
        ],
    ]


def test_export_uses_crlf_line_ends_and_a_byte_order_mark(client):
    session = SessionFactory()
    register(session, "a@hospital.example", full_name="Айгерим Садыкова")
    client.force_login(OrganiserFactory())

    response = client.get(export_url(session))

    assert response.content.startswith(b"\xef\xbb\xbfPublic ID,Status,")
    assert response.content.count(b"\r\n") == 2
    assert read_csv(response)[1][2] == "Айгерим Садыкова"


def test_export_neutralises_formulas_in_every_answer(client):
    session = SessionFactory()
    # NUL cannot reach the database (forms refuse it, PostgreSQL cannot store it): it is covered
    # by test_neutralise_cell above.
    names = ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(1)", "|x", "%x", "\tx", "\rx", "Айгерим Садыкова"]
    for number, name in enumerate(names):
        register(session, f"p{number}@hospital.example", full_name=name, organisation=name)
    client.force_login(OrganiserFactory())

    rows = read_csv(client.get(export_url(session)))[1:]

    expected = [
        "'=cmd|' /C calc'!A0",
        "'+1",
        "'-2",
        "'@SUM(1)",
        "'|x",
        "'%x",
        "'\tx",
        "'\rx",
        "Айгерим Садыкова",
    ]
    assert [(row[2], row[4]) for row in rows] == [(value, value) for value in expected]


def test_export_in_russian_labels_the_answers_in_russian(client):
    session = SessionFactory()
    register(session, "a@hospital.example", profession="physician", country="KZ")
    client.force_login(OrganiserFactory())

    row = read_csv(client.get(export_url(session, lang="ru")))[1]

    assert (row[1], row[5], row[6]) == ("Подтверждена", "Врач", "Казахстан")


def test_export_is_never_cached(client):
    session = SessionFactory()
    client.force_login(OrganiserFactory())

    response = client.get(export_url(session))

    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert directives == {"no-store", "max-age=0", "no-cache", "must-revalidate", "private"}
    assert get_max_age(response) == 0


def test_export_records_who_exported_which_session_and_how_many_rows(client):
    session = SessionFactory()
    first = register(session, "a@hospital.example")
    register(session, "b@hospital.example")
    cancel_registration(registration=first, actor=first.user)
    organiser = OrganiserFactory()
    client.force_login(organiser)

    with time_machine.travel(EXPORTED_AT, tick=False):
        client.get(export_url(session))

    entry = AuditEntry.objects.get(action="exported")
    assert (entry.actor, entry.session, entry.registration, entry.details, entry.created_at) == (
        organiser,
        session,
        None,
        {"rows": 2},
        EXPORTED_AT,
    )


def test_export_needs_the_export_permission(client):
    session = SessionFactory()
    register(session, "a@hospital.example")
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="registrations", codename__in=["view_registration", "change_registration"]
        )
    )
    client.force_login(viewer)

    response = client.get(export_url(session))
    changelist = client.get("/en/admin/registrations/registration/", {"session__id__exact": session.pk})

    assert response.status_code == 403
    assert b"Aigerim" not in response.content
    assert AuditEntry.objects.filter(action="exported").count() == 0
    assert changelist.status_code == 200
    assert changelist.context["export_url"] is None
    assert b"/export/" not in changelist.content


def test_export_of_an_unknown_session_is_404(client):
    client.force_login(OrganiserFactory())

    response = client.get("/en/admin/registrations/registration/export/999999/")

    assert response.status_code == 404
    assert AuditEntry.objects.count() == 0


def test_export_needs_a_staff_login(client):
    session = SessionFactory()

    response = client.get(export_url(session))

    assert response.status_code == 302
    assert response.url.startswith("/en/admin/login/")


@pytest.mark.parametrize("item_count", [1, 3])
def test_export_query_count_does_not_grow_with_rows(client, settings, django_assert_num_queries, item_count):
    # allauth's user-session tracking writes on some requests and not others; it is not ours to count.
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if "usersessions" not in name]
    session = SessionFactory()
    RegistrationFactory.create_batch(item_count, session=session)
    client.force_login(OrganiserFactory())

    # user + permissions (user's, group's) + the session + the rows with their users + the audit
    # entry + the access-log entry; the browser session comes from the cache (cached_db)
    with django_assert_num_queries(7):
        response = client.get(export_url(session))

    assert len(read_csv(response)) == item_count + 1
