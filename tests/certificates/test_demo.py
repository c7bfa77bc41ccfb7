import pytest

from registrations.certificate_demo import load_certificate_demo

pytestmark = pytest.mark.django_db


def test_demo_issues_one_russian_certificate_and_can_run_again(session_2024):
    first = load_certificate_demo(session=session_2024)
    second = load_certificate_demo(session=session_2024)

    assert first.pk == second.pk
    assert (first.language, first.printed_name, first.minutes) == ("ru", "Анна Петрова", 90)
