"""The "view reports" permission of the organisers' dashboard, given to the Organisers group.

`ReportsPermission` has no table (managed=False); it only carries the permission. On a fresh
database permissions exist only after all migrations (post_migrate), so they are created here
first for this app, as 0002_organisers_permissions does.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

GROUP_NAME = "Organisers"
CODENAME = "view_reports"


def grant_view_reports(apps, schema_editor):
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
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.using(db_alias).get_or_create(name=GROUP_NAME)
    group.permissions.add(
        Permission.objects.using(db_alias).get(content_type__app_label="registrations", codename=CODENAME)
    )


def revoke_view_reports(apps, schema_editor):
    db_alias = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.using(db_alias).filter(name=GROUP_NAME).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.using(db_alias).filter(content_type__app_label="registrations", codename=CODENAME)
        )


class Migration(migrations.Migration):

    dependencies = [
        ('registrations', '0005_calendar_feed_token'),
        ('registrations', '0002_organisers_permissions'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='ReportsPermission',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
            ],
            options={
                'verbose_name': 'dashboard',
                'verbose_name_plural': 'dashboard',
                'permissions': [('view_reports', "Can view the organisers' dashboard")],
                'managed': False,
                'default_permissions': (),
            },
        ),
        migrations.RunPython(grant_view_reports, revoke_view_reports),
    ]
