"""Certificate emails go through the outbox (kind "certificate", with the certificate they announce),
so they are sent once, retried after SMTP failures and never lost with a worker (issue 9, drills)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0012_registration_tallies"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxmessage",
            name="certificate",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="outbox_messages",
                to="registrations.certificate",
                verbose_name="certificate",
            ),
        ),
        migrations.AlterField(
            model_name="outboxmessage",
            name="kind",
            field=models.CharField(
                choices=[
                    ("reminder", "Reminder"),
                    ("follow_up", "Follow-up"),
                    ("session_updated", "Session updated"),
                    ("session_cancelled", "Session cancelled"),
                    ("organiser_message", "Message from the organisers"),
                    ("certificate", "Certificate of attendance"),
                ],
                max_length=24,
                verbose_name="kind",
            ),
        ),
    ]
