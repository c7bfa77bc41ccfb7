import re

import pytest
from django.contrib import admin as django_admin
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core import mail
from django.forms import modelform_factory
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from events.models import Session
from registrations.admin import registration_counts
from registrations.admin_audit import describe_actor, describe_details
from registrations.models import AuditEntry, Registration
from registrations.services import register_attendee
from tests.factories import (
    OrganiserFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    attendee_details,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/{lang}/admin/registrations/registration/"


def register(session, **details):
    return register_attendee(session=session, user=UserFactory(), details=attendee_details(**details)).registration


def h1(response) -> str:
    return re.search(r"<h1>(.*?)</h1>", response.content.decode(), re.DOTALL).group(1).strip()


def action(client, lang, name, registrations, *, confirm):
    data = {"action": name, "_selected_action": [r.pk for r in registrations]}
    if confirm:
        data["post"] = "yes"
    return client.post(CHANGELIST.format(lang=lang), data)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_organisers_group_gets_the_registration_permissions():
    group = Group.objects.get(name="Organisers")
    # Later features add their own models' permissions to the group; these are the ones for
    # registrations, their audit trail and profiles.
    permissions = group.permissions.filter(
        content_type__app_label="registrations", content_type__model__in=["registration", "auditentry", "profile"]
    )

    codenames = set(permissions.values_list("codename", flat=True))

    assert codenames == {
        "view_registration",
        "change_registration",
        "export_registration",
        "view_auditentry",
        "view_profile",
    }


@pytest.mark.parametrize(
    ("lang", "heading"),
    [("en", "Select registration to change"), ("ru", "Выберите регистрация для изменения")],
)
def test_registration_changelist_renders_for_an_organiser(client, lang, heading):
    session = SessionFactory(capacity=1)
    confirmed = register(session, full_name="Aigerim Sadykova")
    waitlisted = register(session, full_name="Ivan Petrov")
    client.force_login(OrganiserFactory())

    response = client.get(CHANGELIST.format(lang=lang))

    assert response.status_code == 200
    assert h1(response) == heading
    rows = list(response.context["cl"].result_list)
    assert [(r.public_id, r.status, r.waitlist_place) for r in rows] == [
        (waitlisted.public_id, "waitlisted", 1),
        (confirmed.public_id, "confirmed", None),
    ]
    assert [name for name, _label in response.context["action_form"].fields["action"].choices] == [
        "",
        "cancel_selected",
        "promote_selected",
    ]


@pytest.mark.parametrize("item_count", [1, 3])
def test_registration_changelist_query_count_does_not_grow_with_rows(
    client, settings, django_assert_num_queries, item_count
):
    # allauth's user-session tracking writes on some requests and not others; it is not ours to count.
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if "usersessions" not in name]
    session = SessionFactory()
    RegistrationFactory.create_batch(item_count, session=session)
    client.force_login(OrganiserFactory())

    # user + permissions (user's, group's) + the session filter's choices + count + full count +
    # rows (waitlist position included) + the country filter's choices + the access-log entry
    # (every view of a registrant list is recorded); the session comes from the cache (cached_db)
    with django_assert_num_queries(9):
        response = client.get(CHANGELIST.format(lang="en"))

    assert response.context["cl"].result_count == item_count


@pytest.mark.parametrize(("lang", "heading"), [("en", "View registration"), ("ru", "Просмотреть регистрация")])
def test_registration_detail_is_view_only(client, lang, heading):
    registration = register(SessionFactory(), full_name="Aigerim Sadykova")
    client.force_login(OrganiserFactory())
    url = f"/{lang}/admin/registrations/registration/{registration.pk}/change/"

    response = client.get(url)
    post = client.post(url, {"full_name": "Someone Else"})

    assert response.status_code == 200
    assert h1(response) == heading
    assert 'name="_save"' not in response.content.decode()
    assert registration.join_token_hash not in response.content.decode()
    assert registration.token_salt not in response.content.decode()
    assert post.status_code == 403
    registration.refresh_from_db()
    assert registration.full_name == "Aigerim Sadykova"


def test_registration_detail_shows_the_audit_trail(client):
    registration = register(SessionFactory(), full_name="Aigerim Sadykova")
    client.force_login(OrganiserFactory())

    response = client.get(f"/en/admin/registrations/registration/{registration.pk}/change/")

    trail = re.search(r'<table class="registration-audit">.*?</table>', response.content.decode(), re.DOTALL).group(0)
    assert re.findall(r"<td>(.*?)</td>", trail)[1:] == ["Registered (confirmed)", registration.user.email]


