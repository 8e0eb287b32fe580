"""Creating, changing and cancelling events and sessions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from typing import Any

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Event, Organisation, Session, Theme
from crm.models.base import utcnow
from crm.models.enums import AuditAction, InvolvementLevel, SessionFormat, SessionKind
from crm.services import audit
from crm.services.errors import InvalidInput
from crm.validation import InvalidValue, normalise_web_address

FIELDS = (
    "title",
    "event_id",
    "date",
    "start_time",
    "end_time",
    "format",
    "kind",
    "theme_id",
    "involvement_level",
    "location",
    "meeting_link",
    "organiser_organisation_id",
    "capacity",
    "creche_places",
    "description",
    "notes",
)
_ENUMS = {"format": SessionFormat, "kind": SessionKind, "involvement_level": InvolvementLevel}
_REFERENCES = {"event_id": Event, "theme_id": Theme, "organiser_organisation_id": Organisation}
_MESSAGES = {
    "format": "Choose in person, online or hybrid",
    "kind": "Choose the kind of session",
    "involvement_level": "Choose the involvement level",
    "event_id": "Choose an event from the list",
    "theme_id": "Choose a theme from the list",
    "organiser_organisation_id": "Choose an organisation from the list",
}
# Column lengths, so too-long text is a message rather than a database error.
_LENGTHS = {"title": 200, "location": 300, "meeting_link": 500}
MAX_PLACES = 10000


# Sessions are recorded from the programme's history to its plans; a year outside this range is a typo.
EARLIEST_YEAR = 1990
YEARS_AHEAD = 10


def _parse(key: str, value: Any) -> Any:
    if key in _ENUMS:
        return _ENUMS[key](value)
    if key == "date":
        value = value if isinstance(value, date) else date.fromisoformat(value)
        earliest, latest = EARLIEST_YEAR, date.today().year + YEARS_AHEAD
        if not earliest <= value.year <= latest:
            raise InvalidValue(f"Enter a date between {earliest} and {latest}")
        return value
    if key in ("start_time", "end_time"):
        return value if isinstance(value, time) else time.fromisoformat(value)
    if key in _REFERENCES:
        if value in (None, ""):
            return None
        value = int(value)
        if db.session.get(_REFERENCES[key], value) is None:
            raise ValueError
        return value
    if key in ("capacity", "creche_places"):
        if value in (None, ""):
            return None if key == "capacity" else 0
        if isinstance(value, bool):
            raise ValueError
        value = int(value)
        if not 0 <= value <= MAX_PLACES:
            raise ValueError
        return value
    if key == "meeting_link":
        return normalise_web_address(value)
    if isinstance(value, str):
        value = value.strip()
    return value or None


def _clean(data: Mapping[str, Any], session: Session | None) -> dict[str, Any]:
    problems: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for key in FIELDS:
        if key not in data:
            continue
        try:
            clean[key] = _parse(key, data[key])
        except InvalidValue as error:
            problems[key] = str(error)
        except (ValueError, TypeError):
            problems[key] = _MESSAGES.get(key) or {
                "date": "Enter a real date",
                "start_time": "Enter a start time, like 10:00",
                "end_time": "Enter an end time, like 12:30",
                "capacity": f"Capacity must be a whole number from 0 to {MAX_PLACES}",
                "creche_places": f"Creche places must be a whole number from 0 to {MAX_PLACES}",
            }.get(key, "This value is not allowed")
    required = ("title", "date", "start_time", "end_time", "format", "kind", "involvement_level")
    for key in required:
        if key in problems:
            continue
        if (session is None and key not in clean) or (key in clean and clean[key] in (None, "")):
            problems[key] = {
                "title": "Enter a title",
                "date": "Enter the date of the session",
                "start_time": "Enter a start time, like 10:00",
                "end_time": "Enter an end time, like 12:30",
            }.get(key) or _MESSAGES[key]
    for key, length in _LENGTHS.items():
        if isinstance(clean.get(key), str) and len(clean[key]) > length and key not in problems:
            label = key.replace("_", " ").capitalize()
            problems[key] = f"{label} must be {length} characters or fewer"
    start = clean.get("start_time", session.start_time if session else None)
    end = clean.get("end_time", session.end_time if session else None)
    times_ok = "end_time" not in problems and "start_time" not in problems
    if start and end and times_ok and end <= start:
        problems["end_time"] = "End time must be after the start time"
    if problems:
        raise InvalidInput(problems)
    return clean


def create_session(data: Mapping[str, Any], actor) -> Session:
    clean = _clean(data, None)
    clean.setdefault("creche_places", 0)
    session = Session(**clean)
    db.session.add(session)
    db.session.flush()
    given = [key for key, value in clean.items() if value not in (None, "")]
    audit.record(actor, AuditAction.CREATE, session, given)
    return session


def update_session(session: Session, data: Mapping[str, Any], actor) -> list[str]:
    for key, value in _clean(data, session).items():
        setattr(session, key, value)
    fields = audit.changed_fields(session)
    if fields:
        audit.record(actor, AuditAction.UPDATE, session, fields)
    return fields


def cancel_session(session: Session, reason: str | None, actor) -> None:
    if session.cancelled:
        return
    session.cancelled_at = utcnow()
    session.cancelled_reason = (reason or "").strip()[:300] or None
    audit.record(actor, AuditAction.CANCEL, session, ["cancelled_at"])


def reinstate_session(session: Session, actor) -> None:
    if not session.cancelled:
        return
    session.cancelled_at = None
    session.cancelled_reason = None
    audit.record(actor, AuditAction.UPDATE, session, ["cancelled_at"], detail="reinstated")


def create_event(name: str, description: str | None, actor) -> Event:
    name = (name or "").strip()
    if not name:
        raise InvalidInput({"name": "Enter the event's name"})
    if len(name) > 200:
        raise InvalidInput({"name": "Name must be 200 characters or fewer"})
    if db.session.scalar(select(Event.id).where(func.lower(Event.name) == name.lower())):
        raise InvalidInput({"name": "An event with this name already exists"})
    event = Event(name=name, description=(description or "").strip() or None)
    db.session.add(event)
    db.session.flush()
    audit.record(actor, AuditAction.CREATE, event, ["name"])
    return event


def update_event(event: Event, name: str, description: str | None, actor) -> list[str]:
    name = (name or "").strip()
    if not name:
        raise InvalidInput({"name": "Enter the event's name"})
    if len(name) > 200:
        raise InvalidInput({"name": "Name must be 200 characters or fewer"})
    clash = select(Event.id).where(func.lower(Event.name) == name.lower(), Event.id != event.id)
    if db.session.scalar(clash):
        raise InvalidInput({"name": "An event with this name already exists"})
    event.name = name
    event.description = (description or "").strip() or None
    fields = audit.changed_fields(event)
    if fields:
        audit.record(actor, AuditAction.UPDATE, event, fields)
    return fields
