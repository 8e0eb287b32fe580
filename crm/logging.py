"""Structured logs: one JSON line per request, and JSON for the app's other log lines.

A request line says which request it was (an id, also sent back as X-Request-ID), who made it
(the user's id, never their name or email), what it asked for (the method and the endpoint's
name, never the path or the query string, which can hold search text or ids typed by hand),
what it got (the status) and how long it took. Form values and personal data never appear."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, request
from sqlalchemy import inspect
from sqlalchemy.exc import NoInspectionAvailable

REQUEST_ID_HEADER = "X-Request-ID"
# A reverse proxy's id (nginx's $request_id, a UUID, a trace id) is kept so lines can be joined
# up; anything else (too long, spaces, quotes, newlines that would forge a log line) is replaced.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,99}")

request_log = logging.getLogger("crm.request")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, the message, and a request line's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[0] is not None:
            # The exception's type and where it happened; SQLAlchemy is told to keep query
            # parameters out of its messages (hide_parameters), so values do not leak here.
            line["error"] = record.exc_info[0].__name__
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(level: str = "INFO") -> None:
    """Send every log line to stderr as JSON, once per process (gunicorn and `flask` both call
    create_app; neither should get two handlers)."""
    root = logging.getLogger()
    if any(isinstance(handler.formatter, JsonFormatter) for handler in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Alembic announces each of its plugins at INFO when imported; that says nothing to an operator.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def request_id_from(header: str | None) -> str:
    if header and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def _user_id() -> int | None:
    """The signed-in user's id if this request loaded one. Read from the identity map, so an
    expired object (after a commit or a database fault) costs no query."""
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        identity = inspect(user).identity
    except NoInspectionAvailable:
        return None
    return identity[0] if identity else None


def init_app(app: Flask) -> None:
    if not app.testing:
        configure_logging(app.config.get("LOG_LEVEL", "INFO"))

    @app.before_request
    def start_request_timer():
        g.request_started = time.perf_counter()
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))

    @app.after_request
    def log_request(response):
        started = g.get("request_started")
        request_id = g.get("request_id") or request_id_from(None)
        response.headers[REQUEST_ID_HEADER] = request_id
        fields = {
            "request_id": request_id,
            "user_id": _user_id(),
            "method": request.method,
            "endpoint": request.endpoint,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        }
        request_log.info("request", extra={"fields": fields})
        return response
