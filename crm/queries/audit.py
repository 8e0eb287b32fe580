"""The audit log, newest first, with the administrator's filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select

from crm.extensions import db
from crm.models import AuditEvent
from crm.models.enums import AuditAction

# Dates in the filter are the programme's local dates, not UTC ones.
LONDON = ZoneInfo("Europe/London")

# What each audited table is called on screen.
ENTITY_LABELS = {
    "people": "Person",
    "organisations": "Organisation",
    "sessions": "Session",
    "events": "Event",
    "consents": "Consent",
    "affiliations": "Affiliation",
    "users": "Staff account",
    "api_tokens": "API token",
    "wards": "Ward",
    "themes": "Theme",
    "tags": "Tag",
}

# Entity types with a page of their own: (endpoint, URL parameter).
ENTITY_PAGES = {
    "people": ("people.show", "person_id"),
    "organisations": ("organisations.show", "organisation_id"),
    "sessions": ("sessions.show", "session_id"),
}


def entity_label(entity_type: str) -> str:
    return ENTITY_LABELS.get(entity_type, entity_type.replace("_", " ").capitalize())


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC)


def audit_log(
    *,
    entity_type: str | None = None,
    action: AuditAction | str | None = None,
    user_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Select:
    """Audit events matching the filters, newest first. `date_to` includes that whole day."""
    query = select(AuditEvent)
    if entity_type:
        query = query.where(AuditEvent.entity_type == entity_type)
    if action:
        query = query.where(AuditEvent.action == AuditAction(action))
    if user_id is not None:
        query = query.where(AuditEvent.user_id == user_id)
    if date_from is not None:
        query = query.where(AuditEvent.at >= _start_of(date_from))
    if date_to is not None:
        query = query.where(AuditEvent.at < _start_of(date_to + timedelta(days=1)))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def entity_type_choices() -> list[tuple[str, str]]:
    """(value, label) for every entity type in the log or known to the application."""
    present = set(db.session.scalars(select(AuditEvent.entity_type).distinct()))
    types = present | set(ENTITY_LABELS)
    return sorted(((t, entity_label(t)) for t in types), key=lambda pair: pair[1])