def test_registration_admin_allows_no_add_and_no_delete(client):
    registration = register(SessionFactory())
    client.force_login(OrganiserFactory(is_superuser=True))

    add = client.get("/en/admin/registrations/registration/add/")
    delete = client.post(f"/en/admin/registrations/registration/{registration.pk}/delete/", {"post": "yes"})
    changelist = client.get(CHANGELIST.format(lang="en"))

    assert (add.status_code, delete.status_code) == (403, 403)
    assert [name for name, _label in changelist.context["action_form"].fields["action"].choices] == [
        "",
        "cancel_selected",
        "promote_selected",
    ]
    assert Registration.objects.filter(pk=registration.pk).exists()


def test_staff_without_the_organiser_permissions_cannot_see_registrations(client):
    register(SessionFactory())
    client.force_login(UserFactory(is_staff=True))

    response = client.get(CHANGELIST.format(lang="en"))

    assert response.status_code == 403


def expected_heading_and_counts(lang, session, confirmed, waitlisted, cancelled):
    """The texts as the catalogue of `lang` has them (English until the fragment is merged)."""
    with translation.override(lang):
        heading = gettext("Registrations for “%(session)s”") % {"session": session}
        counts = [
            ngettext("%(count)d confirmed place", "%(count)d confirmed places", confirmed) % {"count": confirmed},
            ngettext("%(count)d person on the waitlist", "%(count)d people on the waitlist", waitlisted)
            % {"count": waitlisted},
            ngettext("%(count)d cancelled registration", "%(count)d cancelled registrations", cancelled)
            % {"count": cancelled},
        ]
    return heading, counts


def test_session_heading_and_counts_read_naturally_in_english():
    session = SessionFactory(title_en="Cybersecurity in health care")

    assert expected_heading_and_counts("en", session, 2, 1, 1) == (
        "Registrations for “Cybersecurity in health care”",
        ["2 confirmed places", "1 person on the waitlist", "1 cancelled registration"],
    )


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_changelist_filtered_by_session_names_it_and_counts_its_registrations(client, lang):
    session = SessionFactory(
        capacity=2, title_en="Cybersecurity in health care", title_ru="Кибербезопасность в здравоохранении"
    )
    other = SessionFactory()
    RegistrationFactory(session=session)
    RegistrationFactory(session=session)
    RegistrationFactory(session=session, status="waitlisted")
    RegistrationFactory(session=session, status="cancelled")
    RegistrationFactory(session=other)
    client.force_login(OrganiserFactory())

    response = client.get(CHANGELIST.format(lang=lang), {"session__id__exact": session.pk})

    heading, counts = expected_heading_and_counts(lang, session.title_ru if lang == "ru" else session.title_en, 2, 1, 1)
    html = response.content.decode()
    counts_block = re.search(r'<ul class="registration-counts">(.*?)</ul>', html, re.DOTALL).group(1)
    assert h1(response) == heading
    assert re.findall(r'<a href="[^"]+">(.*?)</a>', counts_block) == counts
    assert re.findall(r'<a href="([^"]+)">', counts_block) == [
        f"/{lang}/admin/registrations/registration/?session__id__exact={session.pk}&amp;status__exact={status}"
        for status in ("confirmed", "waitlisted", "cancelled")
    ]
    assert response.context["cl"].result_count == 4
    assert f'href="/{lang}/admin/registrations/registration/export/{session.pk}/"' in html


def test_registration_counts_annotates_every_session_in_one_query(django_assert_num_queries):
    first = SessionFactory(capacity=1)
    second = SessionFactory()
    RegistrationFactory(session=first)
    RegistrationFactory(session=first, status="waitlisted")
    RegistrationFactory(session=first, status="waitlisted")
    RegistrationFactory(session=first, status="cancelled")
    RegistrationFactory(session=second, status="cancelled")

    with django_assert_num_queries(1):
        counts = [
            (s.pk, s.confirmed_count, s.waitlisted_count, s.cancelled_count)
            for s in registration_counts(Session.objects.order_by("pk"))
        ]

    assert counts == [(first.pk, 1, 2, 1), (second.pk, 0, 0, 1)]


def wired_session_admin():
    return django_admin.site.get_model_admin(Session)


