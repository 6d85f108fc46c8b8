"""The versions each process keeps while Redis tracks them (mairie_mobile.cache.Tracked), on a
redis-server of the test's own: another server's change, the tracking connection killed, Redis
hung; and the counts of guessed ticket codes, kept the same way. A cached answer is served
without a round trip to Redis, and never once it is stale."""

import select
import threading
import time

import pytest
from django.core.cache import cache, caches
from django.test import Client

from mairie_mobile.cache import Tracked
from stops import caching, live
from stops.models import Closure
from tests.faults import RedisServer, use_redis
from tests.test_redis_outage import coming_tuesday, statuses
from tests.visits.test_tickets import clock, rsa
from visits import intake
from visits.views.public import TICKET_GUESSES_PER_HOUR

URL = "/api/v1/stops/nathalie-sarraute/status"
__all__ = ["clock", "rsa"]  # the fixtures of the ticket tests apply here too


@pytest.fixture
def redis_server(settings, tmp_path):
    server = RedisServer(str(tmp_path))
    server.start()
    use_redis(settings, server.url)
    yield server
    server.stop()


def cancelled_elsewhere(stop, day, server):
    """A coordinator on another server cancels `day`: the database changes without a signal in this
    process, and that server moves the schedule's version on in Redis, as `schedule_changed` does."""
    closed_unsaid(stop, day)
    server.client().incr(cache.make_key(caching.VERSION_KEY))


def closed_unsaid(stop, day):
    """`stop` closed on `day` in the database, with no signal of this process (bulk_create sends none)."""
    Closure.objects.bulk_create([Closure(stop=stop, first_day=day, last_day=day, reason="Bus en panne")])


def told(name="default", timeout=2):
    """Wait until Redis has said something to this process's tracking connection of cache `name`."""
    poller = select.poll()  # not select(): past 1,024 open files in a long test run, it cannot
    poller.register(caches[name].tracked.connection._sock, select.POLLIN)
    assert poller.poll(timeout * 1000), "Redis said nothing"


def test_a_cached_answer_is_served_without_asking_redis_and_another_server_s_change_shows_at_once(
    redis_server, tuesday_bus
):
    tuesday = coming_tuesday()
    visitor = Client()
    assert statuses(visitor, tuesday) == {"open"}
    assert statuses(visitor, tuesday) == {"open"}  # held by this process
    before = redis_server.calls("mget")
    for _ in range(20):
        assert statuses(visitor, tuesday) == {"open"}
    assert redis_server.calls("mget") == before  # neither the version nor the answer read from Redis

    cancelled_elsewhere(tuesday_bus, tuesday, redis_server)
    told()
    assert statuses(visitor, tuesday) == {"cancelled"}


def test_a_change_made_here_shows_at_once_without_waiting_for_redis(redis_server, tuesday_bus):
    Client().get(URL)
    Client().get(URL)
    assert cache.tracked.values  # the schedule's version and the stop's live one
    live.marks_changed(tuesday_bus)  # the version written by this process: forgotten at once
    assert live.STOP_VERSION_KEY.format(slug=tuesday_bus.slug) not in cache.tracked.values


def test_with_the_tracking_connection_killed_every_version_is_read_from_redis_until_it_is_back(
    redis_server, tuesday_bus
):
    tuesday = coming_tuesday()
    visitor = Client()
    assert statuses(visitor, tuesday) == {"open"}
    assert statuses(visitor, tuesday) == {"open"}
    redis_server.client().client_kill_filter(_type="pubsub")
    told()  # the connection closed
    cancelled_elsewhere(tuesday_bus, tuesday, redis_server)  # and nothing will tell this process
    assert statuses(visitor, tuesday) == {"cancelled"}
    before = redis_server.calls("mget")
    assert statuses(visitor, tuesday) == {"cancelled"}  # a hit
    assert redis_server.calls("mget") == before + 1  # its version read from Redis
    assert cache.tracked.connection is None

    cache.tracked.next_try = 0  # RETRY_SECONDS later: a new tracking connection
    assert statuses(visitor, tuesday) == {"cancelled"}
    before = redis_server.calls("mget")
    assert statuses(visitor, tuesday) == {"cancelled"}
    assert redis_server.calls("mget") == before  # held again


def test_a_hung_redis_is_not_trusted_for_longer_than_a_moment(redis_server, tuesday_bus):
    """Stopped, it closes no connection and says nothing: past TRUST_SECONDS without an answer to
    its PING, the versions kept are not served, and the change shows."""
    tuesday = coming_tuesday()
    visitor = Client()
    assert statuses(visitor, tuesday) == {"open"}
    assert statuses(visitor, tuesday) == {"open"}
    closed_unsaid(tuesday_bus, tuesday)
    redis_server.pause()
    try:
        time.sleep(Tracked.TRUST_SECONDS + 0.2)
        assert statuses(visitor, tuesday) == {"cancelled"}  # computed: Redis does not answer
    finally:
        redis_server.resume()


def test_every_version_a_cached_answer_reads_is_tracked(settings, tuesday_bus):
    tracked = Tracked(cache, settings.TRACKED_VERSIONS)
    keys = [
        caching.VERSION_KEY,
        live.STOP_VERSION_KEY.format(slug=tuesday_bus.slug),
        live.QUEUE_VERSION_KEY.format(pk=tuesday_bus.pk),
        live.MARKS_VERSION_KEY,
    ]
    assert all(tracked.tracks(key) for key in keys)


def test_one_tracking_connection_per_process_whatever_the_threads(redis_server):
    """Django makes a cache object per thread: they share what is tracked, and its connection."""
    found = []
    thread = threading.Thread(target=lambda: found.append(caches["default"]))
    thread.start()
    thread.join()
    assert found[0] is not caches["default"]
    assert found[0].tracked is caches["default"].tracked


