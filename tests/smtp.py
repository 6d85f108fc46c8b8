"""A real SMTP server on localhost, for what Django's mail outbox cannot show (refused addresses)."""

import logging
import socket

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope


class Sink:
    """Keeps every message; refuses the recipients whose address contains "refuse"."""

    def __init__(self):
        self.messages = []

    async def handle_RCPT(self, server, session, envelope: Envelope, address, rcpt_options):
        if "refuse" in address:
            return "550 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def start_sink():
    """(sink, controller, port): stop it with controller.stop()."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return sink, controller, port
