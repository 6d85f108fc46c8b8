"""Residents subscribe to a stop's changes: double opt-in, one-click unsubscribe, no abuse."""

import datetime
import re
from email.utils import formataddr, parseaddr

import pytest
import time_machine
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from organisations.models import Organisation
from stops import notifications
from stops.models import Subscription
from tests.conftest import text_of
from tests.factories import OrganisationFactory, StopFactory
from tests.smtp import start_sink

pytestmark = pytest.mark.django_db


def subscribe(client, email="resident@example.org", stop="nathalie-sarraute", **extra):
    return client.post("/abonnement/", {"email": email, "stop": stop, "website": ""} | extra, REMOTE_ADDR="192.0.2.10")


def test_the_stop_page_offers_to_subscribe(client, tuesday_bus):
    text = text_of(client.get("/arrets/nathalie-sarraute/"))
    assert 'action="/abonnement/"' in text
    assert 'name="stop" value="nathalie-sarraute"' in text


@override_settings(TIMETABLE_GROUP_THRESHOLD=0)
def test_from_the_commune_index_a_link_leads_to_the_form_for_every_stop(client, tuesday_bus):
    index = client.get("/").content.decode()
    assert "csrfmiddlewaretoken" not in index
    assert 'href="/abonnement/">vous abonner aux changements de tous les arrêts</a>' in index

    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get("/abonnement/")
    assert page.status_code == 200
    assert visitor.head("/abonnement/").status_code == 200
    text = text_of(page)
    assert "Vérifiez votre adresse" not in text
    assert "pour tous les arrêts" in text
    assert '<input type="hidden" name="stop" id="id_stop">' in text  # no stop: every stop
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)
    response = subscribe(visitor, stop="", csrfmiddlewaretoken=token)
    assert response.status_code == 200
    assert Subscription.objects.get().stop is None


