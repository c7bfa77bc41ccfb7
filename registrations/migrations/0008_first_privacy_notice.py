"""The first version of the privacy notice (EN and RU), so the site never runs without one.

Its version label is the one registrations recorded before notices were managed in the admin
(settings.PRIVACY_NOTICE_VERSION = "2026-11"); later versions are published by organisers.
"""

import datetime as dt

from django.db import migrations

VERSION = "2026-11"
PUBLISHED_AT = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
BODY_EN = (
    "This notice explains how the organisers of the webinar series handle the personal data of the "
    "people who register for its sessions.\n\n"
    "The sections below are generated from the site's own settings, so they always say what the site "
    "actually does."
)
BODY_RU = (
    "В этом уведомлении объясняется, как организаторы серии вебинаров обращаются с персональными данными "
    "тех, кто регистрируется на её сессии.\n\n"
    "Разделы ниже формируются из настроек самого сайта, поэтому они всегда описывают то, что сайт "
    "действительно делает."
)


def create_first_notice(apps, schema_editor):
    PrivacyNotice = apps.get_model("registrations", "PrivacyNotice")
    PrivacyNotice.objects.get_or_create(
        version=VERSION,
        defaults={"published_at": PUBLISHED_AT, "body": BODY_EN, "body_en": BODY_EN, "body_ru": BODY_RU},
    )


def remove_first_notice(apps, schema_editor):
    apps.get_model("registrations", "PrivacyNotice").objects.filter(version=VERSION).delete()


class Migration(migrations.Migration):
    dependencies = [("registrations", "0007_privacy")]

    operations = [migrations.RunPython(create_first_notice, remove_first_notice)]