def request_for(rf, user):
    request = rf.get("/en/admin/events/session/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_counts_mixin_columns_link_to_the_filtered_registration_list(rf):
    session = SessionFactory()
    RegistrationFactory.create_batch(3, session=session)
    RegistrationFactory(session=session, status="cancelled")
    model_admin = wired_session_admin()
    request = request_for(rf, OrganiserFactory())
    annotated = model_admin.get_queryset(request).get(pk=session.pk)
    changelist = reverse("admin:registrations_registration_changelist")

    cells = [model_admin.confirmed(annotated), model_admin.waitlisted(annotated), model_admin.cancelled(annotated)]

    assert cells == [
        f'<a href="{changelist}?session__id__exact={session.pk}&amp;status__exact=confirmed">3</a>',
        f'<a href="{changelist}?session__id__exact={session.pk}&amp;status__exact=waitlisted">0</a>',
        f'<a href="{changelist}?session__id__exact={session.pk}&amp;status__exact=cancelled">1</a>',
    ]
    assert model_admin.get_list_display(request)[-4:] == [
        "confirmed",
        "waitlisted",
        "cancelled",
        "registration_export",
    ]


def test_counts_mixin_hides_the_export_column_without_the_permission(rf):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(content_type__app_label="events", codename="view_session"))

    list_display = wired_session_admin().get_list_display(request_for(rf, user))

    assert list_display[-3:] == ["confirmed", "waitlisted", "cancelled"]


@pytest.mark.parametrize("item_count", [1, 3])
def test_counts_mixin_changelist_counts_in_the_list_query(rf, django_assert_num_queries, item_count):
    for _ in range(item_count):
        RegistrationFactory.create_batch(2, session=SessionFactory())
    model_admin = wired_session_admin()
    request = request_for(rf, OrganiserFactory(is_superuser=True))

    # count + full count + rows (with the counts) + the series filter's choices + the date
    # hierarchy's range and years
    with django_assert_num_queries(6):
        response = model_admin.changelist_view(request)
        response.render()

    assert [s.confirmed_count for s in response.context_data["cl"].result_list] == [2] * item_count


def test_raising_the_capacity_promotes_the_waitlist(rf, django_capture_on_commit_callbacks):
    session = SessionFactory(capacity=1)
    register(session)
    first_in_line = register(session)
    second_in_line = register(session)
    organiser = OrganiserFactory()
    request = request_for(rf, organiser)
    form = modelform_factory(Session, fields=["capacity"])({"capacity": 2}, instance=session)
    assert form.is_valid()

    with django_capture_on_commit_callbacks(execute=True):
        wired_session_admin().save_model(request, form.save(commit=False), form, change=True)

    first_in_line.refresh_from_db()
    second_in_line.refresh_from_db()
    assert (first_in_line.status, second_in_line.status) == ("confirmed", "waitlisted")
    assert AuditEntry.objects.filter(action="promoted").values_list("registration", "actor", "details").get() == (
        first_in_line.pk,
        organiser.pk,
        {"by_organiser": False},
    )
    assert [m.to for m in mail.outbox] == [[f"Aigerim Sadykova <{first_in_line.user.email}>"]]
    assert [str(m) for m in get_messages(request)] == [
        "The waitlist moved up: 1 person now has a place and is told by email."
    ]


def test_saving_without_a_capacity_change_promotes_nobody(rf):
    session = SessionFactory(capacity=1)
    register(session)
    waiting = register(session)
    form = modelform_factory(Session, fields=["capacity"])({"capacity": 1}, instance=session)
    assert form.is_valid()

    wired_session_admin().save_model(request_for(rf, OrganiserFactory()), form.save(commit=False), form, change=True)

    waiting.refresh_from_db()
    assert waiting.status == "waitlisted"


def test_cancel_action_asks_for_confirmation_first(client):
    session = SessionFactory()
    registration = register(session, full_name="Aigerim Sadykova")
    client.force_login(OrganiserFactory())

    response = action(client, "en", "cancel_selected", [registration], confirm=False)

    registration.refresh_from_db()
    assert response.status_code == 200
    assert h1(response) == "Cancel registrations"
    assert re.findall(r"<li>([^<]*Aigerim[^<]*)</li>", response.content.decode()) == [
        f"{registration.public_id}: Aigerim Sadykova · {session.title_en} · Confirmed"
    ]
    assert registration.status == "confirmed"
    assert AuditEntry.objects.filter(action="cancelled").count() == 0


