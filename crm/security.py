"""HTTP security headers and caching rules."""

from __future__ import annotations

from flask import Flask, abort, request
from flask_login import current_user
from flask_talisman import Talisman

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def init_app(app: Flask) -> None:
    # One Talisman per app: it keeps its options on the instance.
    Talisman(
        app,
        # HTTPS is the reverse proxy's job; redirecting here would break local use and tests.
        force_https=False,
        strict_transport_security=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
        permissions_policy={"camera": "()", "microphone": "()", "geolocation": "()"},
    )

    @app.before_request
    def refuse_control_characters_in_the_address():
        # A search for text with NUL in it would fail in PostgreSQL. Forms check their own
        # fields and the API names the parameter (crm/forms/common.py, crm/api/__init__.py).
        from crm.validation import has_control_character

        if request.path.startswith("/api/"):
            return None
        if any(has_control_character(value) for values in request.args.listvalues() for value in values):
            abort(400, description="Remove the unusual character from what you searched for and try again.")
        return None

    @app.after_request
    def no_store_for_signed_in(response):
        # Pages with people's details must not linger in shared or back-button caches.
        if request.endpoint != "static" and (current_user.is_authenticated or request.path.startswith("/api/")):
            response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
