"""Merging two records of one person, and setting aside pairs that are two people.

Everything that refers to the merged-away person moves to the survivor. The tables that do are
found from the metadata (every foreign key to people.id); each has its own rule below, and
merging refuses to run while one has none, so a new table cannot be forgotten (a test checks
the list too)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Table, delete, insert, or_, select, update

from crm.extensions import db
from crm.models import (
    Affiliation,
    AuditEvent,
    Consent,
    Contribution,
    DuplicateDismissal,
    EqualityMonitoring,
    OutboxMessage,
    Participation,
    Person,
    PersonMerge,
    PersonTypeLink,
    person_tags,
)
from crm.models.base import utcnow
from crm.models.enums import AuditAction, ParticipationStatus
from crm.services import audit
from crm.services.errors import Conflict, InvalidInput
from crm.services.participation import STATUS_STRENGTH

# The person's own details, chosen one by one on the merge page.
MERGE_FIELDS = (
    "first_name",
    "last_name",
    "preferred_name",
    "email",
    "phone",
    "postcode",
    "ward_id",
    "status",
    "needs_creche",
    "needs_step_free",
    "interpreter_language",
    "other_needs",
    "dietary_needs",
    "notes",
)
# Free text where both records' words may be worth keeping.
JOINABLE_FIELDS = ("other_needs", "notes")
KEEP, DROP, BOTH = "keep", "drop", "both"
# Audit rows whose entity_id is a person's id.
PERSON_ENTITY_TYPES = ("people", "equality_monitoring")


@dataclass
class MergeResult:
    survivor_id: int
    merged_id: int
    fields: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def references_to_people() -> set[tuple[str, str]]:
    """(table, column) for every foreign key to people.id in the application's metadata."""
    found = set()
    for table in db.Model.metadata.tables.values():
        for key in table.foreign_keys:
            if key.column.table.name == Person.__tablename__ and key.column.name == "id":
                found.add((table.name, key.parent.name))
    return found


def _move_participations(keep: int, drop: int, result: MergeResult) -> None:
    """A session only the merged-away person has: the row moves. A session both have: one row
    stays (the survivor's), with the stronger status and what goes with it, the larger of the
    minutes recorded, and both rows' contributions."""
    rows = db.session.scalars(select(Participation).where(Participation.person_id.in_((keep, drop)))).all()
    mine = {p.session_id: p for p in rows if p.person_id == keep}
    theirs = [p for p in rows if p.person_id == drop]
    combined = 0
    for other in theirs:
        kept = mine.get(other.session_id)
        if kept is None:
            continue
        combined += 1
        kept.minutes = _combined_minutes(kept, other)
        if STATUS_STRENGTH[other.status] > STATUS_STRENGTH[kept.status]:
            kept.status, kept.role, kept.source = other.status, other.role, other.source
        kept.creche_children = max(kept.creche_children, other.creche_children)
        invited = [t for t in (kept.invited_at, other.invited_at) if t is not None]
        kept.invited_at = min(invited) if invited else None
        if other.replied_at and (kept.replied_at is None or other.replied_at > kept.replied_at):
            kept.replied_at, kept.reply = other.replied_at, other.reply
        for name in ("reminded_at", "creche_ages", "reply_note"):
            if getattr(kept, name) is None:
                setattr(kept, name, getattr(other, name))
        db.session.flush()
        db.session.execute(
            update(Contribution).where(Contribution.participation_id == other.id).values(participation_id=kept.id)
        )
        db.session.execute(delete(Participation).where(Participation.id == other.id))
        db.session.expunge(other)
    moved = db.session.execute(
        update(Participation).where(Participation.person_id == drop).values(person_id=keep)
    ).rowcount
    result.counts["participations"] = moved + combined
    result.counts["participations_combined"] = combined


def _combined_minutes(kept: Participation, other: Participation) -> int | None:
    """Minutes for the combined row. None means the whole session, so it is the most there is:
    if both records say attended, None wins, else the larger; if one says attended, its minutes."""
    attended = [p for p in (kept, other) if p.status == ParticipationStatus.ATTENDED]
    if len(attended) == 1:
        return attended[0].minutes
    if attended and any(p.minutes is None for p in attended):
        return None
    minutes = [m for m in (kept.minutes, other.minutes) if m is not None]
    return max(minutes) if minutes else None


def _move_consents(keep: int, drop: int, result: MergeResult) -> None:
    """Consents move to the survivor; where both had a current consent for the same purpose (and
    partner), the older one is withdrawn, so one withdrawal later really ends it."""
    _move_rows(Consent, Consent.person_id)(keep, drop, result)
    current = db.session.scalars(
        select(Consent)
        .where(Consent.person_id == keep, Consent.withdrawn_at.is_(None))
        .order_by(Consent.given_at.desc(), Consent.id.desc())
    ).all()
    seen = set()
    for consent in current:
        key = (consent.purpose, (consent.partner_name or "").strip().lower())
        if key in seen:
            consent.withdrawn_at = utcnow()
        seen.add(key)


