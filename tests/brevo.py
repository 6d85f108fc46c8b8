"""A local HTTP server answering as Brevo's transactional SMS API, for the Brevo backend's tests."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_KEY = "cle-de-test"
# What Brevo answers (developers.brevo.com): 201 with the message's id; errors as {"code", "message"}.
PATH = "/v3/transactionalSMS/send"
SENT = (201, {"messageId": 1511882900176220})
NOT_FOUND = (404, {"code": "not_found", "message": "Invalid route"})
INVALID_RECIPIENT = (400, {"code": "invalid_parameter", "message": "Invalid phone number"})
UNAUTHORIZED = (401, {"code": "unauthorized", "message": "Key not found"})
NO_CREDITS = (402, {"code": "not_enough_credits", "message": "Not enough credits"})
UNAVAILABLE = (503, {"code": "service_unavailable", "message": "Service unavailable"})


class FakeBrevo:
    """Keeps every request (path, headers, JSON body) and answers the next of `answers`, then SENT;
    a request without the right api-key is answered 401, as Brevo does, and one to another path 404."""

    def __init__(self):
        self.requests = []
        self.answers = []
        self.delay = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(
                    {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "json": body}
                )
                time.sleep(fake.delay)
                status, answer = fake.answers.pop(0) if fake.answers else SENT
                if self.headers.get("api-key") != API_KEY:
                    status, answer = UNAUTHORIZED
                if self.path != PATH:
                    status, answer = NOT_FOUND
                payload = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting: what a timeout test wants

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"brevo+http://{API_KEY}@127.0.0.1:{self.port}?sender=MairieMob"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()
