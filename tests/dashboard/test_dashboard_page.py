"""The dashboard page and its CSV, as organisers get them through the admin."""

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.contrib.auth.models import Permission

from registrations.privacy_models import AccessLogEntry
from tests.dashboard.conftest import NOW, attend, certify, make_registration, sign_in_with_mfa
from tests.factories import OrganiserFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/{language}/admin/registrations/reportspermission/"
CSV_URL = "/en/admin/registrations/reportspermission/csv/"
SVG_NS = "{http://www.w3.org/2000/svg}"


def _fill(session, count=6):
    for index in range(count):
        registration = make_registration(
            session,
            at=session.starts_at - dt.timedelta(days=index + 1),
            language="en" if index % 3 else "ru",
            country="UZ",
            profession="data",
        )
        attend(registration, 60)
        if index < 5:
            certify(registration)


@pytest.fixture
def filled(past_session):
    _fill(past_session)
    return past_session


@pytest.fixture
def dashboard_day():
    """The day the default selection (the last year) is read on: the filled session, of 20 May 2026,
    falls out of it on the real clock from 21 May 2027."""
    with time_machine.travel(NOW, tick=False):
        yield


def test_organiser_sees_the_dashboard(client, organiser, filled, dashboard_day):
    sign_in_with_mfa(client, organiser)

    response = client.get(URL.format(language="en"))

    assert response.status_code == 200
    assert response.context["dashboard"].rows[0].registered == 6
    assert response.context["title"] == "Dashboard"


def test_staff_without_the_permission_gets_403(client, filled):
    staff = UserFactory(is_staff=True)
    sign_in_with_mfa(client, staff)

    assert client.get(URL.format(language="en")).status_code == 403
    assert client.get(CSV_URL).status_code == 403
    assert not AccessLogEntry.objects.exists()


def test_staff_with_only_the_permission_gets_200(client, filled):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_reports"))
    sign_in_with_mfa(client, staff)

    assert client.get(URL.format(language="en")).status_code == 200


def test_anonymous_visitor_is_sent_to_sign_in(client, filled):
    response = client.get(URL.format(language="en"))

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_admin_index_links_to_the_dashboard(client, organiser):
    sign_in_with_mfa(client, organiser)

    response = client.get("/en/admin/")

    assert 'href="/en/admin/registrations/reportspermission/"' in response.content.decode()


def test_every_chart_is_an_svg_with_title_and_desc(client, organiser, filled, dashboard_day):
    sign_in_with_mfa(client, organiser)

    html = client.get(URL.format(language="en")).content.decode()

    svgs = re.findall(r"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart .*?</svg>", html, flags=re.DOTALL)
    assert len(svgs) == 5  # funnel, language, country, profession, one registration curve (no waitlist)
    for markup in svgs:
        root = ET.fromstring(markup)  # noqa: S314 (our own markup)
        title, desc = root.find(f"{SVG_NS}title"), root.find(f"{SVG_NS}desc")
        assert root.get("role") == "img"
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        assert title.text
        assert desc.text
    assert 'style="' not in html  # the CSP allows no inline styles
    assert html.count('<details class="dashboard-data">') == 5


def test_english_rendering(client, organiser, filled):
    sign_in_with_mfa(client, organiser)

    html = client.get(URL.format(language="en") + "?date_from=2026-01-01").content.decode()

    assert "20 May 2026 · Interoperability of health data: where to start" in html
    assert "Uzbekistan" in html
    assert '<td class="numeric">83%</td>' in html  # certificates of attended: 5 of 6
    assert "No session in the selection had a waitlist." in html


def test_russian_rendering(client, organiser, filled):
    sign_in_with_mfa(client, organiser)

    response = client.get(URL.format(language="ru") + "?date_from=2026-01-01")
    html = response.content.decode()

    assert response.status_code == 200
    assert '<html lang="ru"' in html
    assert "20 мая 2026\u202fг. · Совместимость медицинских данных: с чего начать" in html
    assert "Узбекистан" in html
    assert '<td class="numeric">83\xa0%</td>' in html  # babel's Russian percent, with a no-break space


