"""The Organisers group may read the outbox, write messages to registrants and set reminders."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = [
    "view_outboxmessage",
    "view_organisermessage",
    "add_organisermessage",
    "view_sessionnotificationsettings",
    "change_sessionnotificationsettings",
    "view_seriesnotificationsettings",
    "change_seriesnotificationsettings",
    "view_announcementoptout",
]


def grant(apps, schema_editor):
    # Permissions are normally created after migrate; create them now so they can be granted.
    app_config = apps.get_app_config("registrations")
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = previous or True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name="Organisers")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="registrations", codename__in=CODENAMES)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Organisers").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="registrations", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [("registrations", "0009_audit_actions")]

    operations = [migrations.RunPython(grant, revoke)]
