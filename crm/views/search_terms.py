"""Search text typed into the CRM is often a person's name, email address or phone number.
It is sent in a POST and kept in the signed session cookie under a short random key; pages
link to `?search=<key>`, so the text never appears in a URL, a server's access log or the
browser's history."""

from __future__ import annotations

import secrets

from flask import session

SESSION_KEY = "search_terms"
KEEP = 10
MAX_LENGTH = 200


def stash(text: str | None) -> str | None:
    """Keep `text` for this signed-in browser; returns the key to put in the URL (None if blank)."""
    text = " ".join((text or "").split())[:MAX_LENGTH]
    if not text:
        return None
    terms = dict(session.get(SESSION_KEY, {}))
    for key, value in list(terms.items()):
        if value == text:
            return key
    key = secrets.token_urlsafe(6)
    terms[key] = text
    session[SESSION_KEY] = dict(list(terms.items())[-KEEP:])
    return key


def recall(key: str | None) -> str:
    """The text kept under `key`, or "" (unknown or expired keys simply mean no search)."""
    return session.get(SESSION_KEY, {}).get(key or "", "")