def test_a_ticket_is_answered_without_asking_redis_and_guesses_counted_elsewhere_still_refuse_it(
    redis_server, tuesday_bus, agent, rsa, clock
):
    """A ticket's answer also asks whether its address guessed too many codes: held too, absent
    as it is for a visitor who guessed none, until another server counts guesses of that address."""
    visit = intake.register(tuesday_bus, agent, [rsa])
    url = f"/ticket/{visit.ticket_code}/etat/"
    assert Client().get(url).status_code == 200
    assert Client().get(url).status_code == 200
    before = redis_server.calls("get", "mget")
    for _ in range(10):
        assert Client().get(url).status_code == 200
    assert redis_server.calls("get", "mget") == before

    key = f"ticket-guesses:127.0.0.1:{int(time.time() // 3600)}"  # as another server counts them
    redis_server.client().set(caches["ratelimit"].make_key(key), TICKET_GUESSES_PER_HOUR + 1)
    told("ratelimit")
    assert Client().get(url).status_code == 429


def held_version():
    """The schedule's version read, then held by this process."""
    caching.version()
    cache.get_many([caching.VERSION_KEY])
    assert caching.VERSION_KEY in cache.tracked.values


def version_read_from_redis():
    """(keys to read, what Redis gave, the count of changes before): the schedule's version read
    as `get_many` reads it, not kept yet."""
    held_version()
    cache.tracked.forget()  # nothing held: the version is to be read
    _held, missing, changes = cache.tracked.held([caching.VERSION_KEY])
    assert missing == [caching.VERSION_KEY]
    return missing, caches["default"]._call("get_many", missing, None), changes


def test_a_value_read_before_a_change_learnt_meanwhile_is_not_kept(redis_server):
    """Another thread of the process may learn of a change between this thread's read and its
    keeping of what it read: what it read may be the value before, and is not kept."""
    missing, found, changes = version_read_from_redis()
    cache.incr(caching.VERSION_KEY)  # moved on by another thread after the read
    cache.tracked.keep(missing, found, changes)
    assert caching.VERSION_KEY not in cache.tracked.values
    assert cache.get_many([caching.VERSION_KEY]) == {caching.VERSION_KEY: found[caching.VERSION_KEY] + 1}


def test_an_answer_to_an_old_ping_read_after_a_silence_does_not_make_redis_look_alive(redis_server):
    """A PONG left unread in the socket while the process had no request, then the network cut:
    read later, it says nothing of Redis now. Only a PING sent within TRUST_SECONDS counts."""
    held_version()
    tracked = cache.tracked
    tracked.pings.append(time.monotonic() - 10)  # a PING sent 10 s ago...
    tracked.connection.send_command("PING")  # ...whose PONG is read only at the next request
    told()
    before = redis_server.calls("mget")
    cache.get_many([caching.VERSION_KEY])
    assert redis_server.calls("mget") == before + 1  # not trusted: read from Redis
    assert caching.VERSION_KEY not in tracked.values


def test_what_the_stand_in_answers_is_never_kept(redis_server, monkeypatch):
    """Redis failed this read and the stand-in answered it, while another thread's call ended the
    outage: the stand-in's nothing is not kept as the key's absence from Redis."""
    held_version()
    cache.tracked.forget()
    default = caches["default"]
    stand_in_get_many = default.stand_in.get_many

    def meanwhile(*args):
        default.outage.answered()  # another thread's call succeeded at that moment
        return stand_in_get_many(*args)

    monkeypatch.setattr(default.stand_in, "get_many", meanwhile)
    redis_server.pause()
    try:
        assert cache.get_many([caching.VERSION_KEY]) == {}
    finally:
        redis_server.resume()
    assert caching.VERSION_KEY not in cache.tracked.values


def test_a_value_read_across_a_lost_connection_is_not_kept(redis_server):
    """Changes made while no connection tracked the keys were never said."""
    missing, found, changes = version_read_from_redis()
    with cache.tracked.lock:
        cache.tracked._drop()  # another thread found the connection closed
    cache.tracked.next_try = 0
    cache.tracked.held([])  # and a new one was opened
    cache.tracked.keep(missing, found, changes)
    assert caching.VERSION_KEY not in cache.tracked.values


def test_what_is_forgotten_leaves_nothing_behind(redis_server):
    held_version()
    cache.incr(caching.VERSION_KEY)
    assert cache.tracked.values == {}
    assert cache.tracked.names == {}


def test_redis_is_asked_whether_it_answers_twice_a_second_at_most(redis_server):
    held_version()
    pings = redis_server.calls("ping")
    for _ in range(50):
        cache.get_many([caching.VERSION_KEY])
    assert redis_server.calls("ping") - pings <= 2


def test_an_answer_computed_after_a_change_asks_redis_what_it_must_and_no_more(redis_server, tuesday_bus):
    """After a change, a visitor's answer is computed with, in this order: the schedule's version read
    (Redis said it changed), the version of the entry this process holds (stale), the lock taken, that
    version read again under the lock, the answer stored with its version (MSET, and when each
    expires), the lock let go (read, then deleted). The middleware's lookup serves the view's too."""
    url = f"/arrets/{tuesday_bus.slug}/calendrier.ics"
    visitor = Client()
    assert visitor.get(url).status_code == 200
    caching.schedule_changed()
    before = {name: redis_server.calls(name) for name in ("mget", "get", "set", "mset", "expire", "del")}
    assert visitor.get(url).status_code == 200
    made = {name: redis_server.calls(name) - count for name, count in before.items()}
    assert made == {"mget": 1, "get": 3, "set": 1, "mset": 1, "expire": 2, "del": 1}
