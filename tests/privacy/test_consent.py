"""Consents: notice versions, and withdrawing the "future sessions" consent in one click from the
account page and from an announcement email, each recorded with when and how."""

import datetime as dt

import pytest
from django.utils import timezone

from registrations import outbox, privacy
from registrations.models import Registration
from registrations.notification_emails import unsubscribe_token
from registrations.outbox_models import AnnouncementOptOut, OrganiserMessage
from registrations.privacy_models import ConsentEvent, PrivacyNotice
from tests.factories import SessionFactory, UserFactory
from tests.privacy.conftest import make_registration

pytestmark = pytest.mark.django_db


def _consenting(user=None):
    user = user or UserFactory()
    session = SessionFactory()
    yesterday = timezone.now() - dt.timedelta(days=1)
    return make_registration(session, user, full_name="Anna Petrova", announcements_consent=True,
                             announcements_consent_at=yesterday, privacy_consent_at=yesterday)


def test_current_notice_is_the_latest_published_version(notice):
    PrivacyNotice.objects.create(version="2027-03", published_at=dt.datetime(2027, 3, 1, tzinfo=dt.UTC), body_en="x")

    assert privacy.current_notice(now=dt.datetime(2027, 2, 28, tzinfo=dt.UTC)).version == "2026-11"
    assert privacy.current_notice(now=dt.datetime(2027, 3, 1, tzinfo=dt.UTC)).version == "2027-03"
    assert privacy.current_notice_version(now=dt.datetime(2027, 3, 2, tzinfo=dt.UTC)) == "2027-03"


def test_current_notice_version_without_any_notice_is_the_first_one(db):
    PrivacyNotice.objects.all().delete()

    assert privacy.current_notice_version() == "2026-11"


@pytest.mark.parametrize(
    ("language", "banner"),
    [
        ("en", "The privacy notice has changed (version 2026-12)."),
        ("ru", "Уведомление о конфиденциальности изменилось (версия 2026-12)."),
    ],
)
def test_returning_person_sees_the_new_version_until_read(notice, client, language, banner):
    registration = _consenting()
    PrivacyNotice.objects.create(
        version="2026-12", published_at=timezone.now() - dt.timedelta(hours=1), body_en="New", body_ru="Новое"
    )
    client.force_login(registration.user)

    before = client.get(f"/{language}/account/").content.decode()
    client.post(f"/{language}/account/privacy/notice/accept/")
    after = client.get(f"/{language}/account/").content.decode()

    assert banner in before
    assert banner not in after
    assert list(ConsentEvent.objects.values_list("kind", "action", "channel", "notice_version")) == [
        ("privacy_notice", "given", "account_page", "2026-12")
    ]


def test_person_who_accepted_the_current_version_sees_no_banner(notice, client):
    registration = _consenting()
    client.force_login(registration.user)

    assert 'data-privacy="new-notice"' not in client.get("/en/account/").content.decode()


@pytest.mark.parametrize(
    ("language", "done"),
    [
        ("en", "You will no longer receive emails about future sessions."),
        ("ru", "Вы больше не будете получать письма о будущих сессиях."),
    ],
)
def test_withdrawal_from_the_account_page_in_one_click(client, language, done):
    registration = _consenting()
    client.force_login(registration.user)

    response = client.post(f"/{language}/account/privacy/announcements/withdraw/", follow=True)

    registration.refresh_from_db()
    assert registration.announcements_consent is False
    assert [str(message) for message in response.context["messages"]] == [done]
    assert list(ConsentEvent.objects.values_list("user_id", "kind", "action", "channel")) == [
        (registration.user_id, "announcements", "withdrawn", "account_page")
    ]
    assert AnnouncementOptOut.objects.filter(user=registration.user).exists()


def test_withdrawal_from_the_email_link_is_recorded_once(client):
    registration = _consenting()

    client.post(f"/unsubscribe/{registration.public_id}/{unsubscribe_token(registration)}/")

    registration.refresh_from_db()
    assert registration.announcements_consent is False
    assert list(ConsentEvent.objects.values_list("kind", "action", "channel")) == [
        ("announcements", "withdrawn", "email_link")
    ]


def test_withdrawn_person_gets_no_more_organiser_messages():
    registration = _consenting()
    other = make_registration(registration.session, UserFactory(), full_name="Ivan Ivanov")
    privacy.withdraw_announcements_consent(user=registration.user, channel=ConsentEvent.Channel.ACCOUNT_PAGE)

    audience = outbox.audience_queryset(registration.session, OrganiserMessage.Audience.CONFIRMED)

    assert list(audience) == [other]


def test_consent_given_again_after_an_opt_out_can_be_withdrawn_again():
    registration = _consenting()
    privacy.withdraw_announcements_consent(user=registration.user, channel=ConsentEvent.Channel.EMAIL_LINK)
    later = _consenting(user=registration.user)

    withdrawn = privacy.withdraw_announcements_consent(
        user=registration.user, channel=ConsentEvent.Channel.ACCOUNT_PAGE
    )

    later.refresh_from_db()
    assert withdrawn is True
    assert later.announcements_consent is False
    assert ConsentEvent.objects.filter(action="withdrawn").count() == 2


def test_withdrawing_without_consent_changes_nothing():
    registration = make_registration(SessionFactory(), UserFactory(), full_name="Anna Petrova")

    assert privacy.withdraw_announcements_consent(user=registration.user, channel="account_page") is False
    assert ConsentEvent.objects.count() == 0
    assert Registration.objects.get(pk=registration.pk).announcements_consent is False
