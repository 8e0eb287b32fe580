"""The one-time link that creates the first administrator, so there is no default password."""

from __future__ import annotations

import secrets

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_SALT = "crm.first-administrator"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def make_setup_token() -> str:
    # A random payload, so every printed link differs; the link stops working once any
    # account exists, which makes it good for one use.
    return _serializer().dumps(secrets.token_urlsafe(16))


def setup_token_is_valid(token: str) -> bool:
    try:
        _serializer().loads(token, max_age=current_app.config["SETUP_LINK_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return False
    return True
