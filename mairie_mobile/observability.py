"""What operations see: one JSON log line per request and per task, carrying the request's id,
and the heartbeats of the Celery worker and beat that /healthz reads."""

import contextvars
import json
import logging
import re
import time
import uuid

from celery import signals
from django.core.cache import cache

request_id = contextvars.ContextVar("request_id", default=None)
requests_log = logging.getLogger("mairie_mobile.requests")
tasks_log = logging.getLogger("mairie_mobile.tasks")

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
HEARTBEAT_TASK = "mairie_mobile.tasks.heartbeat"
HEARTBEATS = ("worker", "beat")


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON: time, level, logger, message, request id and the record's fields."""

    def format(self, record):
        data = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if rid := request_id.get():
            data["request_id"] = rid
        data.update(getattr(record, "fields", {}))
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class RequestLogMiddleware:
    """Give each request an id (X-Request-ID, or a new one) and log it once it is answered.

    The route is logged rather than the path: the same line for every stop, and no
    token of a confirmation link in the logs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        rid = given if _VALID_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            match = getattr(request, "resolver_match", None)
            user = getattr(request, "user", None)
            fields = {
                "request_id": rid,
                "method": request.method,
                "route": "/" + match.route if match and match.route is not None else "(unresolved)",
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            }
            requests_log.info("request", extra={"fields": fields})
            return response
        finally:
            request_id.reset(token)


# Celery: the request id travels with the task; each task run is logged; heartbeats.

_task_started = {}


@signals.before_task_publish.connect
def _publish(sender=None, headers=None, **kwargs):
    if headers is not None and (rid := request_id.get()):
        headers["request_id"] = rid
    if sender == HEARTBEAT_TASK:  # only beat sends it: beat is alive
        _beat(time.time())


@signals.task_prerun.connect
def _task_start(task_id=None, task=None, **kwargs):
    request_id.set(getattr(task.request, "request_id", None) or task_id)
    _task_started[task_id] = time.perf_counter()


@signals.task_postrun.connect
def _task_end(task_id=None, task=None, state=None, **kwargs):
    started = _task_started.pop(task_id, None)
    fields = {
        "request_id": request_id.get(),
        "task": task.name,
        "task_id": task_id,
        "state": state,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
    }
    tasks_log.info("task", extra={"fields": fields})
    request_id.set(None)


def _beat(now):
    cache.set("health:beat", now, timeout=None)  # kept nowhere while Redis is down: /healthz says so


def worker_heartbeat():
    cache.set("health:worker", time.time(), timeout=None)


def heartbeats():
    """{"worker": seconds since its last sign of life or None, "beat": …}."""
    now = time.time()
    return {name: (now - at if (at := cache.get(f"health:{name}")) else None) for name in HEARTBEATS}
