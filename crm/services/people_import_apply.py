"""Applying a checked people import (see crm.services.people_import): add the new people and fill
in what the matched ones lack, all in the request's one transaction, with an audit row per
person (field names only) and one for the import (counts only).

A file may hold 20,000 people, so the rows are written as bulk INSERT and UPDATE statements (a
few per table) rather than as ORM objects one by one: building and flushing 10,000 objects with
their collections took over 20 seconds. The values were validated by the preview with the same
rules `create_person` applies (crm.validation), and the email addresses checked against the CRM.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, func, insert, select

from crm.extensions import db
from crm.models import Affiliation, AuditEvent, Consent, Person, PersonTypeLink
from crm.models.base import utcnow
from crm.models.enums import AuditAction, ConsentMethod, ConsentPurpose
from crm.models.person import person_tags
from crm.services import audit
from crm.services.errors import InvalidInput
from crm.services.exports import formula_safe
from crm.services.people_import import SCALARS, ImportRow, PeopleImportPreview

ALREADY_APPLIED = "This import has already been applied. Nothing more was changed."
CONSENT_WORDING = "Agreed to be contacted about opportunities (as recorded in a spreadsheet imported into the CRM)."
AUDIT_ENTITY = "people_import"
AUDIT_DETAIL = "people import"


@dataclass
class PeopleImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0


def people_import_applied(reference: str) -> bool:
    """Whether an import confirmed with this one-off reference was already applied."""
    query = select(AuditEvent.id).where(
        AuditEvent.entity_type == AUDIT_ENTITY,
        AuditEvent.detail.contains(_reference_note(reference), autoescape=True),
    )
    return db.session.scalar(query.limit(1)) is not None


# The key of the PostgreSQL advisory lock that people imports take ("people" in ASCII).
_IMPORT_LOCK = 0x70656F706C65


def one_import_at_a_time() -> None:
    """Make a second confirmation of the same import wait for the first to commit, so that it
    then finds the reference used instead of adding everyone again. SQLite needs nothing: every
    transaction here begins IMMEDIATE, holding the database's write lock (crm.database).
    PostgreSQL reads committed data as each statement starts, so two confirmations could both
    find the reference unused; a transaction-scoped advisory lock orders them."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(_IMPORT_LOCK)))


def _reference_note(reference: str) -> str:
    return f" (confirmation {reference})"


def invalid_message(preview: PeopleImportPreview) -> str:
    count = len(preview.invalid)
    rows = "row has a problem" if count == 1 else "rows have problems"
    return f"{count} {rows}, so nothing was imported. Correct the file and import it again, or choose to skip them."


def apply_people_import(
    preview: PeopleImportPreview, actor, *, skip_invalid: bool = False, reference: str | None = None
) -> PeopleImportResult:
    """Add and update the people as the preview says. Raises InvalidInput, before writing
    anything, when a row has problems and `skip_invalid` is not set, or the reference was used."""
    if preview.invalid and not skip_invalid:
        raise InvalidInput(message=invalid_message(preview))
    one_import_at_a_time()
    if reference and people_import_applied(reference):
        raise InvalidInput(message=ALREADY_APPLIED)
    now = utcnow()
    user_id = getattr(actor, "id", None)
    new, updates = preview.new, preview.updates
    audit_rows: list[dict] = []
    everyone: list[tuple[int, ImportRow]] = []
    if new:
        ids = new_ids(Person.__table__, len(new))
        db.session.execute(
            insert(Person),
            [
                {"id": pid, "last_name": "", **{k: None for k in SCALARS}, **row.set_values}
                for pid, row in zip(ids, new, strict=True)
            ],
        )
        everyone += zip(ids, new, strict=True)
        audit_rows += [_audit(user_id, AuditAction.CREATE, pid, row) for pid, row in everyone]
    if updates:
        _update_people(updates, now)
        everyone += [(row.person_id, row) for row in updates]
        audit_rows += [_audit(user_id, AuditAction.UPDATE, row.person_id, row) for row in updates]
    _add_collections(everyone, now, user_id, audit_rows)
    if audit_rows:
        db.session.execute(insert(AuditEvent), audit_rows)
    result = PeopleImportResult(len(new), len(updates), len(preview.unchanged), len(preview.invalid))
    detail = (
        f"people import: {result.created} new, {result.updated} updated, {result.unchanged} unchanged, "
        f"{result.skipped} rows skipped"
    )
    audit.record(
        actor,
        AuditAction.IMPORT,
        None,
        entity_type=AUDIT_ENTITY,
        detail=detail + (_reference_note(reference) if reference else ""),
    )
    db.session.flush()
    return result


