"""On PostgreSQL, values travel apart from the statements and a statement that repeats on a
connection is prepared once (config/settings.py): the server stops parsing and planning it.
DATABASE_PREPARED_STATEMENTS=off turns both off (for a pooler that cannot keep them)."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from events.models import Session
from tests.factories import SessionFactory

BASE_DIR = settings.BASE_DIR


def database_options(**env) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps(s.DATABASES['default'].get('OPTIONS', {})))"
    )
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], cwd=BASE_DIR, env={**os.environ, **env}, capture_output=True, text=True,
        check=True, timeout=120,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_postgresql_prepares_repeated_statements_unless_told_not_to():
    postgres = "postgres://postgres@127.0.0.1:5432/decoded"
    assert database_options(DATABASE_URL=postgres) == {"server_side_binding": True, "prepare_threshold": 5}
    assert database_options(DATABASE_URL=postgres, DATABASE_PREPARED_STATEMENTS="off") == {}
    sqlite_options = database_options(DATABASE_URL="sqlite:///scratch.sqlite3")
    assert "server_side_binding" not in sqlite_options
    assert "prepare_threshold" not in sqlite_options


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_a_repeated_statement_is_prepared_on_the_server():
    sessions = [SessionFactory() for _ in range(6)]
    for session in sessions:  # the same statement six times, each with its own value
        assert Session.objects.filter(slug=session.slug).values_list("pk", flat=True).get() == session.pk

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert [statement for statement in prepared if '"events_session"."slug" = $1' in statement]
