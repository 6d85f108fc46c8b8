"""SMS, shaped like Django's mail backends: a backend chosen by the SMS_URL setting sends
`Message`s with `send_messages(messages) -> count`.

- `console://`: printed on the standard output (`make run`);
- `file:///path`: one line of JSON per SMS, appended to /path;
- `locmem://`: kept in `outbox` (tests);
- `brevo://API_KEY@api.brevo.com?sender=MairieMob[&timeout=10]`: Brevo's transactional SMS
  (`brevo+http://KEY@127.0.0.1:PORT` for a test server).

A backend raises `RecipientRefused` for a number the provider will never take (the
notification is failed, not retried), `SendingFailed` for what may pass later (network,
provider down, no credits left: the task retries with backoff).
"""

import datetime
import json
import sys
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

import urllib3
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from mairie_mobile import gsm

# What the locmem backend sent, as django.core.mail.outbox.
outbox = []

# Brevo deprecated /v3/transactionalSMS/sms in May 2025 for this one, which takes the same request.
BREVO_PATH = "/v3/transactionalSMS/send"
# An alphanumeric sender has 11 characters at most, letters and digits (Brevo, and the operators).
SENDER_MAX = 11


@dataclass
class Message:
    to: str  # E.164: +33612345678
    body: str
    sender: str = ""


class SendingFailed(Exception):
    """Nothing was sent; it may pass later."""


class RecipientRefused(SendingFailed):
    """The provider refuses this number, or this message: sending it again changes nothing."""


def get_connection(url=None):
    backend, options = parse_url(url or settings.SMS_URL)
    return import_string(backend)(**options)


def parse_url(url):
    """(backend's dotted path, its options) from an SMS_URL; ImproperlyConfigured says what is wrong."""
    parsed = urlsplit(url)
    query = parse_qs(parsed.query)
    if parsed.scheme == "console":
        return "mairie_mobile.sms.ConsoleBackend", {}
    if parsed.scheme == "locmem":
        return "mairie_mobile.sms.LocmemBackend", {}
    if parsed.scheme == "file":
        if not parsed.path or parsed.path == "/":
            raise ImproperlyConfigured(f"SMS_URL: file:// needs a file path (file:///var/log/sms.log), not {url!r}")
        return "mairie_mobile.sms.FileBackend", {"path": parsed.path}
    if parsed.scheme in ("brevo", "brevo+http", "brevo+https"):
        return "mairie_mobile.sms.BrevoBackend", _brevo_options(parsed, query)
    raise ImproperlyConfigured(
        f"SMS_URL: unknown scheme {parsed.scheme!r} (console://, file:///path, locmem:// or brevo://KEY@api.brevo.com)"
    )


def _brevo_options(parsed, query):
    api_key = unquote(parsed.username or "")
    if not api_key:
        raise ImproperlyConfigured("SMS_URL: brevo:// needs the API key before the host, as brevo://KEY@api.brevo.com")
    sender = query.get("sender", [""])[0]
    if sender and not (sender.isascii() and sender.isalnum() and len(sender) <= SENDER_MAX):
        raise ImproperlyConfigured(f"SMS_URL: sender={sender!r} must be {SENDER_MAX} letters or digits at most")
    scheme = "http" if parsed.scheme == "brevo+http" else "https"
    try:
        port = parsed.port
    except ValueError:
        raise ImproperlyConfigured(f"SMS_URL: the port of {parsed.netloc!r} is not a number") from None
    try:
        timeout = float(query.get("timeout", ["10"])[0])
    except ValueError:
        timeout = 0
    if not 0 < timeout <= 60:
        raise ImproperlyConfigured("SMS_URL: timeout= must be a number of seconds, more than 0 and 60 at most")
    host = parsed.hostname or "api.brevo.com"
    return {
        "api_key": api_key,
        "endpoint": f"{scheme}://{host}{f':{port}' if port else ''}{BREVO_PATH}",
        "sender": sender,
        "timeout": timeout,
    }


class BaseBackend:
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        pass

    def send_messages(self, messages):
        for message in messages:
            self.send(message)
        return len(messages)


class ConsoleBackend(BaseBackend):
    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, message):
        self.stream.write(f"SMS to {message.to} from {message.sender}:\n{message.body}\n{'-' * 40}\n")
        self.stream.flush()


class LocmemBackend(BaseBackend):
    def send(self, message):
        outbox.append(message)


class FileBackend(BaseBackend):
    """Appends a JSON line per SMS: several workers may write to the same file."""

    _lock = threading.Lock()

    def __init__(self, path):
        self.path = path

    def send_messages(self, messages):
        lines = "".join(
            json.dumps({"at": datetime.datetime.now(datetime.UTC).isoformat(), **vars(m)}, ensure_ascii=False) + "\n"
            for m in messages
        )
        with self._lock, open(self.path, "a", encoding="utf-8") as file:
            file.write(lines)  # one write: lines of two processes do not interleave
        return len(messages)


class BrevoBackend(BaseBackend):
    """Brevo's transactional SMS: one POST per SMS. Short timeouts: a worker waits little."""

    def __init__(self, api_key, endpoint, sender="", timeout=10):
        self.api_key, self.endpoint, self.sender = api_key, endpoint, sender
        self.http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=min(3, timeout), read=timeout), retries=False)

    def close(self):
        self.http.clear()

    def send(self, message):
        body = {
            "sender": _sender(message.sender or self.sender),
            "recipient": message.to.removeprefix("+"),
            "content": message.body,
            "type": "transactional",
            # In UCS-2 only what GSM cannot write (Arabic, Chinese): otherwise Brevo would replace those letters.
            "unicodeEnabled": not gsm.is_gsm(message.body),
        }
        headers = {"api-key": self.api_key, "accept": "application/json", "content-type": "application/json"}
        try:
            response = self.http.request("POST", self.endpoint, body=json.dumps(body).encode(), headers=headers)
        except urllib3.exceptions.HTTPError as error:
            raise SendingFailed(f"Brevo unreachable: {error}") from error
        if response.status < 300:
            return
        said = _error_of(response)
        if response.status == 400:  # an invalid parameter: the number, mostly; never better later
            raise RecipientRefused(f"Brevo 400: {said}")
        # 401 (key), 402 (no credits left), 429, 5xx: someone must act, or wait.
        raise SendingFailed(f"Brevo {response.status}: {said}")


def _sender(name):
    """A sender as operators take it: 11 letters or digits at most."""
    return "".join(c for c in name if c.isascii() and c.isalnum())[:SENDER_MAX] or "Mairie"


def _error_of(response):
    try:
        answer = json.loads(response.data)
        return f"{answer.get('code', '')} {answer.get('message', '')}".strip()
    except (ValueError, AttributeError):
        return response.data[:200].decode(errors="replace")
