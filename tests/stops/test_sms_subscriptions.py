"""Residents subscribe by SMS: a French mobile number, a code typed on the page, a short link to
leave that erases the number."""

import datetime
import html
import re

import pytest
import time_machine
from django.utils import timezone

from stops import notifications
from stops.models import SmsSent, Subscription, new_leave_code
from stops.schedule import PARIS
from tests.conftest import text_of as escaped_text_of
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

PHONE = "+33612345678"
NOON = datetime.datetime(2025, 3, 3, 12, tzinfo=PARIS)


def subscribe(client, phone="06 12 34 56 78", stop="nathalie-sarraute", ip="192.0.2.10", **extra):
    data = {"channel": "sms", "phone": phone, "stop": stop, "website": ""} | extra
    return client.post("/abonnement/", data, REMOTE_ADDR=ip)


def text_of(response):
    return html.unescape(escaped_text_of(response))


def code_of(sms_outbox):
    return re.search(r"\b(\d{6})\b", sms_outbox[-1].body).group(1)


def type_code(client, code, phone=PHONE):
    """As the code's page posts it: with the stop it was asked for, for a new code."""
    data = {"phone": phone, "code": code, "stop": "nathalie-sarraute"}
    return client.post("/abonnement/sms/code/", data, REMOTE_ADDR="192.0.2.10")


def test_the_stop_page_offers_mail_or_sms(client, tuesday_bus):
    text = text_of(client.get("/arrets/nathalie-sarraute/"))
    assert "Être prévenu par courriel ou par SMS" in text
    assert 'name="channel" value="sms"' in text
    assert 'type="tel"' in text
    assert 'action="/abonnement/sms/arreter/"' in text


def test_the_organisation_page_offers_sms_for_every_stop(client, tuesday_bus):
    text = text_of(client.get(tuesday_bus.organisation.get_absolute_url()))
    assert 'name="channel" value="sms"' in text


def test_without_sms_url_only_mail_is_offered(client, tuesday_bus, settings):
    settings.SMS_URL = ""
    assert 'value="sms"' not in text_of(client.get("/arrets/nathalie-sarraute/"))
    response = subscribe(client)
    assert response.status_code == 400
    assert not Subscription.objects.exists()


def test_subscribing_sends_only_a_code_and_the_right_code_confirms(client, tuesday_bus, sms_outbox):
    with time_machine.travel(NOON, tick=False):
        response = subscribe(client)
    assert response.status_code == 200
    assert "Tapez le code reçu par SMS" in text_of(response)
    subscription = Subscription.objects.get()
    assert (subscription.phone, subscription.email, subscription.confirmed_at) == (PHONE, "", None)
    (message,) = sms_outbox
    assert message.to == PHONE
    code = code_of(sms_outbox)
    assert code not in subscription.code_hash  # kept hashed
    assert message.body == (
        f"Mairie mobile - Ville de Paris: votre code de confirmation est {code}. Il est valable 15 minutes. "
        "Si vous n'avez rien demandé, ignorez ce SMS."
    )
    assert SmsSent.objects.get().kind == "code"  # counted against the budget
    with time_machine.travel(NOON + datetime.timedelta(minutes=14), tick=False):
        response = type_code(client, f" {code} ")
    assert response.status_code == 200
    assert "Abonnement par SMS confirmé" in text_of(response)
    subscription.refresh_from_db()
    assert subscription.confirmed_at == NOON + datetime.timedelta(minutes=14)
    assert subscription.code_hash == ""
    assert len(subscription.leave_code) == 9
    assert len(sms_outbox) == 1  # no other SMS


def test_a_wrong_code_says_how_many_tries_are_left_and_changes_nothing(client, tuesday_bus, sms_outbox):
    with time_machine.travel(NOON, tick=False):
        subscribe(client)
        wrong = "000000" if code_of(sms_outbox) != "000000" else "111111"
        response = type_code(client, wrong)
    assert response.status_code == 400
    assert "vous pouvez encore essayer 4 fois" in text_of(response)
    assert Subscription.objects.get().confirmed_at is None


