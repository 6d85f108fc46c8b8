"""Django's database sessions, which only look up keys Django could have made.

A session key is 32 lowercase letters and digits. A cookie holding anything else (a NUL,
which PostgreSQL refuses in a query) starts a new session instead of reaching the database.
"""

import re

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

SESSION_KEY = re.compile(r"[a-z0-9]{32}")


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key):
        return bool(key) and SESSION_KEY.fullmatch(key) is not None
