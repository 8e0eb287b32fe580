"""Sessions: list, read and create."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from flask import jsonify, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import raiseload

from crm.api import api
from crm.api.errors import not_found
from crm.api.inputs import (
    MAX_INTEGER,
    check_types,
    enum_problem,
    id_by_name,
    json_object,
    page_args,
    page_json,
    query_args,
    run_service,
    unexpected_fields,
)
from crm.api.serialise import session_json
from crm.extensions import db
from crm.models import Event, Organisation, Session, Theme
from crm.models.enums import InvolvementLevel, SessionFormat, SessionKind
from crm.permissions import SESSIONS_EDIT, SESSIONS_VIEW, requires
from crm.queries.pagination import paginate
from crm.services import sessions as sessions_service

FIELD_KINDS = {
    "title": "text",
    "event_id": "int_or_null",
    "date": "text",
    "start_time": "text",
    "end_time": "text",
    "format": "text",
    "kind": "text",
    "theme": "text_or_null",
    "involvement_level": "text",
    "location": "text_or_null",
    "organiser_organisation_id": "int_or_null",
    "capacity": "int_or_null",
    "creche_places": "int",
}
READ_ONLY = ("id", "cancelled")
ENUMS = {"format": SessionFormat, "kind": SessionKind, "involvement_level": InvolvementLevel}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"[0-9]{2}:[0-9]{2}")


def _sessions():
    # Only ids of the event and organiser are shown; do not join them in.
    return select(Session).options(raiseload(Session.event), raiseload(Session.organiser))


@api.get("/sessions")
@requires(SESSIONS_VIEW)
def list_sessions():
    page_number, per_page = page_args(query_args(()))
    query = _sessions().order_by(Session.date, Session.start_time, Session.id)
    page = paginate(query, page_number, per_page, clamp=False)
    return page_json(page, [session_json(s) for s in page.items])


@api.get("/sessions/<int:session_id>")
@requires(SESSIONS_VIEW)
def get_session(session_id: int):
    session = None
    if session_id <= MAX_INTEGER:
        session = db.session.scalar(_sessions().where(Session.id == session_id))
    if session is None:
        raise not_found("session", session_id)
    return jsonify(session_json(session))


@api.post("/sessions")
@requires(SESSIONS_EDIT)
def create_session():
    body = json_object()
    data, problems = _service_data(body)
    session = run_service(problems, lambda: sessions_service.create_session(data, current_user))
    db.session.commit()
    response = get_session(session.id)
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_session", session_id=session.id)
    return response


def _service_data(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    problems = unexpected_fields(body, FIELD_KINDS, READ_ONLY)
    problems.update(check_types(body, FIELD_KINDS))
    for key, enum in ENUMS.items():
        if key not in problems:
            problem = enum_problem(body.get(key), enum.values())
            if problem:
                problems[key] = problem
    if "date" not in problems and not _is_date(body.get("date")):
        problems["date"] = "Enter a real date as YYYY-MM-DD, like 2025-03-14"
    for key in ("start_time", "end_time"):
        if key not in problems and not _is_time(body.get(key)):
            problems[key] = "Enter a time as HH:MM on the 24-hour clock, like 09:30 or 14:00"
    for key, model, what in (("event_id", Event, "event"), ("organiser_organisation_id", Organisation, "organisation")):
        value = body.get(key)
        if key not in problems and value is not None and db.session.get(model, value) is None:
            problems[key] = f"There is no {what} with id {value}"
    data = {key: value for key, value in body.items() if key in FIELD_KINDS and key not in problems}
    if "theme" in data:
        name = (data.pop("theme") or "").strip()
        data["theme_id"] = None
        if name:
            data["theme_id"], problem = id_by_name(Theme, name, "theme")
            if problem:
                problems["theme"] = problem
    return data, problems


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_time(value: Any) -> bool:
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        return False
    try:
        time.fromisoformat(value)
    except ValueError:
        return False
    return True
