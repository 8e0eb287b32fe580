"""Recording who took part in a session: one participation per person per session, written
with an upsert so that repeated or simultaneous saves never make a second row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from crm.extensions import db
from crm.models import Participation, Person
from crm.models.base import utcnow
from crm.models.enums import (
    AuditAction,
    ConsentMethod,
    ConsentPurpose,
    ParticipationRole,
    ParticipationSource,
    ParticipationStatus,
)
from crm.services import audit
from crm.services.errors import InvalidInput

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
_DEFAULTS = {"role": ParticipationRole.PARTICIPANT, "minutes": None, "creche_children": 0}
_OPTIONAL = tuple(_DEFAULTS)


@dataclass(frozen=True)
class Mark:
    """What to record for one person at one session. KEEP leaves a stored value as it is;
    minutes=None means "the whole session"."""

    person_id: int
    status: ParticipationStatus
    role: ParticipationRole | Any = KEEP
    minutes: int | None | Any = KEEP
    creche_children: int | Any = KEEP


def _insert(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


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
            row[name] = _DEFAULTS[name] if value is KEEP else value
        groups[given].append(row)
    if not groups:
        return 0
    insert = _insert(db.session.get_bind().dialect.name)
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


# --- The session register ------------------------------------------------------------------

# The marks a register sets; invited, registered and declined come from invitations and replies.
REGISTER_MARKS = (ParticipationStatus.ATTENDED, ParticipationStatus.APOLOGIES, ParticipationStatus.NO_SHOW)
MAX_MINUTES = 24 * 60
MAX_CRECHE_CHILDREN = 20
_REGISTER_FIELDS = ("status", "role", "minutes", "creche_children")


@dataclass(frozen=True)
class RegisterRow:
    """One row of a register as submitted: what the champion set, and what the page showed when it
    was loaded (`loaded_*`). Values may be the strings a form sends.

    status: attended, apologies or no_show; empty leaves the loaded status. role: empty leaves the
    loaded role. minutes: empty (or the session's length) means the whole session.
    creche_children: empty means none."""

    person_id: Any
    status: Any = None
    role: Any = None
    minutes: Any = None
    creche_children: Any = None
    loaded_status: Any = None
    loaded_role: Any = None
    loaded_minutes: Any = None
    loaded_creche_children: Any = None


@dataclass(frozen=True)
class RegisterChange:
    person_id: int
    fields: tuple[str, ...]
    status: ParticipationStatus
    # True when someone else had changed this person's marks after the page was loaded.
    replaced_other_change: bool = False


@dataclass
class RegisterSaved:
    changes: list[RegisterChange]

    @property
    def count(self) -> int:
        return len(self.changes)

    @property
    def replaced(self) -> list[int]:
        return [change.person_id for change in self.changes if change.replaced_other_change]


class _Unknown:
    """A loaded value that could not be read: never equal to anything, so the row is compared
    with the database instead."""

    def __eq__(self, other) -> bool:
        return False

    def __hash__(self) -> int:
        return 0


_UNKNOWN: Any = _Unknown()


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _whole_number(value, low: int, high: int) -> int:
    """`value` as an int from low to high; raises ValueError otherwise ("12.5", "-1", "ten")."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not text.isdigit() or not text.isascii():
            raise ValueError(value)
        number = int(text)
    if not low <= number <= high:
        raise ValueError(value)
    return number


def _whole_session(minutes: int | None, length: int) -> int | None:
    """Minutes equal to the session's length are the whole session, stored as None."""
    return None if minutes is None or minutes == length else minutes


def _loaded(row: RegisterRow, length: int) -> dict[str, Any]:
    """What the page showed; a value that cannot be read is _UNKNOWN."""
    values: dict[str, Any] = {}
    try:
        values["status"] = None if _blank(row.loaded_status) else ParticipationStatus(str(row.loaded_status))
    except ValueError:
        values["status"] = _UNKNOWN
    try:
        values["role"] = (
            ParticipationRole.PARTICIPANT if _blank(row.loaded_role) else ParticipationRole(str(row.loaded_role))
        )
    except ValueError:
        values["role"] = _UNKNOWN
    try:
        minutes = None if _blank(row.loaded_minutes) else _whole_number(row.loaded_minutes, 0, MAX_MINUTES)
        values["minutes"] = _whole_session(minutes, length)
    except ValueError:
        values["minutes"] = _UNKNOWN
    try:
        values["creche_children"] = (
            0 if _blank(row.loaded_creche_children) else _whole_number(row.loaded_creche_children, 0, 10_000)
        )
    except ValueError:
        values["creche_children"] = _UNKNOWN
    return values


def _wanted(row: RegisterRow, loaded: dict[str, Any], length: int, problems: dict[str, str], key: str) -> dict:
    """The values the champion submitted, checked; problems go into `problems` under `key.field`."""
    values: dict[str, Any] = {}
    if _blank(row.status):
        values["status"] = loaded["status"]
    else:
        try:
            status = ParticipationStatus(str(row.status))
        except ValueError:
            status = None
        if status not in REGISTER_MARKS:
            problems[f"{key}.status"] = "Choose attended, apologies or did not come"
        values["status"] = status
    if _blank(row.role):
        values["role"] = loaded["role"]
    else:
        try:
            values["role"] = ParticipationRole(str(row.role))
        except ValueError:
            problems[f"{key}.role"] = "Choose a role from the list"
    try:
        minutes = None if _blank(row.minutes) else _whole_number(row.minutes, 0, MAX_MINUTES)
        values["minutes"] = _whole_session(minutes, length)
    except ValueError:
        problems[f"{key}.minutes"] = (
            f"Enter minutes as a whole number from 0 to {MAX_MINUTES}, or leave it empty for the whole session"
        )
    try:
        values["creche_children"] = (
            0 if _blank(row.creche_children) else _whole_number(row.creche_children, 0, MAX_CRECHE_CHILDREN)
        )
    except ValueError:
        problems[f"{key}.creche_children"] = f"Enter creche children as a whole number from 0 to {MAX_CRECHE_CHILDREN}"
    return values


def _check_session_open(session) -> None:
    if session.cancelled:
        raise InvalidInput(message=f"{session.title} was cancelled, so it has no register.")


def save_register(session, rows: Iterable[RegisterRow], actor) -> RegisterSaved:
    """Record a session's register: write only the rows (and, in them, the fields) the champion
    changed from what the page showed, so two people saving the same register at once keep each
    other's marks. All rows are checked first; any problem raises InvalidInput (keys
    `rows.<index>.<field>`) and nothing is written. Saving the same register again changes nothing.
    Writes one audit row for the session when something changed."""
    _check_session_open(session)
    rows = list(rows)
    length = session.length_minutes
    problems: dict[str, str] = {}
    parsed: list[tuple[int, int, dict, dict]] = []
    seen: set[int] = set()
    for index, row in enumerate(rows):
        key = f"rows.{index}"
        try:
            person_id = _whole_number(row.person_id, 1, 2**63 - 1)
        except ValueError:
            problems[f"{key}.person_id"] = "This row does not name a person. Reload the register and try again"
            continue
        if person_id in seen:
            problems[f"{key}.person_id"] = "This person is on the register twice. Reload the register and try again"
            continue
        seen.add(person_id)
        loaded = _loaded(row, length)
        wanted = _wanted(row, loaded, length, problems, key)
        parsed.append((index, person_id, loaded, wanted))
    if seen:
        known = set(db.session.scalars(select(Person.id).where(Person.id.in_(seen))))
        for index, person_id, _loaded_values, _wanted_values in parsed:
            if person_id not in known:
                problems[f"rows.{index}.person_id"] = (
                    "This person is no longer in the CRM. Reload the register and try again"
                )
    if problems:
        raise InvalidInput(problems)

    # Only rows the champion changed; someone else's marks in the other rows are left alone.
    touched = {
        person_id: (loaded, {name: wanted[name] for name in _REGISTER_FIELDS if wanted[name] != loaded[name]})
        for _index, person_id, loaded, wanted in parsed
        if any(wanted[name] != loaded[name] for name in _REGISTER_FIELDS)
    }
    if not touched:
        return RegisterSaved([])
    # Lock the rows being changed (PostgreSQL; SQLite's write transaction already holds the
    # database), in one order so two saves cannot deadlock, then compare with what is stored now.
    current = {
        p.person_id: p
        for p in db.session.scalars(
            select(Participation)
            .where(Participation.session_id == session.id, Participation.person_id.in_(touched))
            .order_by(Participation.person_id)
            .with_for_update()
        )
    }
    marks: list[Mark] = []
    changes: list[RegisterChange] = []
    for person_id in sorted(touched):
        loaded, mine = touched[person_id]
        stored = current.get(person_id)
        now = (
            {
                "status": stored.status,
                "role": stored.role,
                "minutes": _whole_session(stored.minutes, length),
                "creche_children": stored.creche_children,
            }
            if stored is not None
            else {"status": None, **_DEFAULTS}
        )
        target = {**now, **mine}
        if target["status"] is None:
            continue  # nothing to record for someone with no status
        fields = tuple(name for name in _REGISTER_FIELDS if target[name] != now[name])
        if stored is not None and not fields:
            continue
        others_changed = stored is not None and any(
            now[name] != loaded[name] and now[name] != target[name] for name in mine
        )
        marks.append(Mark(person_id, target["status"], **{name: target[name] for name in mine if name != "status"}))
        changes.append(RegisterChange(person_id, fields or ("status",), target["status"], others_changed))
    if not marks:
        return RegisterSaved([])
    upsert_participations(session.id, marks, ParticipationSource.REGISTER)
    count = len(changes)
    audit.record(
        actor,
        AuditAction.UPDATE,
        session,
        sorted({name for change in changes for name in change.fields}),
        detail=f"register: {count} change{'' if count == 1 else 's'}",
    )
    return RegisterSaved(changes)


def add_walk_in(session, person_id: int, actor) -> bool:
    """Mark someone who came without being on the register as attended (a new row gets role
    participant and the whole session; a row they already have keeps its role and minutes).
    Returns False when they were already marked as attended."""
    _check_session_open(session)
    stored = participations_for(session.id, [person_id]).get(person_id)
    if stored is not None and stored.status == ParticipationStatus.ATTENDED:
        return False
    upsert_participations(session.id, [Mark(person_id, ParticipationStatus.ATTENDED)], ParticipationSource.REGISTER)
    audit.record(actor, AuditAction.UPDATE, session, ["status"], detail="register: walk-in added")
    return True


def add_new_walk_in(session, person_data, actor, *, contact_consent: bool = False):
    """Someone new came: add them to the CRM (with their consent to be contacted, given verbally
    to the champion, in the standard words) and mark them as attended. Returns the person."""
    from crm.consent import standard_wording
    from crm.services import people

    _check_session_open(session)
    person = people.create_person(person_data, actor)
    if contact_consent:
        people.record_consent(
            person,
            ConsentPurpose.CONTACT,
            ConsentMethod.VERBAL,
            standard_wording(ConsentPurpose.CONTACT),
            actor,
        )
    add_walk_in(session, person.id, actor)
    return person
