"""Give the "Organisers" group what it needs for registrations: see them, cancel and promote
(the admin actions need "change"), export them as CSV, and read the audit trail and profiles.

The group comes from events/migrations/0002_organisers_group.py; it is fetched with get_or_create
so this migration also works on its own. On a fresh database permissions exist only after all
migrations (post_migrate), so they are created here first for this app.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Organisers"
CODENAMES = [
    "view_registration",
    "change_registration",
    "export_registration",
    "view_auditentry",
    "view_profile",
]


def _organiser_permissions(apps, db_alias):
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(db_alias).filter(
        content_type__app_label="registrations", codename__in=CODENAMES
    )
    found = set(permissions.values_list("codename", flat=True))
    if found != set(CODENAMES):
        raise RuntimeError(f"Permissions missing for the Organisers group: {sorted(set(CODENAMES) - found)}")
    return permissions


def grant_registration_permissions(apps, schema_editor):
    db_alias = schema_editor.connection.alias
    app_config = apps.get_app_config("registrations")
    # The historical app config has no models module, which create_permissions needs.
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = previous or True
    try:
        create_permissions(app_config, apps=apps, verbosity=0, using=db_alias)
    finally:
        app_config.models_module = previous

    Group = apps.get_model("auth", "Group")
    group, _created = Group.objects.using(db_alias).get_or_create(name=GROUP_NAME)
    group.permissions.add(*_organiser_permissions(apps, db_alias))


def revoke_registration_permissions(apps, schema_editor):
    db_alias = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.using(db_alias).filter(name=GROUP_NAME).first()
    if group is None:
        return
    group.permissions.remove(
        *Permission.objects.using(db_alias).filter(content_type__app_label="registrations", codename__in=CODENAMES)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0001_initial"),
        ("events", "0002_organisers_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(grant_registration_permissions, revoke_registration_permissions),
    ]
