"""Rows that data migrations create (the Organisers group and its permissions, the first privacy
notice). A transactional test empties every table when it ends, these rows included; tests that
need them afterwards call `restore()`, which replays those migrations' own functions."""

import importlib

from django.apps import apps
from django.db import connection

DATA_MIGRATIONS = [
    ("events.migrations.0002_organisers_group", "create_organisers_group"),
    ("registrations.migrations.0002_organisers_permissions", "grant_registration_permissions"),
    ("registrations.migrations.0003_attendance_certificates", "grant_certificate_permissions"),
    ("registrations.migrations.0006_reports_permission", "grant_view_reports"),
    ("registrations.migrations.0008_first_privacy_notice", "create_first_notice"),
    ("registrations.migrations.0010_organisers_notification_permissions", "grant"),
]


def restore() -> None:
    with connection.schema_editor(atomic=False) as schema_editor:
        for module_name, function_name in DATA_MIGRATIONS:
            getattr(importlib.import_module(module_name), function_name)(apps, schema_editor)