def test_cancel_action_cancels_through_the_service_with_the_organiser_as_actor(
    client, django_capture_on_commit_callbacks
):
    session = SessionFactory(capacity=1)
    holder = register(session)
    first_in_line = register(session)
    already_cancelled = RegistrationFactory(session=session, status="cancelled")
    organiser = OrganiserFactory()
    client.force_login(organiser)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = action(client, "en", "cancel_selected", [holder, already_cancelled], confirm=True)

    holder.refresh_from_db()
    first_in_line.refresh_from_db()
    assert response.status_code == 302
    assert (holder.status, first_in_line.status) == ("cancelled", "confirmed")
    assert list(
        AuditEntry.objects.filter(action__in=["cancelled", "promoted"])
        .order_by("pk")
        .values_list("action", "registration", "actor", "details")
    ) == [
        ("cancelled", holder.pk, organiser.pk, {"by_organiser": True, "was_confirmed": True}),
        ("promoted", first_in_line.pk, None, {"by_organiser": False}),
    ]
    assert sorted(m.subject for m in mail.outbox) == sorted(
        [f"Регистрация отменена: {session.title_ru}", f"Место освободилось для вас: {session.title_ru}"]
    )
    assert messages_of(client.get(response.url)) == [
        "1 registration was cancelled; the person is told by email.",
        "1 registration was already cancelled and was left unchanged.",
    ]


def test_promote_action_promotes_the_waitlisted_only(client, django_capture_on_commit_callbacks):
    session = SessionFactory(capacity=1)
    holder = register(session)
    waiting = [register(session) for _ in range(3)]
    organiser = OrganiserFactory()
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = action(client, "en", "promote_selected", [holder, waiting[0], waiting[2]], confirm=True)

    statuses = list(Registration.objects.filter(session=session).order_by("pk").values_list("status", flat=True))
    assert statuses == ["confirmed", "confirmed", "waitlisted", "confirmed"]
    assert list(
        AuditEntry.objects.filter(action="promoted").order_by("pk").values_list("registration", "actor", "details")
    ) == [
        (waiting[0].pk, organiser.pk, {"by_organiser": True}),
        (waiting[2].pk, organiser.pk, {"by_organiser": True}),
    ]
    assert messages_of(client.get(response.url)) == [
        "2 people were given a place from the waitlist and are told by email.",
        "1 registration was left unchanged: only waitlisted registrations can be promoted.",
    ]


def test_actions_need_the_change_permission(client):
    registration = register(SessionFactory())
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_registration"))
    client.force_login(viewer)

    response = action(client, "en", "cancel_selected", [registration], confirm=True)

    registration.refresh_from_db()
    assert registration.status == "confirmed"
    assert response.status_code == 200
    assert response.context["action_form"] is None
    assert AuditEntry.objects.filter(action="cancelled").count() == 0


@pytest.mark.parametrize(
    ("lang", "heading"),
    [("en", "Select audit entry to view"), ("ru", "Выберите запись журнала аудита для просмотра")],
)
def test_audit_entries_are_listed_read_only_for_organisers(client, lang, heading):
    session = SessionFactory()
    registration = register(session)
    organiser = OrganiserFactory()
    AuditEntry.objects.create(action="exported", session=session, actor=organiser, details={"rows": 12})
    client.force_login(organiser)
    base = f"/{lang}/admin/registrations/auditentry/"
    entry = AuditEntry.objects.get(action="registered")

    listing = client.get(base)
    detail = client.get(f"{base}{entry.pk}/change/")
    add = client.get(f"{base}add/")
    change = client.post(f"{base}{entry.pk}/change/", {"action": "cancelled"})
    delete = client.post(f"{base}{entry.pk}/delete/", {"post": "yes"})

    assert (listing.status_code, detail.status_code) == (200, 200)
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert h1(listing) == heading
    model_admin = listing.context["cl"].model_admin
    rows = [(model_admin.who(e), e.action, e.session_id, e.details) for e in listing.context["cl"].result_list]
    assert rows == [
        (organiser.email, "exported", session.pk, {"rows": 12}),
        (registration.user.email, "registered", session.pk, {}),
    ]
    link = f'<a href="/{lang}/admin/registrations/registration/{registration.pk}/change/">{registration.public_id}</a>'
    assert link in listing.content.decode()
    assert 'name="_save"' not in detail.content.decode()
    assert AuditEntry.objects.get(pk=entry.pk).action == "registered"


@pytest.mark.parametrize(
    ("details", "words"),
    [
        ({"rows": 1}, "1 row exported"),
        ({"rows": 12}, "12 rows exported"),
        ({"by_organiser": True, "was_confirmed": True}, "by an organiser; the place was confirmed"),
        ({"by_organiser": False}, ""),
        ({"reason": "imported"}, "reason: imported"),
    ],
)
def test_audit_details_are_described_in_words(details, words):
    with translation.override("en"):
        assert describe_details(details) == words


def test_audit_actor_of_an_automatic_change_is_the_system():
    entry = AuditEntry(action="promoted", actor=None)

    with translation.override("en"):
        assert describe_actor(entry) == "the system"
