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
