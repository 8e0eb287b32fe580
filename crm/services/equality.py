"""Equality-monitoring answers: special category data, seen and changed only by managers and
admins. Every view and every change is audited, by field name, never by value."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, select

from crm.extensions import db
from crm.models import EqualityMonitoring, Person
from crm.models.enums import AgeBand, AuditAction, Disability, Ethnicity, Gender
from crm.services import audit
from crm.services.errors import InvalidInput
from crm.services.participation import dialect_insert

# The answers, in the order the form asks them, with the enum each one takes.
FIELDS: dict[str, type] = {
    "age_band": AgeBand,
    "ethnicity": Ethnicity,
    "disability": Disability,
    "gender": Gender,
}
AUDIT_DETAIL = "equality monitoring"


def equality_answers(person: Person) -> EqualityMonitoring | None:
    """The person's answers, loaded without auditing (for subject access and erasure only)."""
    return db.session.scalar(select(EqualityMonitoring).where(EqualityMonitoring.person_id == person.id))


def view_equality(person: Person, actor) -> EqualityMonitoring | None:
    """The person's answers for someone about to see them: the viewing is audited."""
    answers = equality_answers(person)
    audit.record(actor, AuditAction.VIEW, person, detail=AUDIT_DETAIL)
    db.session.flush()
    return answers


def update_equality(person: Person, answers: Mapping[str, str | None], actor) -> list[str]:
    """Set the answers given (blank means not answered); returns the names of those that changed."""
    if person.erased_at is not None:
        raise InvalidInput({"age_band": "This person has been anonymised, so nothing about them can be recorded."})
    clean: dict[str, object] = {}
    problems: dict[str, str] = {}
    for name, enum in FIELDS.items():
        if name not in answers:
            continue
        value = answers[name] or None
        if value is None:
            clean[name] = None
            continue
        try:
            clean[name] = enum(value)
        except ValueError:
            problems[name] = "Choose an answer from the list"
    if problems:
        raise InvalidInput(problems)
    record = equality_answers(person)
    created = False
    if record is None:
        if not any(value is not None for value in clean.values()):
            return []
        created, record = _create_record(person)
    changed = sorted(name for name, value in clean.items() if getattr(record, name) != value)
    for name in changed:
        setattr(record, name, clean[name])
    if not changed:
        return []
    record.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record(actor, AuditAction.CREATE if created else AuditAction.UPDATE, person, changed, detail=AUDIT_DETAIL)
    return changed


def _create_record(person: Person) -> tuple[bool, EqualityMonitoring]:
    """The person's (empty) answers row, and whether this call created it. A double submit of the
    first answers sends two requests that both found no row: the second one's INSERT does nothing
    and it updates the row the first one made, instead of failing on the one-per-person key."""
    statement = (
        dialect_insert()(EqualityMonitoring)
        .values(person_id=person.id)
        .on_conflict_do_nothing(index_elements=["person_id"])
        .returning(EqualityMonitoring.person_id)
    )
    created = db.session.execute(statement).first() is not None
    record = db.session.scalars(
        select(EqualityMonitoring)
        .where(EqualityMonitoring.person_id == person.id)
        .execution_options(populate_existing=True)
    ).one()
    return created, record


def remove_equality(person_ids: list[int]) -> int:
    """Delete these people's answers (anonymisation); returns how many records went."""
    if not person_ids:
        return 0
    result = db.session.execute(
        delete(EqualityMonitoring)
        .where(EqualityMonitoring.person_id.in_(person_ids))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
