"""Who is asking, for web pages: the session cookie, checked against the user's session token.
The API identifies callers by bearer token alone (crm/api/__init__.py)."""

from __future__ import annotations

from flask import Flask, jsonify, request
from sqlalchemy import select

from crm.extensions import db, login_manager
from crm.models import User


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    # The session token is checked on every request instead, which also covers stolen cookies.
    login_manager.session_protection = None

    @login_manager.user_loader
    def load_user(session_token: str) -> User | None:
        # The cookie holds the user's current session token, not their id: rotating the token
        # (sign-out, password change, disabling) ends every session that held the old one.
        return db.session.scalar(select(User).where(User.session_token == session_token, User.enabled.is_(True)))

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            response = jsonify(
                error={
                    "code": "unauthorized",
                    "message": "Send a valid API token as 'Authorization: Bearer <token>'.",
                    "fields": {},
                }
            )
            response.status_code = 401
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        from flask import flash, redirect, url_for

        flash(login_manager.login_message, "info")
        return redirect(url_for("auth.sign_in", next=request.full_path if request.query_string else request.path))
