"""The JSON export of everything held about a person: from the account page and by an organiser."""

import json

import pytest

from registrations import privacy
from registrations.models import AuditEntry, Registration
from registrations.outbox_models import OutboxMessage
from registrations.privacy_models import AccessLogEntry, ConsentEvent
from tests.privacy.conftest import sign_in_to_admin

pytestmark = pytest.mark.django_db

EMAIL = "aigerim.sadykova@clinic.example"


def _hold_everything(person, client):
    registration = Registration.objects.get(user=person)
    AuditEntry.objects.create(action=AuditEntry.Action.REGISTERED, registration=registration,
                              session=registration.session, actor=person)
    OutboxMessage.objects.create(kind=OutboxMessage.Kind.REMINDER, status=OutboxMessage.Status.SENT,
                                 registration=registration, session=registration.session, slot="r0:60",
                                 due_at=registration.session.starts_at, sent_at=registration.session.starts_at)
    privacy.withdraw_announcements_consent(user=person, channel=ConsentEvent.Channel.ACCOUNT_PAGE)
    client.force_login(person)
    client.get("/en/account/")  # a signed-in session
    return registration


def test_export_contains_every_kind_of_data_held(person, client):
    registration = _hold_everything(person, client)

    data = json.loads(client.get("/en/account/privacy/export/").content)

    assert set(data) == {
        "format", "exported_at", "account", "email_addresses", "profile", "registrations", "consents",
        "announcement_opt_out", "attendance", "certificates", "emails", "history", "calendar_feed", "sessions",
        "mfa", "organiser_access",
    }
    assert data["account"]["email"] == EMAIL
    assert data["email_addresses"] == [{"email": EMAIL, "verified": True, "primary": True}]
    assert data["profile"]["full_name"] == "Aigerim Sadykova"
    assert data["registrations"][0]["public_id"] == registration.public_id
    assert data["registrations"][0]["answers"] == {
        "full_name": "Aigerim Sadykova", "organisation": "Aigerim Sadykova Clinic", "profession": "physician",
        "country": "KZ", "language": "ru",
    }
    assert data["registrations"][0]["consent"]["privacy_notice_version"] == "2026-11"
    assert [(c["consent"], c["action"], c["how"]) for c in data["consents"]] == [
        ("announcements", "withdrawn", "account_page")
    ]
    assert data["announcement_opt_out"] is not None
    assert [(a["source"], a["minutes"]) for a in data["attendance"]] == [("manual", 80)]
    assert [(c["printed_name"], c["has_pdf"]) for c in data["certificates"]] == [("Aigerim Sadykova", True)]
    assert [(e["kind"], e["status"]) for e in data["emails"]] == [("reminder", "sent"), ("confirmed", "queued")]
    assert [h["action"] for h in data["history"]] == ["registered", "unsubscribed"]
    assert data["calendar_feed"] is not None
    assert len(data["sessions"]) == 1
    assert data["sessions"][0]["address_pseudonym"].startswith("fd")
    assert [m["type"] for m in data["mfa"]] == ["recovery_codes"]


def test_export_download_is_private_json(person, client):
    client.force_login(person)

    response = client.get("/ru/account/privacy/export/")

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="decoded-personal-data-')
    assert "no-store" in response["Cache-Control"]


def test_export_holds_no_secret(person, client):
    registration = Registration.objects.get(user=person)
    client.force_login(person)

    text = client.get("/en/account/privacy/export/").content.decode()

    assert registration.token_salt not in text
    assert registration.join_token not in text


def test_export_needs_sign_in(client):
    assert client.get("/en/account/privacy/export/").status_code == 302


def test_organiser_exports_a_persons_data_and_it_is_logged(person, client, superuser):
    admin_user = superuser
    sign_in_to_admin(client, admin_user)

    response = client.post(
        "/en/admin/registrations/personaldatarequest/", {"action": "export_data", "_selected_action": [person.pk]}
    )

    assert json.loads(response.content)["account"]["email"] == EMAIL
    assert list(AccessLogEntry.objects.values_list("kind", "subject_id", "rows")) == [("person_export", person.pk, 1)]
    assert [entry["what"] for entry in privacy.export_personal_data(user=person)["organiser_access"]] == [
        "person_export"
    ]
