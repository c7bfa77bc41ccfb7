import json

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_reports_every_dependency(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "tasks": "ok"},
    }


def test_readyz_is_503_when_the_cache_is_unreachable(client):
    # A closed port: Redis refuses the connection. Restored before the cache is cleared.
    closed = {"default": {"BACKEND": "config.redis_cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    with override_settings(CACHES=closed):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "error: ConnectionError", "tasks": "ok"},
    }


def test_probes_are_outside_the_language_prefixes(client):
    assert client.get("/en/healthz").status_code == 404