def test_after_five_wrong_codes_the_code_is_void_and_a_new_one_can_be_asked(client, tuesday_bus, sms_outbox):
    with time_machine.travel(NOON, tick=False):
        subscribe(client)
        code = code_of(sms_outbox)
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(4):
            type_code(client, wrong)
        assert "c'était le dernier essai" in text_of(type_code(client, wrong))
        response = type_code(client, code)  # the right one, too late
        assert response.status_code == 400
        assert "Ce code ne marche plus" in text_of(response)
        assert Subscription.objects.get().confirmed_at is None
        subscribe(client, ip="192.0.2.11")  # « Recevoir un nouveau code »
        assert type_code(client, code_of(sms_outbox)).status_code == 200
    assert Subscription.objects.get().confirmed_at is not None


def test_a_code_expires_after_15_minutes(client, tuesday_bus, sms_outbox):
    with time_machine.travel(NOON, tick=False):
        subscribe(client)
    with time_machine.travel(NOON + datetime.timedelta(minutes=15, seconds=1), tick=False):
        response = type_code(client, code_of(sms_outbox))
    assert response.status_code == 400
    assert "il avait plus de 15 minutes" in text_of(response)
    assert Subscription.objects.get().confirmed_at is None
    # The way on is on the page: a new code for the same stop, and the field said to be wrong.
    assert "Recevoir un nouveau code" in text_of(response)
    assert 'name="stop" value="nathalie-sarraute"' in text_of(response)
    assert 'aria-invalid="true" aria-describedby="sms-code-problem"' in text_of(response)


def test_a_new_code_voids_the_old_one(client, tuesday_bus, sms_outbox):
    subscribe(client)
    first = code_of(sms_outbox)
    subscribe(client)
    second = code_of(sms_outbox)
    if first != second:
        assert type_code(client, first).status_code == 400
    assert type_code(client, second).status_code == 200


def test_one_code_confirms_every_stop_the_number_asked_for(client, tuesday_bus, sms_outbox):
    subscribe(client)
    subscribe(client, stop="", organisation="paris", ip="192.0.2.11")
    assert type_code(client, code_of(sms_outbox)).status_code == 200
    assert Subscription.objects.filter(confirmed_at__isnull=False).count() == 2


@pytest.mark.parametrize(
    ("phone", "said"),
    [
        ("01 42 76 40 40", "Ce numéro n'est pas un mobile"),
        ("06 12 AB 56 78", "Tapez seulement les chiffres"),
        ("+44 7911 123456", "numéros français seulement"),
        ("06 12 34", "Ce numéro n'existe pas"),
        ("", "Tapez votre numéro de mobile"),
        ("0" * 40, "Tapez seulement les chiffres"),
    ],
)
def test_a_number_that_is_no_french_mobile_is_refused_in_french(client, tuesday_bus, sms_outbox, phone, said):
    response = subscribe(client, phone=phone)
    assert response.status_code == 400
    assert said in text_of(response)
    assert not Subscription.objects.exists()
    assert sms_outbox == []


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0612345678", PHONE),
        ("+33 7 81 34 56 78", "+33781345678"),
        ("0690 12 34 56", "+590690123456"),
        ("0692 12 34 56", "+262692123456"),
    ],
)
def test_french_mobiles_and_overseas_ones_are_stored_in_e164(client, tuesday_bus, sms_outbox, typed, stored):
    assert subscribe(client, phone=typed).status_code == 200
    assert Subscription.objects.get().phone == stored


@pytest.mark.parametrize("code", ["12345", "abcdef", "1234567", ""])
def test_a_code_that_is_not_six_digits_is_refused(client, tuesday_bus, sms_outbox, code):
    subscribe(client)
    response = type_code(client, code)
    assert response.status_code == 400
    assert Subscription.objects.get().confirmed_at is None


def test_codes_are_limited_per_number_whatever_the_connection(client, tuesday_bus, sms_outbox):
    for n in range(3):
        assert subscribe(client, ip=f"192.0.2.{n}").status_code == 200
    response = subscribe(client, ip="192.0.2.99", phone="+33 6 12 34 56 78")
    assert response.status_code == 429
    assert len(sms_outbox) == 3


def test_typing_codes_is_limited_per_connection(client, tuesday_bus, sms_outbox):
    subscribe(client)
    for _ in range(20):
        type_code(client, "000000")
    assert type_code(client, code_of(sms_outbox)).status_code == 429