def test_subscribing_sends_only_the_confirmation_mail(client, tuesday_bus):
    response = subscribe(client)
    assert response.status_code == 200
    assert "Vérifiez votre boîte aux lettres électronique." in text_of(response)
    subscription = Subscription.objects.get()
    assert (subscription.email, subscription.stop, subscription.confirmed_at) == (
        "resident@example.org",
        tuesday_bus,
        None,
    )
    (message,) = mail.outbox
    assert message.to == ["resident@example.org"]
    assert message.subject == "Confirmez votre abonnement aux horaires de la Mairie mobile"
    assert f"/abonnement/confirmer/{subscription.confirmation_token}/" in message.body
    assert "- de l'arrêt « Bus Mairie mobile – Esplanade Nathalie Sarraute »\n" in message.body  # no HTML escaping
    assert "Il confirme cet abonnement, et aucun autre." in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Confirmer mon abonnement" in html
    assert message.extra_headers["List-Unsubscribe"] == (
        f"<http://127.0.0.1:8000/abonnement/desabonner/{subscription.token}/>"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_subscribing_to_every_stop(client, tuesday_bus):
    page = text_of(subscribe(client, stop=""))
    assert Subscription.objects.get().stop is None
    assert "Retour à la page de Mairie mobile – Ville de Paris" in page  # back where the form was
    assert "- de tous les arrêts de « Mairie mobile – Ville de Paris »\n" in mail.outbox[0].body


def test_confirmation_is_a_page_then_a_button(client, tuesday_bus):
    subscribe(client)
    subscription = Subscription.objects.get()
    page = client.get(f"/abonnement/confirmer/{subscription.confirmation_token}/")
    assert "Confirmer mon abonnement" in text_of(page)
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None  # a link scanner opening the link confirms nothing
    response = client.post(f"/abonnement/confirmer/{subscription.confirmation_token}/")
    assert "Abonnement confirmé" in text_of(response)
    subscription.refresh_from_db()
    assert subscription.confirmed_at is not None


def test_an_unknown_confirmation_link_is_404(client):
    assert client.get("/abonnement/confirmer/inconnu/").status_code == 404
    assert client.post("/abonnement/confirmer/inconnu/").status_code == 404


def test_one_click_unsubscribe_deletes_the_address(tuesday_bus):
    from django.test import Client

    subscription = Subscription.objects.create(email="a@example.org", stop=tuesday_bus, confirmed_at=timezone.now())
    mail_client = Client(enforce_csrf_checks=True)  # a mail client posts without any CSRF token
    response = mail_client.post(f"/abonnement/desabonner/{subscription.token}/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not Subscription.objects.filter(email="a@example.org").exists()
    again = mail_client.post(f"/abonnement/desabonner/{subscription.token}/", {"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200


def test_the_unsubscribe_link_opens_a_page_with_a_button(client, tuesday_bus):
    subscription = Subscription.objects.create(email="a@example.org", stop=tuesday_bus)
    text = text_of(client.get(f"/abonnement/desabonner/{subscription.token}/"))
    assert "Me désabonner" in text
    assert Subscription.objects.exists()


def test_an_address_gets_one_confirmation_mail_a_day(client, tuesday_bus):
    subscribe(client)
    client.post(re.search(r"/abonnement/confirmer/[\w-]+/", mail.outbox[0].body)[0])  # answered at once
    for _ in range(5):
        subscribe(client, email="RESIDENT@example.org ", stop="")
    assert len(mail.outbox) == 1  # not twice the same day
    assert notifications.send_waiting_confirmations() == 0
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
        assert notifications.send_waiting_confirmations() == 1
    assert len(mail.outbox) == 2
    assert "- de tous les arrêts de « Mairie mobile – Ville de Paris »\n" in mail.outbox[1].body


def test_an_unanswered_mail_is_sent_again_only_when_the_form_is_posted_again(client, tuesday_bus):
    subscribe(client)
    subscribe(client, stop="")  # the same day: waits
    first_link = re.search(r"/abonnement/confirmer/[\w-]+/", mail.outbox[0].body)[0]
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
        assert notifications.send_waiting_confirmations() == 0  # nobody answered: nothing more by itself
        assert len(mail.outbox) == 1
        subscribe(client)  # the mail was lost: the person asks again
    assert len(mail.outbox) == 2
    assert "Il confirme ces 2 abonnements, et aucun autre." in mail.outbox[1].body
    assert client.get(first_link).status_code == 404  # replaced by the new one
    assert "Ce lien ne confirme plus rien" in text_of(client.get(first_link))


def test_an_address_the_mail_server_refuses_is_said_and_not_kept(client, tuesday_bus, settings):
    sink, controller, port = start_sink()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    try:
        response = subscribe(client, email="refuse@example.org")
        assert response.status_code == 400
        assert "Le serveur de courriel refuse cette adresse" in text_of(response)
        assert not Subscription.objects.exists()
        # Waiting ones: a refused address does not hold up the others.
        Subscription.objects.create(email="a-refuse@example.org", stop=tuesday_bus)
        Subscription.objects.create(email="b@example.org", stop=tuesday_bus)
        assert notifications.send_waiting_confirmations() == 1
    finally:
        controller.stop()
    assert [envelope.rcpt_tos for envelope in sink.messages] == [["b@example.org"]]
    assert list(Subscription.objects.values_list("email", flat=True)) == ["b@example.org"]


def test_a_confirmation_confirms_only_what_its_mail_named(client, tuesday_bus):
    ney = StopFactory(name="Boulevard Ney", slug="ney")
    subscribe(client)  # the mail of the day names this one
    for stop in ("ney", ""):  # then these: no mail today
        subscribe(client, stop=stop)
    (first,) = mail.outbox
    assert "Bus Mairie mobile" in first.body
    assert "Boulevard Ney" not in first.body  # not "Ney": the link's random code may hold it
    assert "tous les arrêts" not in first.body
    link = re.search(r"/abonnement/confirmer/[\w-]+/", first.body)[0]
    page = text_of(client.get(link))
    assert "Bus Mairie mobile" in page
    assert "Boulevard Ney" not in page  # not "Ney": the CSRF token may hold it
    confirmed = text_of(client.post(link))
    assert Subscription.objects.confirmed().get().stop == tuesday_bus  # that one only
    assert "Vous avez aussi demandé ces abonnements, que ce courriel ne nommait pas encore" in confirmed
    assert "Boulevard Ney" in confirmed
    assert "tous les arrêts de « Mairie mobile – Ville de Paris »" in confirmed

    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
        assert notifications.send_waiting_confirmations() == 1  # what beat does every hour
    second = mail.outbox[1]
    assert second.subject == "Confirmez vos abonnements aux horaires de la Mairie mobile"
    assert "- de l'arrêt « Boulevard Ney »\n- de tous les arrêts de « Mairie mobile – Ville de Paris »\n" in second.body
    assert "Il confirme ces 2 abonnements, et aucun autre." in second.body
    link = re.search(r"/abonnement/confirmer/[\w-]+/", second.body)[0]
    assert "Confirmer mes 2 abonnements" in text_of(client.get(link))
    client.post(link)
    assert Subscription.objects.confirmed().count() == 3
    assert {s.stop for s in Subscription.objects.filter(confirmation_token=link.split("/")[3])} == {ney, None}


def test_a_link_sent_before_mails_named_their_subscriptions_confirms_its_own(client, tuesday_bus):
    """Mails sent by the earlier version carried the subscription's own token (migration 0009)."""
    mine = Subscription.objects.create(email="a@example.org", stop=tuesday_bus, confirmation_sent_at=timezone.now())
    mine.confirmation_token = mine.token
    mine.save()
    other = Subscription.objects.create(email="a@example.org", stop=None, organisation=OrganisationFactory())
    client.post(f"/abonnement/confirmer/{mine.token}/")
    assert list(Subscription.objects.confirmed()) == [mine]
    other.refresh_from_db()
    assert other.confirmed_at is None


def test_what_nobody_confirmed_is_erased_thirty_days_after_its_mail_with_what_waited_for_it(client, tuesday_bus):
    Subscription.objects.create(email="confirme@example.org", stop=tuesday_bus, confirmed_at=timezone.now())
    start = timezone.now()
    subscribe(client)  # mailed, never answered
    with time_machine.travel(start + datetime.timedelta(hours=12)):
        subscribe(client, stop="")  # the same day: waits for the first one to be answered
    with time_machine.travel(start + datetime.timedelta(days=29)):
        assert notifications.purge_unconfirmed() == 0
    with time_machine.travel(start + datetime.timedelta(days=31)):
        assert notifications.purge_unconfirmed() == 2
        assert notifications.send_waiting_confirmations() == 0  # no mail for the one that waited
    assert list(Subscription.objects.values_list("email", flat=True)) == ["confirme@example.org"]


def four_subscriptions(tuesday_bus):
    stops = [tuesday_bus, StopFactory(name="Boulevard Ney"), StopFactory(name="Championnet"), None]
    now = timezone.now()
    return [
        Subscription.objects.create(
            email="a@example.org", stop=stop, organisation=None if stop else OrganisationFactory(), confirmed_at=now
        )
        for stop in stops
    ]


def test_leaving_one_of_four_subscriptions_keeps_the_address_for_the_others_and_says_so(client, tuesday_bus):
    first, *others = four_subscriptions(tuesday_bus)
    page = text_of(client.get(f"/abonnement/desabonner/{first.token}/"))
    assert "Elle est aussi abonnée à" in page
    assert "Me désabonner de « Bus Mairie mobile – Esplanade Nathalie Sarraute » seulement" in page
    assert "Me désabonner de tout et effacer mon adresse" in page
    response = text_of(client.post(f"/abonnement/desabonner/{first.token}/", {"what": "this"}))
    assert "Vous ne recevrez plus de courriel sur les horaires de « Bus Mairie mobile" in response
    assert "Votre adresse reste enregistrée pour vos autres abonnements" in response
    assert "Boulevard Ney" in response
    assert "effacée" not in response
    assert list(Subscription.objects.order_by("pk")) == others


def test_the_unsubscribe_pages_say_which_other_subscriptions_are_not_confirmed_yet(client, tuesday_bus):
    mine = Subscription.objects.create(email="a@example.org", stop=tuesday_bus, confirmed_at=timezone.now())
    Subscription.objects.create(email="a@example.org", stop=None, organisation=OrganisationFactory())
    assert "tous les arrêts de « Mairie mobile – Ville de Paris » (pas encore confirmé)" in text_of(
        client.get(f"/abonnement/desabonner/{mine.token}/")
    )
    left = text_of(client.post(f"/abonnement/desabonner/{mine.token}/", {"what": "this"}))
    assert "tous les arrêts de « Mairie mobile – Ville de Paris » (pas encore confirmé)" in left


def test_leaving_everything_erases_the_address_and_says_how_many(client, tuesday_bus):
    subscriptions = four_subscriptions(tuesday_bus)
    response = text_of(client.post(f"/abonnement/desabonner/{subscriptions[2].token}/", {"what": "all"}))
    assert "Vous êtes désabonné de vos 4 abonnements" in response
    assert "votre adresse a été effacée" in response
    assert not Subscription.objects.exists()
    again = text_of(client.get(f"/abonnement/desabonner/{subscriptions[0].token}/"))
    assert "vous vous êtes déjà désabonné" in again


def test_a_mail_clients_one_click_leaves_that_subscription_only(tuesday_bus):
    first, *others = four_subscriptions(tuesday_bus)
    mail_client = Client(enforce_csrf_checks=True)
    mail_client.post(f"/abonnement/desabonner/{first.token}/", {"List-Unsubscribe": "One-Click"})
    assert list(Subscription.objects.order_by("pk")) == others


def test_a_confirmed_address_is_not_asked_again(client, tuesday_bus):
    Subscription.objects.create(email="resident@example.org", stop=tuesday_bus, confirmed_at=timezone.now())
    subscribe(client)
    assert mail.outbox == []


def test_the_form_is_rate_limited_per_connection(client, tuesday_bus):
    for n in range(10):
        assert subscribe(client, email=f"r{n}@example.org").status_code == 200
    response = subscribe(client, email="r11@example.org")
    assert response.status_code == 429
    assert "Trop de demandes depuis cette connexion" in text_of(response)
    assert Subscription.objects.count() == 10


def test_robots_filling_the_hidden_field_get_nothing(client, tuesday_bus):
    response = subscribe(client, website="http://spam.example")
    assert response.status_code == 200
    assert not Subscription.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("data", "status"),
    [({"email": "pas-une-adresse"}, 400), ({"stop": "inconnu"}, 400), ({"email": ""}, 400)],
)
def test_bad_input_changes_nothing(client, tuesday_bus, data, status):
    response = subscribe(client, **data)
    assert response.status_code == status
    assert not Subscription.objects.exists()
    assert mail.outbox == []


def test_a_mail_server_down_is_said_and_the_address_can_try_again(client, tuesday_bus, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    response = subscribe(client)
    assert response.status_code == 503
    assert "n'a pas pu partir" in text_of(response)
    assert Subscription.objects.get().confirmation_sent_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    assert notifications.send_waiting_confirmations() == 1  # what beat does every hour
    assert mail.outbox[0].to == ["resident@example.org"]


def test_the_stop_page_can_subscribe_to_every_stop(client, tuesday_bus):
    assert "Prévenez-moi pour tous les arrêts" in text_of(client.get("/arrets/nathalie-sarraute/"))
    subscribe(client, every_stop="on")
    assert Subscription.objects.get().stop is None


@pytest.mark.parametrize("action", ["confirmer", "desabonner"])
def test_guessing_tokens_is_rate_limited_per_connection(client, action):
    for n in range(30):
        assert client.post(f"/abonnement/{action}/essai-{n}/").status_code in (200, 404)
    response = client.post(f"/abonnement/{action}/essai-31/")
    assert response.status_code == 429
    assert "Trop de demandes depuis cette connexion" in text_of(response)


def test_a_confirmation_goes_out_under_the_organisations_sender_name(client, tuesday_bus, settings):
    Organisation.objects.filter(pk=tuesday_bus.organisation_id).update(contact_email="mairie-mobile@paris.fr")
    subscribe(client)
    (message,) = mail.outbox
    assert message.from_email == formataddr(
        ("Mairie mobile – Ville de Paris", parseaddr(settings.DEFAULT_FROM_EMAIL)[1])
    )
    assert "\nMairie mobile – Ville de Paris\nNous joindre : mairie-mobile@paris.fr\n" in message.body


def test_a_confirmation_about_two_organisations_goes_out_under_the_platforms_name_with_both_contacts(
    tuesday_bus, settings
):
    settings.DEFAULT_FROM_EMAIL = "Mairie mobile <ne-pas-repondre@mairie-mobile.example>"
    Organisation.objects.filter(pk=tuesday_bus.organisation_id).update(
        sender_name="Ville de Paris", contact_phone="3975", contact_email="mairie-mobile@paris.fr"
    )
    pimms = OrganisationFactory(slug="pimms-libercourt", name="PIMMS mobile de Libercourt", contact_phone="03 21 00")
    Subscription.objects.create(email="a@example.org", stop=tuesday_bus)
    Subscription.objects.create(email="a@example.org", stop=None, organisation=pimms)
    assert len(notifications.ask_to_confirm("a@example.org")) == 2
    (message,) = mail.outbox
    assert message.from_email == "Mairie mobile <ne-pas-repondre@mairie-mobile.example>"
    assert (
        "\nMairie mobile\nNous joindre :\n"
        "- Mairie mobile – Ville de Paris : 3975 · mairie-mobile@paris.fr\n"
        "- PIMMS mobile de Libercourt : 03 21 00\n"
    ) in message.body
    html, _mimetype = message.alternatives[0]
    assert "<li>PIMMS mobile de Libercourt : " in html
    assert '<a href="tel:3975" style="color:#0b57b3">3975</a>' in html


def test_without_a_name_in_the_from_address_the_platform_is_the_mairie_mobile(tuesday_bus, settings):
    settings.DEFAULT_FROM_EMAIL = "ne-pas-repondre@mairie-mobile.example"
    pimms = OrganisationFactory(slug="pimms-libercourt", name="PIMMS mobile de Libercourt")
    Subscription.objects.create(email="a@example.org", stop=tuesday_bus)
    Subscription.objects.create(email="a@example.org", stop=None, organisation=pimms)
    notifications.ask_to_confirm("a@example.org")
    assert mail.outbox[0].from_email == "Mairie mobile <ne-pas-repondre@mairie-mobile.example>"
