"""The public API, fuzzed from its own OpenAPI schema: whatever is sent, never a server error."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import StopFactory, WeeklySlotFactory

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def keep_the_test_transaction():
    """As Django's test client does: the WSGI app must not close the connection the test holds."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def a_stop(db):
    WeeklySlotFactory(stop=StopFactory(slug="nathalie-sarraute", school_holidays_zone="C"), weekday=1)


@pytest.mark.django_db
@pytest.mark.usefixtures("a_stop")
@schema.parametrize()
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_never_fails_on_bad_input(case):
    # Plain answers: this WSGI client does not inflate gzip (tests/stops/test_public_cache.py does).
    response = case.call(headers={"Accept-Encoding": "identity"})
    assert response.status_code < 500, (case.path, case.query)
    assert response.status_code in (200, 400, 404, 405), (response.status_code, case.path, case.query)
    # The answer is what the schema says. (A request the schema allows may still be refused with
    # a 400 and its reason: an unknown stop, an end before the start.)
    case.validate_response(
        response, checks=[status_code_conformance, content_type_conformance, response_schema_conformance]
    )
