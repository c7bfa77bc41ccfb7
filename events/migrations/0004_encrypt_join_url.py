import events.crypto
from django.db import migrations


def encrypt_existing(apps, schema_editor):
    # Reading goes through EncryptedURLField (plain values pass through), saving encrypts.
    Session = apps.get_model("events", "Session")
    for session in Session.objects.exclude(join_url="").only("pk", "join_url"):
        session.save(update_fields=["join_url"])


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0003_session_sequence"),
    ]

    operations = [
        migrations.AlterField(
            model_name="session",
            name="join_url",
            field=events.crypto.EncryptedURLField(
                blank=True,
                help_text="Secret meeting link. Only registered attendees get it, through their personal link.",
                verbose_name="join URL",
            ),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
    ]
