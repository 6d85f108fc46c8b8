"""A computer's outbox sent back after a long cut: 200 actions, through the endpoint, in order.

Fifty visitors recorded without connection, each registered, taken to the déblayage, sent on
to the accompaniment and finished: 200 actions posted one after the other, as
static/js/offline/outbox.js sends them. Then the same 200 once more, as a computer that lost
the answers would: each one answered from its kept outcome.
"""

import datetime
import json
import time
import uuid

from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from partners.models import Partner
from stops.models import Stop
from tests.factories import OrganisationFactory, StopFactory, agent_user
from visits.models import OfflineAction, Visit

VISITORS = 50
URL = "/agents/hors-ligne/actions/"


def run(runs):
    """[(what, total seconds, slowest action in seconds)]."""
    stop, agent = _bench_stop()
    client = Client()
    client.force_login(agent)
    caf = Partner.objects.get(code="caf")
    rows = []
    for _run in range(runs):
        Visit.objects.filter(stop=stop).delete()
        OfflineAction.objects.filter(agent=agent).delete()
        actions = list(_outbox(stop, caf))
        rows.append(("200 actions sent once", *_send(client, actions)))
        rows.append(("the same 200 sent again (answered from their kept outcome)", *_send(client, actions)))
        assert Visit.objects.filter(stop=stop, status="done").count() == VISITORS
    return rows


def report(rows):
    table = "\n".join(f"| {name} | {total:.2f} s | {slowest * 1000:.0f} ms |" for name, total, slowest in rows)
    return (
        "### Offline outbox replayed\n\n"
        f"{VISITORS} visitors × 4 steps, posted one after the other (the test client, no network).\n\n"
        f"| what | total | slowest action |\n|---|---:|---:|\n{table}"
    )


def _send(client, actions):
    slowest, started = 0.0, time.perf_counter()
    for action in actions:
        began = time.perf_counter()
        response = client.post(URL, json.dumps(action), content_type="application/json")
        assert response.status_code == 200, response.json()
        slowest = max(slowest, time.perf_counter() - began)
    return time.perf_counter() - started, slowest


def _outbox(stop, caf):
    """The actions of fifty visitors, a minute apart, as the computer recorded them."""
    start = timezone.now() - datetime.timedelta(minutes=4 * VISITORS)
    for number in range(1, VISITORS + 1):
        key = str(uuid.uuid4())
        at = start + datetime.timedelta(minutes=4 * (number - 1))
        register = {"reason_1": f"p{caf.pk}", "handled_here": "1", "provisional_ticket": f"A-{number}"}
        finish = {
            "minutes": "2",
            "demandes-TOTAL_FORMS": "1",
            "demandes-INITIAL_FORMS": "0",
            "demandes-0-reason": f"p{caf.pk}",
            "demandes-0-outcome": "resolved",
        }
        steps = [
            ("register", register),
            ("deblayage", {}),
            ("finish_deblayage", {"has_internet": "on", "then": "accompagnement"}),
            ("finish_accompagnement", finish),
        ]
        for minute, (kind, payload) in enumerate(steps):
            target = {"stop": stop.slug} if kind == "register" else {"visit": key}
            yield {
                "key": key if kind == "register" else str(uuid.uuid4()),
                "type": kind,
                "client_time": (at + datetime.timedelta(minutes=minute)).isoformat(),
                "device": None,
                "payload": payload,
                **target,
            }


def _bench_stop():
    """A stop and an agent of an organisation of the benchmark's own, made once."""
    stop = Stop.objects.filter(slug="bench-hors-ligne").first()
    if stop is None:
        organisation = OrganisationFactory(slug="bench-hors-ligne", name="Banc d'essai hors connexion")
        stop = StopFactory(slug="bench-hors-ligne", organisation=organisation)
    agent = User.objects.filter(username="bench-offline-agent").first()
    return stop, agent or agent_user("bench-offline-agent", organisation=stop.organisation)