def test_viewing_and_downloading_are_in_the_access_log(client, organiser, filled):
    sign_in_with_mfa(client, organiser)

    client.get(URL.format(language="en") + "?date_from=2026-01-01&date_to=2026-12-31")
    client.get(CSV_URL + "?date_from=2026-01-01")

    entries = list(AccessLogEntry.objects.order_by("pk").values_list("actor", "kind", "rows", "session"))
    assert entries == [(organiser.pk, "dashboard", 6, None), (organiser.pk, "dashboard", 6, None)]


def test_invalid_dates_show_an_error_and_the_default_selection(client, organiser, filled):
    sign_in_with_mfa(client, organiser)

    response = client.get(URL.format(language="en") + "?date_from=2026-06-01&date_to=2026-01-01")

    assert response.status_code == 200
    assert response.context["form"].errors == {"__all__": ["The end date must not be before the start date."]}
    assert response.context["dashboard"].filters.date_to is None


def test_table_sorts_on_the_server(client, organiser, filled, dashboard_day):
    one_day = dt.timedelta(days=1)
    other = SessionFactory(starts_at=filled.starts_at + one_day, ends_at=filled.ends_at + one_day)
    _fill(other, count=9)
    sign_in_with_mfa(client, organiser)

    by_date = client.get(URL.format(language="en")).context["dashboard"].rows
    by_registered = client.get(URL.format(language="en") + "?o=registered").context["dashboard"].rows
    html = client.get(URL.format(language="en") + "?o=-registered").content.decode()

    assert [row.session for row in by_date] == [other, filled]  # default: newest first
    assert [row.session for row in by_registered] == [filled, other]
    assert 'aria-sort="descending"' in html
    assert 'href="?o=registered"' in html


def test_csv_has_the_aggregated_table_only(client, organiser, filled, dashboard_day):
    filled.title_en = '=HYPERLINK("http://evil.example")'
    filled.save(update_fields=["title_en"])
    sign_in_with_mfa(client, organiser)

    response = client.get(CSV_URL)
    text = response.content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    assert rows == [
        [
            "Date",
            "Session",
            "Capacity",
            "Registered",
            "Confirmed",
            "Attended",
            "Attended of confirmed",
            "Certificates",
            "English",
            "Russian",
            "Russian share",
            "Waiting at the start",
            "Promoted from the waitlist",
        ],
        [
            "2026-05-20",
            '\'=HYPERLINK("http://evil.example")',
            "10",
            "6",
            "6",
            "6",
            "1.000",
            "5",
            "4",
            "2",
            "0.333",
            "0",
            "0",
        ],
    ]
    assert "@" not in text  # no email address, no name: nothing about a person


@pytest.mark.parametrize("session_count", [1, 3])
def test_query_count_does_not_grow_with_sessions(client, django_assert_num_queries, session_count):
    organiser = OrganiserFactory()
    for index in range(session_count):
        session = SessionFactory(
            starts_at=dt.datetime(2026, 5, 1 + index, 11, tzinfo=dt.UTC),
            ends_at=dt.datetime(2026, 5, 1 + index, 12, tzinfo=dt.UTC),
        )
        _fill(session)
    sign_in_with_mfa(client, organiser)
    client.get("/en/admin/")  # the first admin request of a session stores the staff-session stamps

    # 3 of the auth and permission middleware (the browser session comes from the cache,
    # cached_db; the staff MFA gate is tested in tests/security and off here; that allauth's
    # user-session record is fresh, the session says: registrations/usersessions.py); ours: the
    # sessions, their figures (status and language tallies), the breakdowns (country and
    # profession tallies), the waitlists, the daily counts (day tallies), the access-log entry and
    # the filter's series list.
    with django_assert_num_queries(10):
        response = client.get(URL.format(language="en") + "?date_from=2026-01-01")

    assert response.status_code == 200