def _move_rows(model, column) -> Callable[[int, int, MergeResult], None]:
    """Rows that simply change hands."""

    def move(keep: int, drop: int, result: MergeResult) -> None:
        moved = db.session.execute(update(model).where(column == drop).values({column.key: keep})).rowcount
        result.counts[model.__tablename__] = moved

    return move


def _union(table: Table, person_column: str, other_column: str) -> Callable[[int, int, MergeResult], None]:
    """Link tables (tags, types): the survivor gets every link either had."""

    def unite(keep: int, drop: int, result: MergeResult) -> None:
        person, other = table.c[person_column], table.c[other_column]
        have = set(db.session.scalars(select(other).where(person == keep)))
        theirs = set(db.session.scalars(select(other).where(person == drop)))
        added = sorted(theirs - have, key=str)
        if added:
            db.session.execute(insert(table), [{person_column: keep, other_column: value} for value in added])
        db.session.execute(delete(table).where(person == drop))
        result.counts[table.name] = len(added)

    return unite


def _move_affiliations(keep: int, drop: int, result: MergeResult) -> None:
    """One affiliation per organisation: where both have one, the survivor's stays and takes the
    other's job title if it has none."""
    rows = db.session.scalars(select(Affiliation).where(Affiliation.person_id.in_((keep, drop)))).all()
    mine = {a.organisation_id: a for a in rows if a.person_id == keep}
    for other in (a for a in rows if a.person_id == drop):
        kept = mine.get(other.organisation_id)
        if kept is not None:
            if not kept.job_title and other.job_title:
                kept.job_title = other.job_title
            db.session.flush()
            db.session.execute(delete(Affiliation).where(Affiliation.id == other.id))
            db.session.expunge(other)
    result.counts["affiliations"] = db.session.execute(
        update(Affiliation).where(Affiliation.person_id == drop).values(person_id=keep)
    ).rowcount


def _move_equality(keep: int, drop: int, result: MergeResult) -> None:
    """The survivor's answers if it has any, else the other record's."""
    has_own = db.session.scalar(select(EqualityMonitoring.person_id).where(EqualityMonitoring.person_id == keep))
    if has_own is not None:
        db.session.execute(delete(EqualityMonitoring).where(EqualityMonitoring.person_id == drop))
        result.counts["equality_monitoring"] = 0
        return
    result.counts["equality_monitoring"] = db.session.execute(
        update(EqualityMonitoring).where(EqualityMonitoring.person_id == drop).values(person_id=keep)
    ).rowcount


def _repoint_merges(keep: int, drop: int, result: MergeResult) -> None:
    """Ids merged into the merged-away person now lead to the survivor."""
    result.counts["earlier_merges"] = db.session.execute(
        update(PersonMerge).where(PersonMerge.survivor_id == drop).values(survivor_id=keep)
    ).rowcount


def _move_dismissals(keep: int, drop: int, result: MergeResult) -> None:
    """ "Not the same person as X" said of either record holds for the survivor."""
    low, high = DuplicateDismissal.person_low_id, DuplicateDismissal.person_high_id
    rows = db.session.execute(select(low, high).where(or_(low == drop, high == drop))).all()
    existing = {tuple(row) for row in db.session.execute(select(low, high).where(or_(low == keep, high == keep))).all()}
    added = 0
    for row in rows:
        other = row[1] if row[0] == drop else row[0]
        pair = tuple(sorted((keep, other)))
        if other != keep and pair not in existing:
            db.session.add(DuplicateDismissal(person_low_id=pair[0], person_high_id=pair[1]))
            existing.add(pair)
            added += 1
    db.session.flush()
    db.session.execute(delete(DuplicateDismissal).where(or_(low == drop, high == drop)))
    result.counts["duplicate_dismissals"] = added


def _already_done(keep: int, drop: int, result: MergeResult) -> None:
    """Handled by another rule (both columns of a pair table)."""


# What happens to each (table, column) that refers to a person when they are merged away.
REFERENCE_RULES: dict[tuple[str, str], Callable[[int, int, MergeResult], None]] = {
    ("participations", "person_id"): _move_participations,
    ("consents", "person_id"): _move_consents,
    ("outbox_messages", "person_id"): _move_rows(OutboxMessage, OutboxMessage.person_id),
    ("person_tags", "person_id"): _union(person_tags, "person_id", "tag_id"),
    ("person_types", "person_id"): _union(PersonTypeLink.__table__, "person_id", "type"),
    ("affiliations", "person_id"): _move_affiliations,
    ("equality_monitoring", "person_id"): _move_equality,
    ("person_merges", "survivor_id"): _repoint_merges,
    ("duplicate_dismissals", "person_low_id"): _move_dismissals,
    ("duplicate_dismissals", "person_high_id"): _already_done,
}


def unhandled_references() -> set[tuple[str, str]]:
    return references_to_people() - set(REFERENCE_RULES)


