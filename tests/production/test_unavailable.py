import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import translation

from events import views

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing_home(monkeypatch):
    """The home page's data loading loses its database connection (as when PostgreSQL restarts)."""

    def lost_connection(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(views, "get_page_cache_context", lost_connection)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_lost_database_gives_a_translated_503_with_retry_after(failing_home, language):
    # The Russian text arrives with locale/fragments/production.po merged into the catalogue.
    with translation.override(language):
        title = translation.gettext("Please try again in a moment")
    client = Client(raise_request_exception=False)

    response = client.get(f"/{language}/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    assert f"<title>{title}</title>" in response.content.decode()
    assert f'<html lang="{language}">' in response.content.decode()


def test_other_errors_stay_500(monkeypatch):
    monkeypatch.setattr(views, "get_page_cache_context", lambda *a, **k: 1 / 0)
    client = Client(raise_request_exception=False)

    response = client.get("/en/")

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
