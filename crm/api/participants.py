"""A session's participants: list them, and record one person's participation (idempotent PUT)."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from sqlalchemy import select

from crm.api import api
from crm.api.errors import not_found
from crm.api.inputs import (
    MAX_INTEGER,
    check_types,
    enum_problem,
    json_object,
    page_args,
    page_json,
    query_args,
    unexpected_fields,
)
from crm.extensions import db
from crm.models import Participation, Person, Session
from crm.models.enums import ParticipationRole, ParticipationSource, ParticipationStatus
from crm.permissions import ATTENDANCE_RECORD, SESSIONS_VIEW, requires
from crm.queries.pagination import paginate
from crm.services.errors import InvalidInput
from crm.services.participation import record_participation

FIELD_KINDS = {"status": "text", "role": "text", "minutes": "int_or_null", "creche_children": "int"}
READ_ONLY = ("person_id", "session_id", "source")


def participation_json(participation: Participation) -> dict:
    return {
        "person_id": participation.person_id,
        "session_id": participation.session_id,
        "status": participation.status.value,
        "role": participation.role.value,
        "minutes": participation.minutes,
        "creche_children": participation.creche_children,
        "source": participation.source.value,
    }


def _session_or_404(session_id: int) -> Session:
    session = db.session.get(Session, session_id) if session_id <= MAX_INTEGER else None
    if session is None:
        raise not_found("session", session_id)
    return session


@api.get("/sessions/<int:session_id>/participants")
@requires(SESSIONS_VIEW)
def list_participants(session_id: int):
    page_number, per_page = page_args(query_args(()))
    session = _session_or_404(session_id)
    query = select(Participation).where(Participation.session_id == session.id).order_by(Participation.person_id)
    page = paginate(query, page_number, per_page, clamp=False)
    return page_json(page, [participation_json(p) for p in page.items])


@api.put("/sessions/<int:session_id>/participants/<int:person_id>")
@requires(ATTENDANCE_RECORD)
def put_participant(session_id: int, person_id: int):
    session = _session_or_404(session_id)
    if person_id > MAX_INTEGER or db.session.get(Person, person_id) is None:
        raise not_found("person", person_id)
    body = json_object()
    problems = unexpected_fields(body, FIELD_KINDS, READ_ONLY)
    problems.update(check_types(body, FIELD_KINDS))
    if "status" not in body:
        problems["status"] = f"Required; use one of {', '.join(ParticipationStatus.values())}"
    values = {}
    for name, enum in (("status", ParticipationStatus), ("role", ParticipationRole)):
        if name in body and name not in problems:
            problem = enum_problem(body[name], enum.values())
            if problem:
                problems[name] = problem
            else:
                values[name] = enum(body[name])
    for name in ("minutes", "creche_children"):
        if name in body and name not in problems:
            values[name] = body[name]
    if problems:
        raise InvalidInput(problems)
    participation, created = record_participation(session, person_id, values, current_user, ParticipationSource.API)
    db.session.commit()
    response = jsonify(participation_json(participation))
    response.status_code = 201 if created else 200
    return response
