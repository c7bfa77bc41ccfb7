"""The start-up warm-up of web processes (config/warmup.py), run before gunicorn forks."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver

from config.warmup import warm_up, warm_up_worker


@pytest.mark.django_db
def test_warm_up_compiles_every_template_and_runs_no_query():
    # Forked workers must not inherit a database connection: the warm-up may not query.
    with CaptureQueriesContext(connection) as queries:
        warm_up()  # raises on a template that does not compile

    assert len(queries) == 0


def test_warm_up_opens_no_database_connection():
    # No django_db mark: pytest-django makes any use of the connection raise, so the warm-up
    # (which compiles the feeds' queries) would fail here if it opened or used one.
    warm_up()

    with pytest.raises(RuntimeError, match="Database access not allowed"):
        connection.ensure_connection()  # the guard was in force


@pytest.mark.django_db
def test_warm_up_builds_the_reverse_tables_of_both_languages():
    warm_up()

    # Django keeps one reverse table per language under i18n_patterns.
    assert {"en", "ru"} <= set(get_resolver()._reverse_dict)


@pytest.mark.django_db
def test_worker_warm_up_runs_the_feed_queries_on_no_rows(django_assert_num_queries):
    # series, the sessions, their speakers (the cache is only read)
    with django_assert_num_queries(3):
        warm_up_worker()


def test_worker_warm_up_never_raises():
    # No django_db mark: every query raises, as with a database that is down; the worker must
    # start anyway.
    warm_up_worker()
