"""A Redis outage, made for real: a redis-server of the test's own, killed, hung, started again.

Redis is an accelerator and a mailbox: while it is down every page and form works and every
edit is saved at once; what Redis should have carried (the mails of a change, the news that
the schedule changed) goes through once it is back, exactly once.
"""

import datetime
import logging
import time

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from mairie_mobile import faults
from stops.models import Closure, LiveDay, Notification, ScheduleChange, StalePublicCache, Stop, Subscription
from stops.tasks import catch_up_public_cache, sweep_notifications
from tests.conftest import transactional
from tests.factories import PASSWORD, StopFactory, WeeklySlotFactory, pre_accueil
from tests.faults import RedisServer, use_redis
from tests.workers import queued_on_redis, wait_for, worker

pytestmark = transactional

PUBLIC_PAGES = [
    "/",
    "/arrets/nathalie-sarraute/",
    "/api/v1/stops",
    "/calendrier.ics",
    "/arrets/nathalie-sarraute/calendrier.ics",
    "/abonnement/",
]


@pytest.fixture
def redis_server(settings, tmp_path):
    """The app's cache, rate limits and Celery broker on a redis-server of this test alone."""
    server = RedisServer(str(tmp_path))
    server.start()
    use_redis(settings, server.url)
    settings.NOTIFICATION_DEBOUNCE_SECONDS = 0
    with queued_on_redis(server.url):
        yield server
    server.stop()


@pytest.fixture
def subscriber(tuesday_bus):
    return Subscription.objects.create(email="resident@example.org", stop=tuesday_bus, confirmed_at=timezone.now())


def coming_tuesday():
    today = timezone.localdate()
    return today + datetime.timedelta(days=(1 - today.weekday()) % 7 or 7)


def openings_url(day):
    return f"/api/v1/openings?start={day}&end={day}&stop=nathalie-sarraute"


def statuses(client, day):
    return {opening["status"] for opening in client.get(openings_url(day)).json()}


def past_the_retry_window():
    """Later than the next try of a server seen down: the app asks Redis again."""
    return time_machine.travel(time.time() + faults.RETRY_SECONDS + 1)


def outage_logs(caplog):
    return [record for record in caplog.records if record.name == "mairie_mobile.faults"]


def test_with_redis_killed_pages_forms_and_edits_work_and_the_change_is_mailed_once_back(
    client, redis_server, tuesday_bus, subscriber, coordinator, caplog
):
    tuesday = coming_tuesday()
    for url in [*PUBLIC_PAGES, openings_url(tuesday)]:
        assert client.get(url).status_code == 200  # now in the cache
    caplog.set_level(logging.INFO, logger="mairie_mobile.faults")

    redis_server.kill()

    for url in PUBLIC_PAGES:
        assert client.get(url).status_code == 200, url
    assert client.post("/connexion/", {"username": "nadia", "password": PASSWORD}).status_code == 302
    cancel = client.post(f"/coordination/arrets/nathalie-sarraute/annuler/{tuesday}/", {"reason": "Bus en panne"})
    assert cancel.status_code == 302
    closure = {"first_day": (tuesday + datetime.timedelta(days=7)).isoformat(), "last_day": "", "reason": "Grève"}
    assert client.post("/coordination/arrets/nathalie-sarraute/fermetures/nouvelle/", closure).status_code == 302
    stop_edit = {
        "slug": "nathalie-sarraute",
        "name": "Bus – Esplanade Nathalie Sarraute",
        "kind": "bus",
        "postcode": "75018",
        "city": "Paris",
        "school_holidays_zone": "C",
        "closed_on_public_holidays": "on",
        "active": "on",
    }
    assert client.post("/coordination/arrets/nathalie-sarraute/modifier/", stop_edit).status_code == 302
    assert Closure.objects.count() == 2  # saved
    assert Stop.objects.get().name == "Bus – Esplanade Nathalie Sarraute"
    assert ScheduleChange.objects.filter(dispatched_at=None).count() == 2  # the mails wait for Redis

    visitor = Client()
    assert statuses(visitor, tuesday) == {"cancelled"}  # computed without the cache: at once
    assert "Bus – Esplanade Nathalie Sarraute" in visitor.get("/arrets/nathalie-sarraute/").content.decode()
    subscribed = visitor.post("/abonnement/", {"email": "voisin@example.org", "stop": "nathalie-sarraute"})
    assert "Vérifiez votre boîte" in subscribed.content.decode()
    health = visitor.get("/healthz")
    assert health.status_code == 503
    assert health.json()["checks"] == {
        "database": "ok",
        "cache": "error: ConnectionError",
        "broker": "error: ConnectionError",
        "celery_worker": "unknown: kept in the cache",
        "celery_beat": "unknown: kept in the cache",
    }
    # Dozens of Redis calls failed or were skipped: the outage is logged once.
    assert [record.levelname for record in outage_logs(caplog)] == ["ERROR"]

    redis_server.start()  # empty: Redis keeps nothing on disk here
    with past_the_retry_window():
        assert visitor.get("/healthz").json()["checks"]["cache"] == "ok"
        with worker():
            sweep_notifications.delay()  # what beat does every 15 seconds
            wait_for(lambda: Notification.objects.filter(state="sent").exists())
        assert sweep_notifications() == 0  # nothing left to send: it went once
    change_mails = [m for m in mail.outbox if m.to == ["resident@example.org"]]
    assert len(change_mails) == 1
    assert "annulé (Bus en panne)" in change_mails[0].body
    assert not ScheduleChange.objects.filter(dispatched_at=None).exists()
    assert [record.getMessage().split(" after")[0] for record in outage_logs(caplog)][1:] == [
        f"Redis {redis_server.url.split('/')[2]} answers again"
    ]