def _claim(person: Person, expected_version: int) -> None:
    """Bump the person's version if it is still the one the merge page showed (and, on
    PostgreSQL, hold the row until the merge commits); else someone else changed it."""
    claimed = db.session.execute(
        update(Person)
        .where(Person.id == person.id, Person.version == expected_version, Person.erased_at.is_(None))
        .values(version=Person.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise Conflict()


def _chosen_values(keep: Person, drop: Person, choices: Mapping[str, str]) -> dict:
    values = {}
    for name in MERGE_FIELDS:
        mine, theirs = getattr(keep, name), getattr(drop, name)
        choice = choices.get(name)
        if choice == BOTH and name in JOINABLE_FIELDS:
            values[name] = "\n\n".join(text for text in (mine, theirs) if text) or None
        elif choice == DROP or (choice is None and mine in (None, "") and theirs not in (None, "")):
            values[name] = theirs
        else:
            values[name] = mine
    return values


def merge_people(
    keep: Person,
    drop: Person,
    choices: Mapping[str, str],
    actor,
    *,
    expected_versions: tuple[int, int] | None = None,
) -> MergeResult:
    """Merge `drop` into `keep`: `choices` says, field by field, whose value survives (KEEP,
    DROP, or BOTH for notes and other needs; a field not named keeps the survivor's value, or
    the other's when the survivor has none). Everything referring to `drop` moves to `keep`,
    `drop` is deleted and its id recorded as merged into `keep`. Raises Conflict when either
    record changed since `expected_versions` (keep's, drop's) were read."""
    if keep.id == drop.id:
        raise InvalidInput({"keep": "Choose two different people to merge"})
    if keep.erased_at is not None or drop.erased_at is not None:
        raise InvalidInput({"keep": "An anonymised record cannot be merged"})
    unknown = sorted(set(choices) - set(MERGE_FIELDS))
    if unknown or any(v not in (KEEP, DROP, BOTH) for v in choices.values()):
        raise InvalidInput({"keep": "Choose which value to keep for each detail"})
    missing = unhandled_references()
    if missing:
        # Deleting the person would lose (or cascade away) rows nobody decided what to do with.
        raise RuntimeError(f"merge_people has no rule for {sorted(missing)}")
    keep_version, drop_version = expected_versions or (keep.version, drop.version)
    values = _chosen_values(keep, drop, choices)
    keep_id, drop_id = keep.id, drop.id
    _claim(keep, keep_version)
    _claim(drop, drop_version)

    result = MergeResult(survivor_id=keep_id, merged_id=drop_id)
    result.fields = sorted(name for name in MERGE_FIELDS if values[name] != getattr(keep, name))
    for rule in REFERENCE_RULES.values():
        rule(keep_id, drop_id, result)
    result.counts["audit_events"] = db.session.execute(
        update(AuditEvent)
        .where(AuditEvent.entity_type.in_(PERSON_ENTITY_TYPES), AuditEvent.entity_id == drop_id)
        .values(entity_id=keep_id)
    ).rowcount

    db.session.expunge(drop)
    db.session.execute(delete(Person).where(Person.id == drop_id).execution_options(synchronize_session=False))
    # After the delete, so that the survivor can take the other record's email address.
    db.session.execute(
        update(Person).where(Person.id == keep_id).values(**values).execution_options(synchronize_session=False)
    )
    db.session.add(PersonMerge(merged_id=drop_id, survivor_id=keep_id, merged_by_id=getattr(actor, "id", None)))
    db.session.flush()
    db.session.expire(keep)
    detail = f"merged person {drop_id} into {keep_id}; moved " + ", ".join(
        f"{name.replace('_', ' ')} {count}" for name, count in sorted(result.counts.items()) if count
    )
    audit.record(actor, AuditAction.MERGE, keep, result.fields, entity_type="people", detail=detail[:300])
    return result


def dismiss_pair(first: Person, second: Person, actor) -> None:
    """Record that these two are different people, so the duplicates screen stops listing them."""
    if first.id == second.id:
        raise InvalidInput({"pair": "Choose two different people"})
    low, high = sorted((first.id, second.id))
    exists = db.session.get(DuplicateDismissal, (low, high))
    if exists is None:
        db.session.add(
            DuplicateDismissal(person_low_id=low, person_high_id=high, dismissed_by_id=getattr(actor, "id", None))
        )
        db.session.flush()
        audit.record(
            actor, AuditAction.UPDATE, first, ["duplicate_dismissals"], detail=f"not the same person as {second.id}"
        )


def survivor_of(person_id: int) -> int | None:
    """The id a merged-away person's id now leads to, or None if it was never merged."""
    return db.session.scalar(select(PersonMerge.survivor_id).where(PersonMerge.merged_id == person_id))


__all__ = ["BOTH", "DROP", "KEEP", "MERGE_FIELDS", "MergeResult", "dismiss_pair", "merge_people", "survivor_of"]
