"""Registration.attended and has_valid_certificate (see registrations/report_flags.py), filled in."""

from django.db import migrations, models
from django.db.models import Exists, OuterRef, Q


def backfill(apps, schema_editor):
    # The rules of registrations.report_flags, written against the historical models.
    Registration = apps.get_model("registrations", "Registration")
    Attendance = apps.get_model("registrations", "Attendance")
    Certificate = apps.get_model("registrations", "Certificate")
    rows = Attendance.objects.filter(registration_id=OuterRef("pk"))
    # Inside `rows`, OuterRef points at the attendance row: its registration's manual row.
    has_manual = Attendance.objects.filter(registration_id=OuterRef("registration_id"), source="manual")
    attended = Exists(rows.filter(Q(source="manual") | ~Exists(has_manual), minutes__gt=0))
    certified = Exists(Certificate.objects.filter(registration_id=OuterRef("pk"), status="valid"))
    Registration.objects.filter(Exists(Attendance.objects.filter(registration_id=OuterRef("pk")))).update(
        attended=attended
    )
    Registration.objects.filter(certified).update(has_valid_certificate=True)


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0010_organisers_notification_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="registration",
            name="attended",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="registration",
            name="has_valid_certificate",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
