"""The public privacy page: every statement on it is produced from the code that enforces it, and
each one (a `data-claim` on the page) names the tests below and elsewhere that prove it."""

import html as html_module
import importlib
import re

import pytest

from registrations.privacy_models import SeriesRetention
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

CLAIM_TESTS = {
    "notice-version": ["test_consent::test_current_notice_is_the_latest_published_version",
                       "test_privacy_page::test_page_names_the_version_in_force"],
    "notice-body": ["test_privacy_page::test_page_names_the_version_in_force"],
    "fields": ["test_minimisation::test_registration_form_asks_nothing_beyond_the_brief",
               "test_privacy_page::test_page_lists_exactly_what_the_form_asks"],
    "consent-record": ["test_export::test_export_contains_every_kind_of_data_held",
                       "test_minimisation::test_registration_form_asks_nothing_beyond_the_brief"],
    "announcements": ["test_consent::test_withdrawal_from_the_account_page_in_one_click",
                      "test_consent::test_withdrawal_from_the_email_link_is_recorded_once",
                      "test_consent::test_withdrawn_person_gets_no_more_organiser_messages"],
    "ip": ["test_minimisation::test_no_model_of_ours_has_an_ip_address_column",
           "test_minimisation::test_user_sessions_store_a_daily_pseudonym_not_the_address",
           "test_minimisation::test_pseudonym_changes_every_day_and_keeps_clients_apart"],
    "retention": ["test_retention::test_details_are_kept_until_the_boundary",
                  "test_retention::test_details_are_anonymised_at_and_after_the_boundary",
                  "test_retention::test_certificates_verify_until_their_boundary_then_are_deleted",
                  "test_retention::test_series_periods_are_read_from_its_settings",
                  "test_privacy_page::test_page_states_each_series_periods_with_plurals"],
    "statistics": ["test_retention::test_purge_leaves_statistics_unchanged_and_is_idempotent",
                   "test_erasure::test_erase_person_keeps_past_statistics"],
    "access-log": ["test_access_log::test_registrant_list_is_logged_with_session_and_rows_not_the_search",
                   "test_access_log::test_registrant_detail_is_logged",
                   "test_access_log::test_export_is_logged_with_its_row_count",
                   "test_access_log::test_attendance_import_and_list_are_logged",
                   "test_retention::test_access_log_is_kept_for_the_configured_days",
                   "test_privacy_page::test_page_states_the_access_log_period"],
    "export": ["test_export::test_export_contains_every_kind_of_data_held",
               "test_export::test_export_download_is_private_json"],
    "erasure": ["test_erasure::test_account_page_deletes_the_account_after_confirmation",
                "test_erasure::test_erase_person_frees_the_place_and_promotes_the_waitlist",
                "test_erasure::test_erase_person_leaves_name_and_email_in_no_table_and_no_file",
                "test_erasure::test_erase_person_keeping_certificates_keeps_only_the_verification_form"],
    "contact": ["test_privacy_page::test_page_gives_each_series_reply_to_address",
                "test_erasure::test_organiser_erases_a_person_who_writes_in_and_it_is_logged",
                "test_export::test_organiser_exports_a_persons_data_and_it_is_logged"],
    "cookies": ["test_cookies::test_public_pages_set_only_necessary_cookies",
                "test_cookies::test_signed_in_pages_set_only_necessary_cookies",
                "test_cookies::test_no_page_shows_a_cookie_banner"],
}


def _page(client, language="en") -> str:
    response = client.get(f"/{language}/privacy/")
    assert response.status_code == 200
    return response.content.decode()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_statement_on_the_page_names_existing_tests(client, notice, language):
    SessionFactory()

    claims = set(re.findall(r'data-claim="([^"]+)"', _page(client, language)))

    assert claims == set(CLAIM_TESTS)
    for references in CLAIM_TESTS.values():
        for reference in references:
            module, function = reference.split("::")
            assert hasattr(importlib.import_module(f"tests.privacy.{module}"), function), reference


@pytest.mark.parametrize(
    ("language", "heading", "version"),
    [("en", "<h1>Privacy</h1>", "Privacy notice, version 2026-11, in force since"),
     ("ru", "<h1>Конфиденциальность</h1>", "Уведомление о конфиденциальности, версия 2026-11, действует с")],
)
def test_page_names_the_version_in_force(client, notice, language, heading, version):
    html = _page(client, language)

    assert heading in html
    assert version in _text(html)
    body = notice.body_en if language == "en" else notice.body_ru
    assert body.split("\n\n")[0] in html_module.unescape(_text(html))


@pytest.mark.parametrize(
    ("language", "labels"),
    [("en", ["Email address", "Full name", "Organisation", "Profession", "Country", "Language for emails"]),
     ("ru", ["Адрес электронной почты", "Имя и фамилия", "Организация", "Профессия", "Страна", "Язык писем"])],
)
def test_page_lists_exactly_what_the_form_asks(client, notice, language, labels):
    html = _page(client, language)

    listed = re.search(r'<ul data-claim="fields">(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", listed) == labels


@pytest.mark.parametrize(
    ("language", "months", "years", "expected"),
    [
        ("en", 12, 10, "your name, email address and answers are removed 12 months after the session."),
        ("en", 1, 1, "your name, email address and answers are removed 1 month after the session."),
        ("ru", 12, 10, "ваше имя, адрес электронной почты и ответы удаляются через 12 месяцев после сессии."),
        ("ru", 3, 2, "ваше имя, адрес электронной почты и ответы удаляются через 3 месяца после сессии."),
        ("ru", 1, 1, "ваше имя, адрес электронной почты и ответы удаляются через 1 месяц после сессии."),
    ],
)
def test_page_states_each_series_periods_with_plurals(  # noqa: PLR0917 (one parameter per plural case)
    client, notice, language, months, years, expected
):
    session = SessionFactory()
    if (months, years) != (12, 10):
        SeriesRetention.objects.create(series=session.series, details_months=months, certificate_years=years)

    text = _text(_page(client, language))

    assert expected in text
    year_words = {("en", 10): "10 years", ("en", 1): "1 year", ("ru", 10): "10 лет", ("ru", 2): "2 года",
                  ("ru", 1): "1 год"}
    assert year_words[(language, years)] in text


@pytest.mark.parametrize("language", ["en", "ru"])
def test_page_gives_each_series_reply_to_address(client, notice, language):
    session = SessionFactory()

    html = _page(client, language)

    assert f'<a href="mailto:{session.series.reply_to_email}">{session.series.reply_to_email}</a>' in html


@pytest.mark.parametrize(("language", "expected"), [("en", "kept for 30 days."), ("ru", "хранятся 30 дней.")])
def test_page_states_the_access_log_period(client, notice, settings, language, expected):
    settings.ACCESS_LOG_RETENTION_DAYS = 30

    assert expected in _text(_page(client, language))