def test_with_redis_killed_the_bus_is_marked_a_ticket_given_and_the_live_status_fresh(client, redis_server, logged_in):
    stop = StopFactory(slug="porte-montmartre")
    WeeklySlotFactory(
        stop=stop, weekday=timezone.localdate().weekday(), start=datetime.time(0), end=datetime.time(23, 59)
    )
    visitor = Client()
    status = "/api/v1/stops/porte-montmartre/status"
    assert visitor.get(status).json()["state"] == "not_arrived"  # now in the cache

    redis_server.kill()

    assert logged_in.post("/agents/arrets/porte-montmartre/bus-arrive/").status_code == 302
    assert LiveDay.objects.get().is_here
    assert logged_in.post("/agents/arrets/porte-montmartre/accueil/", pre_accueil()).status_code == 302
    answer = visitor.get(status).json()  # computed without the cache: at once
    assert (answer["state"], answer["waiting"]) == ("here", 1)
    assert escape("1 personne attend") in visitor.get("/arrets/porte-montmartre/").content.decode()
    assert escape("1 personne attend") in visitor.get("/arrets/porte-montmartre/statut/").content.decode()
    ticket = visitor.get(f"/ticket/{stop.visits.get().ticket_code}/")
    assert ticket.status_code == 200
    assert "Plus personne avant vous" in ticket.content.decode()


def test_a_hung_redis_holds_an_edit_for_one_timeout_and_its_old_answers_are_not_served_after(
    coordination, redis_server, tuesday_bus
):
    tuesday = coming_tuesday()
    visitor = Client()
    assert statuses(visitor, tuesday) == {"open"}  # cached in Redis
    before = redis_server.commands_processed()

    redis_server.pause()
    cancel = coordination.post(f"/coordination/arrets/nathalie-sarraute/annuler/{tuesday}/", {"reason": "Bus en panne"})
    assert cancel.status_code == 302
    assert statuses(visitor, tuesday) == {"cancelled"}  # computed without the cache
    assert StalePublicCache.objects.exists()  # Redis still holds the answer from before
    redis_server.resume()

    # What Redis received while it was hung, processed now: the edit's first command, then nothing
    # (the answer above did not even try). Without the outage, each call waits its timeout.
    assert redis_server.commands_processed() - before == 1
    with past_the_retry_window():
        catch_up_public_cache()  # what beat does every minute
        assert statuses(visitor, tuesday) == {"cancelled"}
    assert not StalePublicCache.objects.exists()


def test_a_hung_broker_alone_is_tried_once_by_an_edit_and_not_again(coordination, tmp_path, tuesday_bus):
    broker = RedisServer(str(tmp_path))
    broker.start()
    try:
        with queued_on_redis(broker.url):
            before = broker.connections_received()
            broker.pause()
            for day in (coming_tuesday(), coming_tuesday() + datetime.timedelta(days=7)):
                cancel = coordination.post(
                    f"/coordination/arrets/nathalie-sarraute/annuler/{day}/", {"reason": "Grève"}
                )
                assert cancel.status_code == 302
            broker.resume()
            assert broker.connections_received() - before == 1  # no retry, and the second edit did not try
    finally:
        broker.stop()
    assert ScheduleChange.objects.filter(dispatched_at=None).count() == 2  # for the sweeper


def test_a_broker_refusing_connections_is_not_retried(coordination, tmp_path, tuesday_bus):
    broker = RedisServer(str(tmp_path))
    broker.start()
    try:
        # A new broker: no connection kept from before, each publish needs a new one.
        with broker.full() as refused, queued_on_redis(broker.url, purge=False):
            for day in (coming_tuesday(), coming_tuesday() + datetime.timedelta(days=7)):
                url = f"/coordination/arrets/nathalie-sarraute/annuler/{day}/"
                assert coordination.post(url, {"reason": "Grève"}).status_code == 302
            assert refused() == 1  # kombu used to try again after a pause: two seconds an edit
    finally:
        broker.stop()
    assert ScheduleChange.objects.filter(dispatched_at=None).count() == 2  # for the sweeper


def test_with_redis_killed_the_rate_limits_count_in_each_process(client, redis_server, tuesday_bus):
    redis_server.kill()
    for n in range(10):
        response = client.post("/abonnement/", {"email": f"r{n}@example.org", "stop": "nathalie-sarraute"})
        assert response.status_code == 200
    response = client.post("/abonnement/", {"email": "r10@example.org", "stop": "nathalie-sarraute"})
    assert response.status_code == 429


def test_an_outage_is_logged_again_after_a_minute_not_at_each_request(client, redis_server, tuesday_bus, caplog):
    caplog.set_level(logging.INFO, logger="mairie_mobile.faults")
    redis_server.kill()
    for _ in range(3):
        client.get("/arrets/nathalie-sarraute/")
    with time_machine.travel(time.time() + faults.LOG_EVERY_SECONDS + 1):
        for _ in range(3):
            client.get("/arrets/nathalie-sarraute/")
    assert [record.levelname for record in outage_logs(caplog)] == ["ERROR", "ERROR"]
