import datetime
import html
import re

import pytest
import time_machine

from stops.schedule import PARIS

# A Tuesday morning; invitations sent then are valid until the next Tuesday, same hour (INVITATION_DAYS = 7).
SENT_AT = datetime.datetime(2026, 3, 10, 10, 0, tzinfo=PARIS)


@pytest.fixture
def tuesday_morning():
    with time_machine.travel(SENT_AT, tick=False) as traveller:
        yield traveller


def invite(client, email="ines@example.org", role="agent", **extra):
    """The team page's form, posted."""
    return client.post("/coordination/equipe/", {"email": email, "role": role} | extra)


def link_in(message):
    """The path of the invitation link a mail carries."""
    return re.search(r"/invitation/[\w-]+/", message.body)[0]


# The invitation page's form for a new account.
NEW_ACCOUNT = {
    "first_name": "Inès",
    "last_name": "Moreau",
    "username": "ines",
    "password1": "une-longue-phrase-de-passe",
    "password2": "une-longue-phrase-de-passe",
}


def page_text(response):
    """What a person reads on the page: its text without the tags, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def told_why(refused):
    """Whether a refused form says why: next to a field, or for the whole form (a NUL typed in it)."""
    page = page_text(refused)
    return 'class="invalid-feedback"' in refused.content.decode() or "caractère invisible non permis" in page
