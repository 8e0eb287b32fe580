"""A session's register: the champion's marks saved in one go, and walk-ins marked as attended.

Every write here starts by locking the session (`lock_session`), so two champions saving the
same register at once take turns and each compares with what the other committed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm.extensions import db
from crm.models import Participation
from crm.models.base import utcnow
from crm.models.enums import (
    AuditAction,
    ConsentMethod,
    ConsentPurpose,
    ParticipationRole,
    ParticipationSource,
    ParticipationStatus,
)
from crm.queries.register import display_names, people_with_contributions
from crm.services import audit
from crm.services.errors import InvalidInput
from crm.services.participation import DEFAULTS, Mark, dialect_insert, lock_session, upsert_participations

# The marks a register sets; invited, registered and declined come from invitations and replies.
REGISTER_MARKS = (ParticipationStatus.ATTENDED, ParticipationStatus.APOLOGIES, ParticipationStatus.NO_SHOW)
MAX_CRECHE_CHILDREN = 20
# The widest value read back from the page's record of what it loaded (imports may store more
# minutes than the session's length).
MAX_LOADED_MINUTES = 24 * 60
_REGISTER_FIELDS = ("status", "role", "minutes", "creche_children")
EMAIL_TAKEN = "Someone with this email address is already in the CRM"
CHANGED_MEANWHILE = (
    "The CRM changed while this was being saved (someone may have been removed from it). "
    "Reload the register and try again."
)


@dataclass(frozen=True)
class RegisterRow:
    """One row of a register as submitted: what the champion set, and what the page showed when it
    was loaded (`loaded_*`). Values may be the strings a form sends.

    status: attended, apologies or no_show; empty leaves the loaded status. role: empty leaves the
    loaded role. minutes: from 0 to the session's length; empty (or the length) means the whole
    session. creche_children: empty means none."""

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
    # Whose marks someone else had also changed since the page was loaded (this save's are kept).
    replaced_names: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.changes)


def has_happened(session, today: date | None = None) -> bool:
    """True from the session's day on: attendance can be recorded on the day itself."""
    return session.date <= (today or date.today())


def not_yet_message(session) -> str:
    day = session.date
    return f"This session has not happened yet — you can record attendance from {day.day} {day:%B %Y}"


def _check_session_open(session) -> None:
    if session.cancelled:
        raise InvalidInput(message=f"{session.title} was cancelled, so it has no register.")


def _check_session_happened(session) -> None:
    if not has_happened(session):
        raise InvalidInput(message=not_yet_message(session))


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
        minutes = None if _blank(row.loaded_minutes) else _whole_number(row.loaded_minutes, 0, MAX_LOADED_MINUTES)
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


def _minutes(row: RegisterRow, loaded: dict[str, Any], length: int) -> int | None:
    """The submitted minutes: from 0 to the session's length. A value the page loaded (an import
    may have stored more) is accepted unchanged, so it never stops the rest of the register."""
    minutes = None if _blank(row.minutes) else _whole_number(row.minutes, 0, MAX_LOADED_MINUTES)
    minutes = _whole_session(minutes, length)
    if minutes is not None and minutes > length and minutes != loaded["minutes"]:
        raise ValueError(minutes)
    return minutes


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
        values["minutes"] = _minutes(row, loaded, length)
    except ValueError:
        problems[f"{key}.minutes"] = f"Minutes must be between 0 and {max(length, 0)} (the length of the session)"
    try:
        values["creche_children"] = (
            0 if _blank(row.creche_children) else _whole_number(row.creche_children, 0, MAX_CRECHE_CHILDREN)
        )
    except ValueError:
        problems[f"{key}.creche_children"] = f"Enter creche children as a whole number from 0 to {MAX_CRECHE_CHILDREN}"
    return values


