"""The link of an invitation mail (/invitation/<token>/): a new account or one's own joins the team, once."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone

from mairie_mobile.models import AuditEvent
from organisations import invitations
from organisations.models import Invitation, Membership, Role
from tests.factories import PASSWORD, OrganisationFactory, agent_user
from tests.organisations.conftest import NEW_ACCOUNT, SENT_AT, invite, link_in, page_text, told_why
from tests.test_hostile_input import HOSTILE

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(coordination, tuesday_morning):
    """The link of an invitation of ines@example.org as an agent of Paris, sent by Nadia."""
    invite(coordination)
    return link_in(mail.outbox[0])


def test_the_invited_person_creates_their_account_and_lands_on_their_pages(link):
    inès = Client()
    page = inès.get(link)
    assert page.status_code == 200
    text = page_text(page)
    assert "Rejoindre l'équipe de Mairie mobile – Ville de Paris" in text
    assert "Nadia Durand vous invite à rejoindre Mairie mobile – Ville de Paris avec le rôle « Agent »." in text
    assert "Invitation pour ines@example.org, valable jusqu'au 17 mars 2026 à 10h00." in text
    assert 'name="username" value="ines"' in page.content.decode()  # from the address
    assert page["Cache-Control"].startswith("max-age=0")

    response = inès.post(link, NEW_ACCOUNT)
    assert response.status_code == 302
    assert response["Location"] == "/agents/"
    home = inès.get("/agents/")
    assert home.status_code == 200  # logged in, an agent of Paris
    assert "Bienvenue dans l'équipe de Mairie mobile – Ville de Paris." in page_text(home)
    user = User.objects.get(username="ines")
    assert (user.first_name, user.last_name, user.email) == ("Inès", "Moreau", "ines@example.org")
    assert user.check_password("une-longue-phrase-de-passe")
    membership = Membership.objects.get(user=user)
    assert (membership.organisation.slug, membership.role, membership.created_at) == ("paris", "agent", SENT_AT)
    assert Invitation.objects.get().accepted_at == SENT_AT
    [accepted] = AuditEvent.objects.filter(action=AuditEvent.Action.INVITATION_ACCEPTED)
    assert accepted.user == user
    assert accepted.summary == "ines (ines@example.org) a rejoint Mairie mobile – Ville de Paris, rôle « Agent »"


def test_a_link_serves_once(link):
    Client().post(link, NEW_ACCOUNT)
    for method in ("get", "post"):
        used = getattr(Client(), method)(link, NEW_ACCOUNT | {"username": "quelquun"})
        assert used.status_code == 410
        assert "L'invitation a déjà été acceptée" in page_text(used)
        assert 'href="/connexion/"' in used.content.decode()  # a way on
    assert User.objects.filter(email="ines@example.org").count() == 1


def test_a_link_expires_after_invitation_days(link):
    with time_machine.travel(SENT_AT + datetime.timedelta(days=7, seconds=-1), tick=False):
        assert Client().get(link).status_code == 200
    with time_machine.travel(SENT_AT + datetime.timedelta(days=7), tick=False):
        expired = Client().post(link, NEW_ACCOUNT)
    assert expired.status_code == 410
    assert "L'invitation a expiré. Demandez à la coordination de votre structure de vous inviter de nouveau" in (
        page_text(expired)
    )
    assert not User.objects.filter(username="ines").exists()


def test_how_long_a_link_lasts_is_a_setting(coordination, settings, tuesday_morning):
    settings.INVITATION_DAYS = 2
    invite(coordination)
    assert Invitation.objects.get().expires_at == SENT_AT + datetime.timedelta(days=2)
    assert "avant le jeudi 12 mars 2026 à 10h00" in mail.outbox[0].body


@pytest.mark.parametrize("token", ["inconnu", "a" * 500, "é漢字"])
def test_an_unknown_link_is_a_clear_404(client, token):
    response = client.get(f"/invitation/{token}/")
    assert response.status_code == 404
    assert "Ce lien n'ouvre aucune invitation" in page_text(response)
    assert client.post(f"/invitation/{token}/", NEW_ACCOUNT).status_code == 404


def test_accepting_twice_at_the_same_moment_makes_one_member(link):
    invitation = invitations.find(link.split("/")[2], SENT_AT)
    invitations.accept(invitation, agent_user("ines", organisation=OrganisationFactory(slug="ailleurs")), SENT_AT)
    with pytest.raises(invitations.LinkUnusable) as unusable:
        invitations.accept(invitation, User(username="ines-bis"), SENT_AT)  # the slower click
    assert unusable.value.why == Invitation.ACCEPTED
    assert not User.objects.filter(username="ines-bis").exists()
    assert Membership.objects.filter(organisation__slug="paris", user__username="ines").count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"username": "NADIA"}, "Un utilisateur avec ce nom existe déjà."),
        ({"username": "ines duval"}, "Saisissez un nom d’utilisateur valide."),
        ({"password2": "une-autre-phrase-de-passe"}, "Les deux mots de passe ne correspondent pas."),
        ({"password1": "12345678", "password2": "12345678"}, "Ce mot de passe est trop court."),
        ({"password1": "ines.moreau.", "password2": "ines.moreau."}, "trop semblable"),
        ({"first_name": ""}, "Ce champ est obligatoire."),
    ],
)
def test_the_account_form_refuses_what_would_not_do(link, overrides, message):
    response = Client().post(link, NEW_ACCOUNT | overrides)
    assert response.status_code == 400
    assert message in page_text(response)
    assert not User.objects.filter(email="ines@example.org").exists()
    assert Invitation.objects.get().accepted_at is None  # the link still works


def test_the_suggested_username_is_a_free_one(coordination, agent, tuesday_morning):
    invite(coordination, email="camille@example.org")
    assert 'name="username" value="camille2"' in Client().get(link_in(mail.outbox[0])).content.decode()


@pytest.mark.parametrize(
    ("role", "two_factor_roles", "home", "enrols"),
    [
        (Role.COORDINATOR, ["coordinators"], "/coordination/", True),
        (Role.AGENT, ["coordinators"], "/agents/", False),
        (Role.AGENT, ["coordinators", "agents"], "/agents/", True),
    ],
)
def test_the_new_member_enrols_a_second_factor_first_when_their_role_needs_it(
    client, coordinator, settings, tuesday_morning, role, two_factor_roles, home, enrols
):
    settings.TWO_FACTOR_ROLES = two_factor_roles
    invitations.invite(OrganisationFactory(), "ines@example.org", role, coordinator, SENT_AT)
    link = link_in(mail.outbox[0])
    assert ("vous activerez la double authentification" in page_text(client.get(link))) is enrols
    assert client.post(link, NEW_ACCOUNT)["Location"] == home
    landing = client.get(home)
    if enrols:
        assert landing["Location"] == f"/connexion/double-authentification/activer/?next={home}"
        assert client.get(landing["Location"]).status_code == 200
    else:
        assert landing.status_code == 200


def test_someone_logged_in_with_the_invited_address_joins_with_their_own_account(client, link):
    ines = agent_user("ines-pimms", organisation=OrganisationFactory(slug="pimms"), email="Ines@example.org")
    client.force_login(ines)
    page = client.get(link)
    assert "Rejoindre avec mon compte" in page_text(page)
    assert 'name="password1"' not in page.content.decode()
    assert client.post(link)["Location"] == "/agents/"
    assert sorted(Membership.objects.filter(user=ines).values_list("organisation__slug", flat=True)) == [
        "paris",
        "pimms",
    ]
    assert User.objects.filter(email__iexact="ines@example.org").count() == 1


def test_without_being_logged_in_one_is_offered_to_log_in_first(link):
    client = Client()
    agent_user("ines-pimms", organisation=OrganisationFactory(slug="pimms"), email="ines@example.org")
    assert f'href="/connexion/?next={link}"' in client.get(link).content.decode()
    logged_in = client.post("/connexion/", {"username": "ines-pimms", "password": PASSWORD, "next": link})
    assert logged_in["Location"] == link
    assert "Rejoindre avec mon compte" in page_text(client.get(link))


def test_a_member_whose_membership_ended_gets_it_back(client, coordination, agent, tuesday_morning):
    agent.email = "camille@example.org"
    agent.save()
    membership = Membership.objects.get(user=agent)
    coordination.post(f"/coordination/equipe/membres/{membership.pk}/retirer/")
    later = SENT_AT + datetime.timedelta(days=30)
    tuesday_morning.move_to(later)
    invitations.invite(membership.organisation, "camille@example.org", Role.COORDINATOR, None, later)
    camille = Client()
    camille.force_login(agent)
    assert camille.get("/agents/").status_code == 403
    assert camille.post(link_in(mail.outbox[0]))["Location"] == "/coordination/"
    membership.refresh_from_db()
    assert (membership.ended_at, membership.role, membership.created_at) == (None, "coordinator", later)
    assert camille.get("/agents/").status_code == 200


def test_the_page_of_someone_logged_in_with_another_account_says_so(client, link, agent):
    client.force_login(agent)
    assert "Vous êtes connecté·e avec le compte camille, qui n'a pas l'adresse de cette invitation." in (
        page_text(client.get(link))
    )
    assert client.post(link, NEW_ACCOUNT)["Location"] == "/agents/"
    assert client.get("/agents/").wsgi_request.user.username == "ines"


def test_guessing_links_is_rate_limited_per_connection(client):
    for number in range(30):
        assert client.post(f"/invitation/essai-{number}/").status_code == 404
    limited = client.post("/invitation/essai-31/")
    assert limited.status_code == 429
    assert "Trop de demandes depuis cette connexion. Réessayez dans une heure." in page_text(limited)


def test_hostile_values_in_the_account_form_are_refused_with_a_message(coordinator):
    paris, now = OrganisationFactory(), timezone.now()
    for number, (field, hostile) in enumerate(
        (field, hostile) for field in ("first_name", "last_name", "username", "password1") for hostile in HOSTILE
    ):
        _invitation, token = invitations.invite(paris, f"personne{number}@example.org", Role.AGENT, coordinator, now)
        data = NEW_ACCOUNT | {"username": f"personne{number}", field: hostile}
        response = Client().post(f"/invitation/{token}/", data)
        assert response.status_code in (302, 400), (field, hostile[:20])
        assert response.status_code == 302 or told_why(response), (field, hostile[:20])
    _invitation, token = invitations.invite(paris, "encore@example.org", Role.AGENT, coordinator, now)
    assert Client().post(f"/invitation/{token}/", dict.fromkeys(NEW_ACCOUNT, "a" * 10_000)).status_code == 400
