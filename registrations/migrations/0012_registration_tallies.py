"""The dashboard's tallies (registrations/report_models.py, report_tallies.py), counted from the
registrations already stored; and a partial index for the dashboard's waitlist figures."""

import datetime as dt

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate


def count_tallies(apps, schema_editor):
    # What registrations.report_tallies.rebuild_report_tallies() does, against the historical models.
    Registration = apps.get_model("registrations", "Registration")
    RegistrationTally = apps.get_model("registrations", "RegistrationTally")
    values = {
        "status": F("status"),
        "language": F("language"),
        "country": F("country"),
        "profession": F("profession"),
        "day": TruncDate("created_at", tzinfo=dt.UTC),
    }
    rows = []
    for attribute, expression in values.items():
        groups = (
            Registration.objects.order_by()
            .annotate(tally_value=expression)
            .values("session_id", "tally_value")
            .annotate(
                registrations=Count("pk"),
                attended=Count("pk", filter=Q(attended=True)),
                certified=Count("pk", filter=Q(has_valid_certificate=True)),
            )
            .values_list("session_id", "tally_value", "registrations", "attended", "certified")
        )
        rows += [
            RegistrationTally(
                session_id=session_id,
                attribute=attribute,
                value=value.isoformat() if isinstance(value, dt.date) else value,
                registrations=count,
                attended=attended,
                certified=certified,
            )
            for session_id, value, count, attended, certified in groups
        ]
    RegistrationTally.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0004_encrypt_join_url"),
        ("registrations", "0011_registration_report_flags"),
    ]

    operations = [
        migrations.CreateModel(
            name="RegistrationTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "attribute",
                    models.CharField(
                        choices=[
                            ("status", "Status"),
                            ("language", "Language"),
                            ("country", "Country"),
                            ("profession", "Profession"),
                            ("day", "Day"),
                        ],
                        max_length=16,
                    ),
                ),
                ("value", models.CharField(blank=True, max_length=32)),
                ("registrations", models.IntegerField(default=0)),
                ("attended", models.IntegerField(default=0)),
                ("certified", models.IntegerField(default=0)),
                (
                    "session",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="events.session"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("session", "attribute", "value"), name="one_tally_per_session_and_value"
                    )
                ],
            },
        ),
        migrations.AddIndex(
            model_name="registration",
            index=models.Index(
                condition=models.Q(("waitlisted_at__isnull", False)),
                fields=["session", "waitlisted_at", "confirmed_at", "cancelled_at"],
                name="registration_waitlist_history",
            ),
        ),
        migrations.RunPython(count_tallies, migrations.RunPython.noop),
    ]
