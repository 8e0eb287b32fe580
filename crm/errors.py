"""Error pages in the service's style, and JSON errors for the API. No stack traces."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request, session
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

TITLES = {
    400: "Sorry, there is a problem with that request",
    401: "You need to sign in",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "Sorry, that action is not allowed here",
    413: "That file is too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


def api_error(status: int, code: str, message: str, fields: dict | None = None):
    response = jsonify(error={"code": code, "message": message, "fields": fields or {}})
    response.status_code = status
    return response


# What a database failure means for the person in front of the screen.
UNREACHABLE = "unreachable"  # the server is down, the network or the file is gone
CANNOT_WRITE = "cannot_write"  # the disk is full or the database is read-only
BUSY = "busy"  # waited too long for a lock or a connection

DATABASE_FAULTS = {
    UNREACHABLE: (
        "database_unavailable",
        "Sorry, the CRM can't reach its database",
        "The CRM can't reach its database at the moment. Nothing you entered on this page has been saved. "
        "Try again in a few minutes. If it keeps happening, tell your administrator.",
    ),
    CANNOT_WRITE: (
        "database_cannot_save",
        "Sorry, the CRM can't save changes at the moment",
        "The CRM's database can't accept changes just now: its storage is full or read-only. "
        "Nothing you entered on this page has been saved. Try again later, and tell your administrator.",
    ),
    BUSY: (
        "database_busy",
        "Sorry, the CRM is too busy at the moment",
        "The CRM's database took too long to answer. Nothing you entered on this page has been saved. "
        "Try again in a minute.",
    ),
}
# SQLSTATEs (PostgreSQL) and messages (SQLite) of storage that can't take writes.
_CANNOT_WRITE_CODES = {"25006", "53100", "53200", "58030"}
_CANNOT_WRITE_TEXT = ("readonly database", "read-only", "disk is full", "disk i/o error", "no space left")


def database_fault(error: BaseException) -> str | None:
    """Which kind of database outage `error` is, or None when it is not an outage (a constraint
    the code should have checked, a bad query: those are bugs and stay 500s)."""
    if isinstance(error, sa_exc.TimeoutError):
        return BUSY
    if not isinstance(error, sa_exc.DBAPIError):
        return None
    original = error.orig
    text = str(original).lower()
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if code in _CANNOT_WRITE_CODES or any(part in text for part in _CANNOT_WRITE_TEXT):
        return CANNOT_WRITE
    if "database is locked" in text or code in {"55P03", "57014"}:
        return BUSY
    if error.connection_invalidated or isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return UNREACHABLE
    return None


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if request.path.startswith("/api/"):
            return api_error(400, "csrf", "The form expired or was not sent from this site.")
        return (
            render_template(
                "errors/error.html",
                status=400,
                title="Your form expired",
                message="For your security, forms expire after a while or when you sign in again. "
                "Go back, reload the page and try again.",
            ),
            400,
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.response is not None:
            return error.response
        status = error.code or 500
        if request.path.startswith("/api/"):
            code = (error.name or "error").lower().replace(" ", "_")
            return api_error(status, code, error.description or TITLES.get(status, "Error"))
        message = error.description if status in (400, 413, 429) else None
        response = render_template(
            "errors/error.html", status=status, title=TITLES.get(status, error.name), message=message
        )
        return response, status, error.get_headers() if status == 405 else None

    @app.errorhandler(sa_exc.DBAPIError)
    @app.errorhandler(sa_exc.TimeoutError)
    def database_error(error: Exception):
        fault = database_fault(error)
        if fault is None:
            return unexpected_error(error)
        # The type is enough to diagnose; the message may quote the values being written.
        log.error(
            "Database %s on %s %s: %s", fault, request.method, request.endpoint, type(error.__cause__ or error).__name__
        )
        _forget_database_state()
        code, title, message = DATABASE_FAULTS[fault]
        headers = {"Retry-After": "30"}
        if request.path.startswith("/api/"):
            response = api_error(503, code, message)
            response.headers.update(headers)
            return response
        return render_template("errors/error.html", status=503, title=title, message=message), 503, headers

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        from sqlalchemy.exc import DBAPIError

        if isinstance(error, DBAPIError):
            # The driver's message can quote the row ("Key (email)=(…) already exists"): log where
            # it happened and which constraint, never the message.
            import traceback

            diag = getattr(error.orig, "diag", None)
            log.error(
                "Database error on %s %s: %s (SQLSTATE %s, constraint %s)\n%s",
                request.method,
                request.endpoint,
                type(error.orig).__name__,
                getattr(error.orig, "sqlstate", None),
                getattr(diag, "constraint_name", None),
                "".join(traceback.format_tb(error.__traceback__)),
            )
        else:
            log.exception("Unhandled error on %s %s", request.method, request.endpoint)
        from crm.extensions import db

        db.session.rollback()
        if app.config.get("PROPAGATE_EXCEPTIONS") and app.testing:
            raise error
        return http_error(InternalServerError())


def _forget_database_state() -> None:
    """Roll back what the request started and render the error page as signed out: the page
    must not need the database it could not reach (the rollback expires the loaded user, and
    reading its role for the menu would query again), without earlier messages."""
    from crm.extensions import db, login_manager

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - a dead connection may refuse even the rollback
        log.warning("Rollback after a database fault failed too")
    g._login_user = login_manager.anonymous_user()
    # A message queued for the page the person was on its way to ("Sign in to see this page")
    # would stand above the outage and confuse it; the page they retry will say it again.
    session.pop("_flashes", None)
