"""Create the "Organisers" group with the permissions organisers need for series content.

On a fresh database Django creates permissions only after all migrations have run (in the
post_migrate signal), so this migration creates them first for the apps it needs. Later
migrations add the permissions of later features to the same group.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Organisers"
MODELS = ["series", "session", "sessionspeaker", "sessionmaterial", "speaker"]
ACTIONS = ["add", "change", "delete", "view"]


def create_organisers_group(apps, schema_editor):
    db_alias = schema_editor.connection.alias
    for app_label in ("contenttypes", "auth", "events"):
        app_config = apps.get_app_config(app_label)
        # A historical app config has no models module, and create_permissions skips apps without.
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = previous or True
        try:
            create_permissions(app_config, apps=apps, verbosity=0, using=db_alias)
        finally:
            app_config.models_module = previous

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.using(db_alias).get_or_create(name=GROUP_NAME)
    codenames = [f"{action}_{model}" for model in MODELS for action in ACTIONS]
    permissions = Permission.objects.using(db_alias).filter(
        content_type__app_label="events", codename__in=codenames
    )
    if permissions.count() != len(codenames):
        missing = sorted(set(codenames) - set(permissions.values_list("codename", flat=True)))
        raise RuntimeError(f"Permissions missing for the Organisers group: {missing}")
    group.permissions.add(*permissions)


def delete_organisers_group(apps, schema_editor):
    db_alias = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Group.objects.using(db_alias).filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_organisers_group, delete_organisers_group),
    ]
