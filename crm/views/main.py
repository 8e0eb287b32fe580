"""The home page and the health check."""

from __future__ import annotations

import contextlib
import logging

from flask import Blueprint, g, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text

from crm.extensions import db, login_manager
from crm.permissions import SIGNED_IN, public, requires

bp = Blueprint("main", __name__)
log = logging.getLogger(__name__)


@bp.get("/")
@public
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    return redirect(url_for("main.dashboard"))


@bp.get("/home")
@requires(SIGNED_IN)
def dashboard():
    from crm.queries.home import home_summary

    return render_template("main/home.html", summary=home_summary())


@bp.get("/healthz")
@public
def healthz():
    """For load balancers and monitoring: 200 when the app can query its database, else 503.
    It never looks at the caller's sign-in, so a probe with a cookie costs one query."""
    g._login_user = login_manager.anonymous_user()
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception as error:  # noqa: BLE001 - any database failure means unhealthy
        log.warning("Health check failed: the database did not answer (%s)", type(error).__name__)
        with contextlib.suppress(Exception):  # a dead connection may refuse the rollback too
            db.session.rollback()
        response = jsonify(status="unavailable", database="down")
        response.status_code = 503
        response.headers["Retry-After"] = "30"
        return response
    return jsonify(status="ok", database="up")