def test_without_sms_left_this_month_no_code_is_sent(client, tuesday_bus, sms_outbox):
    paris = tuesday_bus.organisation
    paris.sms_monthly_budget = 0
    paris.save()
    response = subscribe(client)
    assert response.status_code == 503
    assert "Abonnez-vous par courriel" in text_of(response)
    assert sms_outbox == []
    assert not Subscription.objects.exists()


def test_unconfirmed_numbers_are_purged_like_addresses(tuesday_bus, sms_outbox):
    with time_machine.travel(NOON, tick=False):
        notifications.subscribe_by_sms(PHONE, tuesday_bus, tuesday_bus.organisation)
    assert notifications.purge_unconfirmed(NOON + datetime.timedelta(days=29)) == 0
    assert notifications.purge_unconfirmed(NOON + datetime.timedelta(days=31)) == 1
    assert not Subscription.objects.exists()


def test_a_subscription_is_by_mail_or_by_sms_never_both_nor_neither(tuesday_bus):
    from django.db import IntegrityError, transaction

    for fields in ({"email": "a@example.org", "phone": PHONE}, {}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Subscription.objects.create(stop=tuesday_bus, **fields)


# Leaving ----------------------------------------------------------------------------------------


@pytest.fixture
def by_sms(tuesday_bus):
    other = OrganisationFactory(slug="pimms-libercourt", departement="62")
    Subscription.objects.create(phone=PHONE, stop=None, organisation=other, confirmed_at=timezone.now())
    return Subscription.objects.create(
        phone=PHONE, stop=tuesday_bus, confirmed_at=timezone.now(), leave_code=new_leave_code()
    )


def test_the_link_of_an_sms_asks_before_it_stops_anything(client, by_sms):
    page = client.get(f"/d/{by_sms.leave_code}")
    assert page.status_code == 200
    assert Subscription.objects.count() == 2  # a link scanner's GET stops nothing
    assert f'action="/d/{by_sms.leave_code}"' in text_of(page)
    response = client.post(f"/d/{by_sms.leave_code.upper()}/")  # typed with capitals
    assert response.status_code == 200
    assert "votre numéro a été effacé" in text_of(response)
    assert not Subscription.objects.filter(phone=PHONE).exists()  # every subscription, and the number
    assert client.get(f"/d/{by_sms.leave_code}/").status_code == 404


def test_an_unknown_leave_link_is_a_404(client, by_sms):
    assert client.get("/d/zzzzzzzzz/").status_code == 404
    assert client.post("/d/zzzzzzzzz/").status_code == 404
    assert Subscription.objects.count() == 2


def test_guessing_leave_links_is_rate_limited(client, by_sms):
    for n in range(30):
        client.post(f"/d/{n:09d}/", REMOTE_ADDR="192.0.2.50")
    assert client.post(f"/d/{by_sms.leave_code}/", REMOTE_ADDR="192.0.2.50").status_code == 429
    assert Subscription.objects.count() == 2


def test_a_number_typed_on_the_stop_page_stops_its_sms_and_reveals_nothing(client, by_sms):
    said = "Si ce numéro était abonné, il ne recevra plus de SMS."
    unknown = client.post("/abonnement/sms/arreter/", {"phone": "07 81 76 54 32"})
    assert unknown.status_code == 200
    assert said in text_of(unknown)
    response = client.post("/abonnement/sms/arreter/", {"phone": "06 12 34 56 78"})
    assert response.status_code == 200
    assert said in text_of(response)
    assert not Subscription.objects.exists()


def test_a_wrong_number_to_stop_is_said_in_french(client, by_sms):
    response = client.post("/abonnement/sms/arreter/", {"phone": "bonjour"})
    assert response.status_code == 400
    assert "Tapez seulement les chiffres" in text_of(response)
    assert Subscription.objects.count() == 2


def test_what_is_left_in_the_field_of_the_other_channel_does_not_count(client, tuesday_bus, sms_outbox):
    assert subscribe(client, email="pas une adresse").status_code == 200
    assert Subscription.objects.get().email == ""
    response = client.post(
        "/abonnement/",
        {"channel": "email", "email": "resident@example.org", "phone": "bonjour", "stop": "nathalie-sarraute"},
    )
    assert response.status_code == 200
    assert Subscription.objects.filter(email="resident@example.org").exists()