def save_register(session, rows: Iterable[RegisterRow], actor) -> RegisterSaved:
    """Record a session's register: write only the rows (and, in them, the fields) the champion
    changed from what the page showed, so two people saving the same register keep each other's
    marks. All rows are checked first; any problem raises InvalidInput (keys
    `rows.<index>.<field>`, or a message for the whole register) and nothing is written. Saving the
    same register again changes nothing. Writes one audit row for the session when something
    changed.

    Refused: a cancelled session; marks for a session that has not happened yet; "apologies" or
    "did not come" for someone with contributions recorded at the session."""
    lock_session(session.id)
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
    names = display_names(seen)
    for index, person_id, _loaded_values, _wanted_values in parsed:
        if person_id not in names:
            problems[f"rows.{index}.person_id"] = (
                "This person is no longer in the CRM. Reload the register and try again"
            )
    if problems:
        raise InvalidInput(problems)

    # Only rows the champion changed; someone else's marks in the other rows are left alone.
    touched = {
        person_id: (index, loaded, {name: wanted[name] for name in _REGISTER_FIELDS if wanted[name] != loaded[name]})
        for index, person_id, loaded, wanted in parsed
        if any(wanted[name] != loaded[name] for name in _REGISTER_FIELDS)
    }
    if not touched:
        return RegisterSaved([])
    if not has_happened(session):
        raise InvalidInput(message=not_yet_message(session))
    # Lock the rows being changed too (against writers other than the register, such as imports),
    # in one order, then compare with what is stored now.
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
        _index, loaded, mine = touched[person_id]
        stored = current.get(person_id)
        now = (
            {
                "status": stored.status,
                "role": stored.role,
                "minutes": _whole_session(stored.minutes, length),
                "creche_children": stored.creche_children,
            }
            if stored is not None
            else {"status": None, **DEFAULTS}
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

    # Someone who contributed was there: "apologies" or "did not come" would contradict the record.
    leaving = [c.person_id for c in changes if "status" in c.fields and c.status != ParticipationStatus.ATTENDED]
    contributed = people_with_contributions(session.id, leaving)
    if contributed:
        raise InvalidInput(
            {
                f"rows.{touched[person_id][0]}.status": (
                    f"{names[person_id]} has contributions recorded at this session — remove them before "
                    "changing their attendance"
                )
                for person_id in sorted(contributed)
            }
        )

    try:
        upsert_participations(session.id, marks, ParticipationSource.REGISTER)
    except IntegrityError as error:
        raise InvalidInput(message=CHANGED_MEANWHILE) from error
    count = len(changes)
    audit.record(
        actor,
        AuditAction.UPDATE,
        session,
        sorted({name for change in changes for name in change.fields}),
        detail=f"register: {count} change{'' if count == 1 else 's'}",
    )
    return RegisterSaved(changes, [names[c.person_id] for c in changes if c.replaced_other_change])


def add_walk_in(session, person_id: int, actor) -> bool:
    """Mark someone who came without being on the register as attended: a new row gets role
    participant and the whole session; a row they already have keeps its role and minutes.
    One statement decides (INSERT … ON CONFLICT DO UPDATE … WHERE not attended), so a double tap
    or two champions adding the same person leave one row and one audit entry. Returns False when
    they were already marked as attended."""
    lock_session(session.id)
    _check_session_open(session)
    _check_session_happened(session)
    now = utcnow()
    insert = dialect_insert()
    statement = insert(Participation).values(
        session_id=session.id,
        person_id=person_id,
        status=ParticipationStatus.ATTENDED,
        source=ParticipationSource.REGISTER,
        created_at=now,
        updated_at=now,
        **DEFAULTS,
    )
    statement = statement.on_conflict_do_update(
        index_elements=["session_id", "person_id"],
        set_={name: statement.excluded[name] for name in ("status", "source", "updated_at")},
        where=Participation.status != ParticipationStatus.ATTENDED,
    ).returning(Participation.id)
    try:
        changed = db.session.execute(statement).first() is not None
    except IntegrityError as error:  # the person was removed from the CRM meanwhile
        raise InvalidInput(message=CHANGED_MEANWHILE) from error
    if changed:
        audit.record(actor, AuditAction.UPDATE, session, ["status"], detail="register: walk-in added")
    return changed


def add_new_walk_in(session, person_data, actor, *, contact_consent: bool = False):
    """Someone new came: add them to the CRM (with their consent to be contacted, given verbally
    to the champion, in the standard words) and mark them as attended. Returns the person.

    If the same email address is added at the same moment elsewhere (a double tap on another
    register), the database's unique constraint decides and this one gets a message."""
    from crm.consent import standard_wording
    from crm.services import people

    lock_session(session.id)
    _check_session_open(session)
    _check_session_happened(session)
    try:
        person = people.create_person(person_data, actor)
        if contact_consent:
            people.record_consent(
                person,
                ConsentPurpose.CONTACT,
                ConsentMethod.VERBAL,
                standard_wording(ConsentPurpose.CONTACT),
                actor,
            )
            db.session.flush()
    except IntegrityError as error:
        if "email" in str(error.orig).lower():
            raise InvalidInput({"email": EMAIL_TAKEN}) from error
        raise InvalidInput(message=CHANGED_MEANWHILE) from error
    add_walk_in(session, person.id, actor)
    return person
