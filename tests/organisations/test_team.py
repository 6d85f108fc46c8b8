"""The coordinator's team page (/coordination/equipe/): members, invitations, the end of a membership."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from mairie_mobile.models import AuditEvent
from organisations import invitations
from organisations.models import Invitation, Membership, Role
from tests.conftest import SESSION_QUERIES
from tests.factories import InvitationFactory, OrganisationFactory, VisitFactory, agent_user, coordinator_user
from tests.organisations.conftest import NEW_ACCOUNT, SENT_AT, invite, link_in, page_text, told_why
from tests.smtp import start_sink
from tests.test_hostile_input import HOSTILE

pytestmark = pytest.mark.django_db


@pytest.fixture
def pimms():
    return OrganisationFactory(slug="pimms-libercourt", name="PIMMS mobile de Libercourt", departement="62")


def audit_lines(action):
    return list(AuditEvent.objects.filter(action=action).values_list("summary", flat=True))


def test_the_team_page_lists_the_members_with_their_role_and_since_when(coordination, agent, tuesday_morning):
    Membership.objects.filter(user=agent).update(created_at=datetime.datetime(2025, 9, 1, 9, tzinfo=datetime.UTC))
    response = coordination.get("/coordination/equipe/")
    text = page_text(response)
    assert "Camille Martin (identifiant camille) : Agent, depuis le 1 septembre 2025 · Retirer de l'équipe" in text
    assert "Nadia Durand (identifiant nadia) : Coordination, depuis le" in text
    assert "Aucune invitation en attente." in text
    assert 'name="organisation"' not in response.content.decode()  # one organisation: nothing to choose
    assert "Équipe : membres et invitations" in page_text(coordination.get("/coordination/"))


def test_an_invitation_is_mailed_listed_and_journaled(coordination, coordinator, tuesday_morning):
    response = invite(coordination, email=" Ines@Example.org ", role="coordinator")
    assert response.status_code == 302
    assert "Invitation envoyée à ines@example.org, valable jusqu'au 17 mars 2026." in page_text(
        coordination.get(response["Location"])
    )
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "ines@example.org",
        "coordinator",
        coordinator,
    )
    assert invitation.expires_at == SENT_AT + datetime.timedelta(days=7)
    token = link_in(mail.outbox[0]).split("/")[2]
    assert token not in invitation.token_hash  # only its hash is kept
    assert len(invitation.token_hash) == 64
    page = page_text(coordination.get("/coordination/equipe/"))
    assert "ines@example.org : Coordination, lien valable jusqu'au 17 mars 2026 à 10h00 Annuler l'invitation" in page
    assert audit_lines(AuditEvent.Action.INVITATION_SENT) == [
        "Invitation de ines@example.org à Mairie mobile – Ville de Paris, rôle « Coordination »"
    ]


def test_the_mail_says_who_invites_where_as_what_and_until_when(coordination, settings, tuesday_morning):
    settings.SITE_URL = "https://mairie-mobile.example.fr"
    invite(coordination)
    (message,) = mail.outbox
    assert message.to == ["ines@example.org"]
    assert message.subject == "Invitation à rejoindre l'équipe de Mairie mobile – Ville de Paris"
    body = " ".join(message.body.split())
    assert (
        "Nadia Durand vous invite à rejoindre l'équipe de Mairie mobile – Ville de Paris, avec le rôle « Agent »."
        in body
    )
    assert "Les agents accueillent les visiteurs" in body
    assert "ouvrez ce lien avant le mardi 17 mars 2026 à 10h00 : https://mairie-mobile.example.fr/invitation/" in body
    assert "double authentification" not in body  # not asked of agents here
    html, _type = message.alternatives[0]
    assert f'href="https://mairie-mobile.example.fr{link_in(message)}"' in html
    assert "valable jusqu'au mardi 17 mars 2026 à 10h00" in html


def test_the_mail_to_a_coordinator_announces_the_second_factor(coordinator, settings, tuesday_morning):
    settings.TWO_FACTOR_ROLES = ["coordinators"]
    paris = OrganisationFactory()
    invitations.invite(paris, "ines@example.org", Role.COORDINATOR, coordinator, SENT_AT)
    invitations.invite(paris, "yanis@example.org", Role.AGENT, coordinator, SENT_AT)
    to_coordinator, to_agent = mail.outbox
    assert "Ensuite, vous activerez la double authentification" in to_coordinator.body
    assert "double authentification" not in to_agent.body


def test_a_current_member_is_not_invited_again(coordination, tuesday_morning):
    agent_user("camille", email="camille@example.org")
    response = invite(coordination, email="CAMILLE@example.org")
    assert response.status_code == 400
    assert "camille@example.org est déjà membre de Mairie mobile – Ville de Paris." in page_text(response)
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_inviting_again_replaces_the_pending_link(coordination, tuesday_morning):
    invite(coordination)
    invite(coordination, role="coordinator")
    first, second = (link_in(message) for message in mail.outbox)
    anonymous = Client()
    assert anonymous.get(first).status_code == 410
    assert "remplacée par une plus récente" in page_text(anonymous.get(first))
    assert "« Coordination »" in page_text(anonymous.get(second))
    assert page_text(coordination.get("/coordination/equipe/")).count("Annuler l'invitation : ines@example.org") == 1


def test_a_cancelled_invitation_opens_nothing(coordination, tuesday_morning):
    invite(coordination)
    invitation = Invitation.objects.get()
    response = coordination.post(f"/coordination/equipe/invitations/{invitation.pk}/annuler/", follow=True)
    assert "Invitation de ines@example.org annulée : son lien ne sert plus." in page_text(response)
    assert "Aucune invitation en attente." in page_text(response)
    assert Client().get(link_in(mail.outbox[0])).status_code == 410
    again = coordination.post(f"/coordination/equipe/invitations/{invitation.pk}/annuler/", follow=True)
    assert "Cette invitation n'est plus en attente" in page_text(again)
    assert len(audit_lines(AuditEvent.Action.INVITATION_CANCELLED)) == 1


def test_with_the_mail_server_down_no_invitation_is_kept_and_the_page_says_so(coordination, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    response = invite(coordination)
    assert response.status_code == 503
    assert "Le courriel d'invitation n'a pas pu partir" in page_text(response)
    assert "Aucune invitation n'a été enregistrée." in page_text(response)
    assert 'value="ines@example.org"' in response.content.decode()  # to send again as it is
    assert not Invitation.objects.exists()
    assert not audit_lines(AuditEvent.Action.INVITATION_SENT)


def test_an_address_the_mail_server_refuses_is_said_and_nothing_kept(coordination, settings):
    sink, controller, port = start_sink()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    try:
        refused = invite(coordination, email="refuse@example.org")
        accepted = invite(coordination, email="ines@example.org")
    finally:
        controller.stop()
    assert refused.status_code == 400
    assert "Le serveur de courriel refuse cette adresse : vérifiez-la." in page_text(refused)
    assert accepted.status_code == 302
    assert list(Invitation.objects.values_list("email", flat=True)) == ["ines@example.org"]
    assert [envelope.rcpt_tos for envelope in sink.messages] == [["ines@example.org"]]
    assert b"/invitation/" in sink.messages[0].content


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "pas-une-adresse"}, "Saisissez une adresse de courriel valide."),
        ({"email": ""}, "Ce champ est obligatoire."),
        ({"role": "administrateur"}, "Sélectionnez un choix valide."),
        ({"email": "a" * 300 + "@example.org"}, "au plus 254 caractères"),
    ],
)
def test_a_bad_invitation_form_is_refused_next_to_its_field(coordination, data, message):
    response = coordination.post("/coordination/equipe/", {"email": "ines@example.org", "role": "agent"} | data)
    assert response.status_code == 400
    assert message in page_text(response)
    assert not Invitation.objects.exists()


def test_a_coordinator_of_several_organisations_chooses_where_to_invite(client, pimms, tuesday_morning):
    nadia = coordinator_user("nadia")
    Membership.objects.create(user=nadia, organisation=pimms, role=Role.COORDINATOR)
    client.force_login(nadia)
    page = page_text(client.get("/coordination/equipe/"))
    assert "Choisissez la structure" in page
    assert invite(client, organisation="").status_code == 400
    other = OrganisationFactory(slug="ailleurs")
    assert invite(client, organisation=other.pk).status_code == 400  # not one of hers
    assert invite(client, organisation=pimms.pk).status_code == 302
    assert Invitation.objects.get().organisation == pimms
    assert "PIMMS mobile de Libercourt" in mail.outbox[0].subject
    only_pimms = page_text(client.get("/coordination/equipe/?structure=pimms-libercourt"))
    assert "ines@example.org" in only_pimms
    assert "nadia" in only_pimms
    assert "ines@example.org" not in page_text(client.get("/coordination/equipe/?structure=paris"))


def test_ending_a_membership_asks_first_then_keeps_it_as_ended(tuesday_morning, coordination, agent, coordinator):
    membership = Membership.objects.get(user=agent)
    url = f"/coordination/equipe/membres/{membership.pk}/retirer/"
    question = coordination.get(url)
    assert "Retirer Camille Martin de l'équipe ?" in page_text(question)
    membership.refresh_from_db()
    assert membership.ended_at is None  # a GET asks, changes nothing
    response = coordination.post(url, follow=True)
    assert "Camille Martin ne fait plus partie de l'équipe de Mairie mobile – Ville de Paris." in page_text(response)
    assert "(identifiant camille) : Agent, depuis le 10 mars 2026 hors de l'équipe depuis le 10 mars 2026" in (
        page_text(response)
    )
    membership.refresh_from_db()
    assert membership.ended_at == SENT_AT
    assert User.objects.filter(username="camille").exists()  # the account stays
    assert audit_lines(AuditEvent.Action.MEMBERSHIP_ENDED) == [
        "camille retiré·e de l'équipe de Mairie mobile – Ville de Paris (rôle « Agent »)"
    ]
    assert AuditEvent.objects.get(action=AuditEvent.Action.MEMBERSHIP_ENDED).user == coordinator
    assert "Cette personne ne fait déjà plus partie de l'équipe." in page_text(coordination.post(url))


def test_an_ended_agent_loses_access_at_the_next_request_and_keeps_their_visits(coordination, agent, tuesday_bus):
    visit = VisitFactory(stop=tuesday_bus, registered_by=agent)
    camille = Client()
    camille.force_login(agent)
    assert camille.get("/agents/").status_code == 200
    coordination.post(f"/coordination/equipe/membres/{Membership.objects.get(user=agent).pk}/retirer/")
    assert camille.get("/agents/").status_code == 403  # the same session, the next request
    visit.refresh_from_db()
    assert visit.registered_by == agent


def test_the_last_coordinator_cannot_end_their_own_membership(coordination, coordinator):
    own = Membership.objects.get(user=coordinator)
    url = f"/coordination/equipe/membres/{own.pk}/retirer/"
    question = coordination.get(url)
    assert "Vous êtes la dernière personne à coordonner Mairie mobile – Ville de Paris" in page_text(question)
    assert "<button" not in question.content.decode().split("<main")[1]
    refused = coordination.post(url)
    assert refused.status_code == 409
    own.refresh_from_db()
    assert own.ended_at is None
    coordinator_user("ines", first_name="Inès", last_name="Moreau")
    assert coordination.post(url).status_code == 302  # with another coordinator, one may leave
    own.refresh_from_db()
    assert own.ended_at is not None
    assert coordination.get("/coordination/equipe/").status_code == 403  # and it is at once effective


def test_the_national_administrator_may_not_end_the_last_coordinator_either(client, coordinator):
    client.force_login(User.objects.create_superuser("admin", "admin@example.org", "un-mot-de-passe-solide"))
    response = client.post(f"/coordination/equipe/membres/{Membership.objects.get(user=coordinator).pk}/retirer/")
    assert response.status_code == 409
    assert "Nadia Durand est la dernière personne à coordonner" in page_text(response)


def test_another_organisations_team_is_out_of_sight(pimms, agent, coordination, tuesday_morning):
    invite(coordination)
    invitation, membership = Invitation.objects.get(), Membership.objects.get(user=agent)
    client = Client()
    client.force_login(coordinator_user("yasmine", organisation=pimms, first_name="Yasmine", last_name="Haddad"))
    page = page_text(client.get("/coordination/equipe/"))
    assert "yasmine" in page
    assert "camille" not in page
    assert "nadia" not in page
    assert "ines@example.org" not in page
    assert client.get(f"/coordination/equipe/membres/{membership.pk}/retirer/").status_code == 404
    assert client.post(f"/coordination/equipe/membres/{membership.pk}/retirer/").status_code == 404
    assert client.post(f"/coordination/equipe/invitations/{invitation.pk}/annuler/").status_code == 404
    membership.refresh_from_db()
    invitation.refresh_from_db()
    assert (membership.ended_at, invitation.cancelled_at) == (None, None)


def test_the_national_administrator_invites_the_first_coordinator_of_a_new_organisation(client, pimms):
    admin = User.objects.create_superuser("admin", "admin@example.org", "un-mot-de-passe-solide")
    OrganisationFactory()  # Paris: the administrator chooses among every organisation
    client.force_login(admin)
    page = page_text(client.get("/coordination/equipe/"))
    assert "PIMMS mobile de Libercourt" in page
    with time_machine.travel(SENT_AT, tick=False):
        response = invite(client, email="direction@pimms.example.org", role="coordinator", organisation=pimms.pk)
        assert response.status_code == 302
        accepted = Client().post(
            link_in(mail.outbox[0]),
            {
                **NEW_ACCOUNT,
                "first_name": "Yasmine",
                "last_name": "Haddad",
                "username": "yasmine",
            },
        )
    assert accepted["Location"] == "/coordination/"
    membership = Membership.objects.get(organisation=pimms)
    assert (membership.user.username, membership.role, membership.ended_at) == ("yasmine", "coordinator", None)


def test_hostile_values_in_the_invitation_form_are_refused_with_a_message(coordination):
    for field in ("email", "role"):
        for hostile in HOSTILE:
            response = invite(coordination, **{field: hostile})
            assert response.status_code == 400, (field, hostile[:20])
            assert told_why(response), (field, hostile[:20])
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("count", [2, 20])
def test_the_team_page_queries_do_not_grow(coordination, count, django_assert_num_queries):
    paris = OrganisationFactory()
    for number in range(count):
        agent_user(f"agent{number}")
        InvitationFactory(organisation=paris)
    queries = (
        SESSION_QUERIES
        + 1  # the first two organisations one coordinates: is there a choice?
        + 2  # the members with their accounts and organisations, and how many there are
        + 1  # the pending invitations with their organisations
    )
    with django_assert_num_queries(queries):
        assert coordination.get("/coordination/equipe/").status_code == 200
