"""Recording who took part in a session: one participation per person per session, written
with an upsert so that repeated or simultaneous saves never make a second row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from crm.extensions import db
from crm.models import Participation, Session
from crm.models.base import utcnow
from crm.models.enums import ParticipationRole, ParticipationSource, ParticipationStatus

# When a report and an earlier record disagree, the stronger status wins (merges use it too).
STATUS_STRENGTH = {
    ParticipationStatus.ATTENDED: 6,
    ParticipationStatus.APOLOGIES: 5,
    ParticipationStatus.NO_SHOW: 4,
    ParticipationStatus.REGISTERED: 3,
    ParticipationStatus.INVITED: 2,
    ParticipationStatus.DECLINED: 1,
}


class _Keep:
    """Leave the stored value as it is (or use the default for a new row)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()
# What a new participation gets for the values a mark leaves as KEEP.
DEFAULTS = {"role": ParticipationRole.PARTICIPANT, "minutes": None, "creche_children": 0}
_OPTIONAL = tuple(DEFAULTS)


@dataclass(frozen=True)
class Mark:
    """What to record for one person at one session. KEEP leaves a stored value as it is;
    minutes=None means "the whole session"."""

    person_id: int
    status: ParticipationStatus
    role: ParticipationRole | Any = KEEP
    minutes: int | None | Any = KEEP
    creche_children: int | Any = KEEP


def dialect_insert():
    """The INSERT construct with ON CONFLICT support for the database in use."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def lock_session(session_id: int) -> None:
    """Take the session's row lock for the rest of the transaction, so that writes to one
    session's attendance take turns: each reads what the one before it committed. PostgreSQL
    only; SQLite's write transactions begin immediately and already hold the whole database."""
    if db.session.get_bind().dialect.name == "sqlite":
        return
    db.session.execute(select(Session.id).where(Session.id == session_id).with_for_update())


def upsert_participations(session_id: int, marks: Iterable[Mark], source: ParticipationSource) -> int:
    """Insert or update one participation per mark; returns how many.

    The database's unique constraint on (session, person) decides between insert and update
    (INSERT … ON CONFLICT DO UPDATE), so two requests saving the same person at once both
    succeed and leave one row. Marks are grouped by which fields they set, one statement each."""
    now = utcnow()
    groups: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for mark in marks:
        given = tuple(name for name in _OPTIONAL if getattr(mark, name) is not KEEP)
        row = {
            "session_id": session_id,
            "person_id": mark.person_id,
            "status": ParticipationStatus(mark.status),
            "source": ParticipationSource(source),
            "created_at": now,
            "updated_at": now,
        }
        for name in _OPTIONAL:
            value = getattr(mark, name)
            row[name] = DEFAULTS[name] if value is KEEP else value
        groups[given].append(row)
    if not groups:
        return 0
    insert = dialect_insert()
    count = 0
    for given, rows in groups.items():
        statement = insert(Participation).values(rows)
        updated = ("status", "source", "updated_at", *given)
        statement = statement.on_conflict_do_update(
            index_elements=["session_id", "person_id"],
            set_={name: statement.excluded[name] for name in updated},
        )
        db.session.execute(statement)
        count += len(rows)
    return count


def participations_for(session_id: int, person_ids: Iterable[int]) -> dict[int, Participation]:
    ids = list(person_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Participation).where(Participation.session_id == session_id, Participation.person_id.in_(ids))
    )
    return {row.person_id: row for row in rows}


MAX_MINUTES = 24 * 60
MAX_CRECHE_CHILDREN = 20
# Statuses that say what happened at the session, so only once it has taken place.
_AFTER_THE_SESSION = {ParticipationStatus.ATTENDED, ParticipationStatus.APOLOGIES, ParticipationStatus.NO_SHOW}


def record_participation(session: Session, person_id: int, values: dict[str, Any], actor, source: ParticipationSource):
    """Insert or update one person's participation in a session (the API's PUT): `status` is
    required, `role`, `minutes` and `creche_children` are optional and left as stored when not
    given. Returns (participation, created). The same call twice changes nothing the second time.

    Refused like the register: a cancelled session; attended, apologies or did-not-come before the
    session's day; leaving "attended" for someone with contributions recorded at the session."""
    from crm.models.enums import AuditAction
    from crm.queries.register import people_with_contributions
    from crm.services import audit
    from crm.services.errors import InvalidInput

    lock_session(session.id)
    if session.cancelled:
        raise InvalidInput(message=f"{session.title} was cancelled, so attendance cannot be recorded.")
    from crm.consent import uk_today
    from crm.models import Person

    person = db.session.get(Person, person_id)
    if person is not None and person.erased_at is not None:
        raise InvalidInput(message="This person's record was anonymised; attendance cannot be added to it.")
    status = values["status"]
    if status in _AFTER_THE_SESSION and session.date > uk_today():
        raise InvalidInput({"status": f"The session is on {session.date.isoformat()}; record {status.value} from then"})
    minutes = values.get("minutes", KEEP)
    if minutes is not KEEP and minutes is not None and not 0 <= minutes <= MAX_MINUTES:
        raise InvalidInput({"minutes": f"Must be from 0 to {MAX_MINUTES}, or null for the whole session"})
    creche = values.get("creche_children", KEEP)
    if creche is not KEEP and not 0 <= creche <= MAX_CRECHE_CHILDREN:
        raise InvalidInput({"creche_children": f"Must be from 0 to {MAX_CRECHE_CHILDREN}"})
    stored = db.session.scalar(
        select(Participation)
        .where(Participation.session_id == session.id, Participation.person_id == person_id)
        .with_for_update()
    )
    if status != ParticipationStatus.ATTENDED and people_with_contributions(session.id, [person_id]):
        raise InvalidInput({"status": "This person has contributions recorded at this session; remove them first"})
    mark = Mark(person_id, status, role=values.get("role", KEEP), minutes=minutes, creche_children=creche)
    if stored is not None:
        unchanged = stored.status == status and all(
            getattr(mark, name) is KEEP or getattr(mark, name) == getattr(stored, name) for name in _OPTIONAL
        )
        if unchanged:
            return stored, False
    upsert_participations(session.id, [mark], source)
    if stored is not None:
        db.session.refresh(stored)
    participation = stored or db.session.scalar(
        select(Participation).where(Participation.session_id == session.id, Participation.person_id == person_id)
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        session,
        ["participations"],
        detail=f"participation {'added' if stored is None else 'changed'} ({source.label})",
    )
    return participation, stored is None
