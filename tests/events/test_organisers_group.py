import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection

pytestmark = pytest.mark.django_db

EXPECTED_CODENAMES = [
    "add_series",
    "add_session",
    "add_sessionmaterial",
    "add_sessionspeaker",
    "add_speaker",
    "change_series",
    "change_session",
    "change_sessionmaterial",
    "change_sessionspeaker",
    "change_speaker",
    "delete_series",
    "delete_session",
    "delete_sessionmaterial",
    "delete_sessionspeaker",
    "delete_speaker",
    "view_series",
    "view_session",
    "view_sessionmaterial",
    "view_sessionspeaker",
    "view_speaker",
]


def group_permissions(app_label: str = "events") -> list[str]:
    # Later migrations of other apps add their own permissions to the group; this checks ours.
    group = Group.objects.get(name="Organisers")
    return sorted(group.permissions.filter(content_type__app_label=app_label).values_list("codename", flat=True))


def test_organisers_group_has_exactly_the_content_permissions():
    assert group_permissions() == EXPECTED_CODENAMES


def test_organisers_group_migration_is_reversible_and_repeatable():
    migration = importlib.import_module("events.migrations.0002_organisers_group")
    schema_editor = SimpleNamespace(connection=connection)

    migration.delete_organisers_group(apps, schema_editor)
    assert Group.objects.filter(name="Organisers").exists() is False

    migration.create_organisers_group(apps, schema_editor)
    assert group_permissions() == EXPECTED_CODENAMES