def new_ids(table, count: int) -> list[int]:
    """Ids for `count` new rows of `table`, so that they can be inserted in one statement and
    their rows linked to them. (INSERT … RETURNING in parameter order runs one statement per row
    on SQLite.) PostgreSQL hands them out from the table's sequence; on SQLite this transaction
    already holds the database's write lock (crm.database begins every transaction IMMEDIATE),
    so the ids after the largest one are free until it commits."""
    if db.session.get_bind().dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, "id")
        series = func.generate_series(1, count).table_valued("n")
        return list(db.session.scalars(select(func.nextval(sequence)).select_from(series)))
    start = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
    return list(range(start, start + count))


def _update_people(rows: list[ImportRow], now) -> None:
    """Fill in the blank fields: one UPDATE statement per set of fields filled (usually a few)."""
    table = Person.__table__
    groups: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for row in rows:
        keys = tuple(sorted(row.set_values))
        groups[keys].append({"person": row.person_id, **{f"new_{k}": v for k, v in row.set_values.items()}})
    for keys, params in groups.items():
        statement = (
            table.update()
            .where(table.c.id == bindparam("person"))
            .values({**{k: bindparam(f"new_{k}") for k in keys}, "updated_at": now, "version": table.c.version + 1})
        )
        db.session.execute(statement, params)


def _add_collections(people: list[tuple[int, ImportRow]], now, user_id, audit_rows: list[dict]) -> None:
    types = [{"person_id": pid, "type": t} for pid, row in people for t in row.add_types]
    if types:
        db.session.execute(insert(PersonTypeLink), types)
    tags = [{"person_id": pid, "tag_id": t} for pid, row in people for t in row.add_tag_ids]
    if tags:
        db.session.execute(person_tags.insert(), tags)
    adding, titling = [], []
    for pid, row in people:
        if row.affiliation and "Job title" in row.changes:
            titling.append({"person": pid, "organisation": row.affiliation[0], "title": row.affiliation[1]})
        elif row.affiliation:
            adding.append({"person_id": pid, "organisation_id": row.affiliation[0], "job_title": row.affiliation[1]})
    if adding:
        db.session.execute(insert(Affiliation), adding)
    if titling:
        table = Affiliation.__table__
        db.session.execute(
            table.update()
            .where(and_(table.c.person_id == bindparam("person"), table.c.organisation_id == bindparam("organisation")))
            .values(job_title=bindparam("title"), updated_at=now),
            titling,
        )
    consenting = [pid for pid, row in people if row.add_consent]
    if consenting:
        consent_ids = new_ids(Consent.__table__, len(consenting))
        db.session.execute(
            insert(Consent),
            [
                {
                    "id": consent_id,
                    "person_id": pid,
                    "purpose": ConsentPurpose.CONTACT,
                    "method": ConsentMethod.PAPER,
                    "wording": CONSENT_WORDING,
                    "given_at": now,
                    "recorded_by_id": user_id,
                }
                for consent_id, pid in zip(consent_ids, consenting, strict=True)
            ],
        )
        audit_rows += [
            {
                "user_id": user_id,
                "action": AuditAction.CREATE,
                "entity_type": Consent.__tablename__,
                "entity_id": consent_id,
                "changed_fields": ["method", "purpose", "wording"],
                "detail": ConsentPurpose.CONTACT.value,
            }
            for consent_id in consent_ids
        ]


def _audit(user_id, action: AuditAction, person_id: int, row: ImportRow) -> dict:
    fields = list(row.set_values)
    for name, present in (
        ("person_types", row.add_types),
        ("tags", row.add_tag_ids),
        ("affiliations", row.affiliation),
        ("consents", row.add_consent),
    ):
        if present:
            fields.append(name)
    return {
        "user_id": user_id,
        "action": action,
        "entity_type": Person.__tablename__,
        "entity_id": person_id,
        "changed_fields": sorted(fields),
        "detail": AUDIT_DETAIL,
    }


def rejected_rows(preview: PeopleImportPreview) -> list[list]:
    """[row number, reasons, *cells] for each row not imported."""
    return [
        [row.number, "; ".join(f"{p.column}: {p.message}" for p in row.problems), *row.checked.cells]
        for row in preview.invalid
    ]


def rejected_rows_csv(header: Sequence[str], rejected: Sequence[Sequence]) -> bytes:
    """The rows not imported, each with its reasons, as CSV that Excel opens as UTF-8 (with a
    BOM), every cell formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([formula_safe(str(c)) for c in ["Row", "Why it was not imported", *header]])
    for row in rejected:
        writer.writerow([formula_safe(c) for c in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
