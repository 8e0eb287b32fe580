"""Writing the audit log."""

from __future__ import annotations

from sqlalchemy import inspect

from crm.extensions import db
from crm.models import AuditEvent
from crm.models.enums import AuditAction

# Book-keeping columns that change on every write and say nothing about what a person did.
_IGNORED = {"updated_at", "created_at", "version", "session_token", "password_hash"}


def changed_fields(obj) -> list[str]:
    """Names of the mapped attributes with pending changes on `obj` (not their values)."""
    state = inspect(obj)
    names = []
    for attr in state.mapper.attrs:
        if attr.key in _IGNORED:
            continue
        history = state.attrs[attr.key].history
        if history.has_changes():
            names.append(attr.key)
    return sorted(names)


def record(
    actor,
    action: AuditAction,
    entity,
    fields: list[str] | None = None,
    *,
    entity_type: str | None = None,
    detail: str | None = None,
) -> AuditEvent:
    """Add one audit row for `entity` (an ORM object, flushed so it has an id)."""
    if entity is not None and getattr(entity, "id", None) is None:
        db.session.flush()
    event = AuditEvent(
        user_id=getattr(actor, "id", None),
        action=action,
        entity_type=entity_type or entity.__tablename__,
        entity_id=getattr(entity, "id", None),
        changed_fields=sorted(fields or []),
        detail=detail,
    )
    db.session.add(event)
    return event
