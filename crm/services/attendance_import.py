"""Logging attendance from a meeting or ticket report: preview first, then apply.

`preview_import` reads the file, folds each person's rows into one, recognises people (email,
then exact name, else similar names as candidates) and sorts the rows into matched, new,
ambiguous and skipped — writing nothing. `apply_import` records the preview's participations in
one upsert, creating the new people that were chosen.

Applying the same file again creates nobody and changes nothing: names that cannot recognise
someone next time (one word, a device's name) are never offered as new people, nobody is added
with an email address someone in the CRM already has, and a group booking's shared address is
not given to any one ticket holder. A report may replace a booking state (invited, registered,
declined) with a newer one, but never turns attended, apologies or no-show into anything except
attended. Minutes never exceed the session's length; time present twice at once is counted once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from sqlalchemy import select

from crm.extensions import db
from crm.importers import (
    EMAILS_ARE_PERSONAL,
    ImportFormatError,
    combine_rows,
    merge_rejoins,
    parse_report,
)
from crm.matching import name_key, people_by_email
from crm.models import AuditEvent, Session
from crm.models.enums import AuditAction, ParticipationRole
from crm.services import audit
from crm.services.errors import InvalidInput
from crm.services.import_rows import (
    ALREADY_APPLIED,
    AMBIGUOUS,
    CANCELLED,
    CHOOSE_NEW,
    CHOOSE_SKIP,
    MATCHED,
    MAX_MIN_MINUTES,
    NEW,
    SKIPPED,
    ImportPreview,
    ImportResult,
    PreviewRow,
    RowErrors,
    mark_shared_emails,
    match_people_added_before,
    match_rows,
    names_a_person,
    one_row_per_person,
    preview_row,
    report_may_replace,
    skip_reason,
)
from crm.services.participation import KEEP, Mark, lock_session, participations_for, upsert_participations
from crm.services.people import create_person


def preview_import(
    session: Session,
    data: bytes,
    filename: str | None,
    fmt: str = "auto",
    *,
    min_minutes: int = 0,
    exclude_organisers: bool = False,
) -> ImportPreview:
    """What importing this file into `session` would do. Writes nothing.

    Raises InvalidInput: a message for a cancelled session, {"file": message} for a file that
    cannot be read as a report (the message names what was expected), {"min_minutes": …} for a
    bad minimum."""
    if session.cancelled:
        raise InvalidInput(message=CANCELLED)
    if not isinstance(min_minutes, int) or not 0 <= min_minutes <= MAX_MIN_MINUTES:
        raise InvalidInput({"min_minutes": f"Minimum minutes must be a whole number from 0 to {MAX_MIN_MINUTES}"})
    try:
        fmt, report_rows = parse_report(data, filename, fmt)
    except ImportFormatError as error:
        raise InvalidInput({"file": str(error)}) from error
    merged = merge_rejoins(report_rows, name_key, emails_are_personal=EMAILS_ARE_PERSONAL[fmt])
    rows = [preview_row(index, row, session.length_minutes) for index, row in enumerate(merged)]
    mark_shared_emails(rows)
    match_rows(rows)
    match_people_added_before(rows)
    rows = one_row_per_person(rows)
    current = participations_for(session.id, [r.person_id for r in rows if r.person_id])
    for row in rows:
        if row.person_id in current:
            row.current_status = current[row.person_id].status
        reason = skip_reason(row, min_minutes, exclude_organisers)
        if reason:
            row.category, row.skip_reason = SKIPPED, reason
    return ImportPreview(
        session_id=session.id,
        format=fmt,
        filename=filename or "",
        min_minutes=min_minutes,
        exclude_organisers=exclude_organisers,
        rows=rows,
        report_rows=len(report_rows),
    )


def apply_import(
    session: Session,
    preview: ImportPreview,
    choices: Mapping[int, str | int],
    actor,
    *,
    create_new: bool = False,
    reference: str | None = None,
) -> ImportResult:
    """Record the preview's participations. `choices` maps a row's index to CHOOSE_NEW,
    CHOOSE_SKIP or (for an ambiguous row) one of its candidates' person ids. New rows without a
    choice are added when `create_new` is set; ambiguous rows without one are skipped.
    `reference` (the confirmation's one-off code) goes into the audit row, so that
    import_applied can tell it was used.

    Raises InvalidInput for a cancelled session and RowErrors, before writing anything, for
    choices it cannot act on."""
    if session.cancelled:
        raise InvalidInput(message=CANCELLED)
    if preview.session_id != session.id:
        raise InvalidInput(message="This preview is for a different session.")
    # Two confirmations of the same preview queue here; the second then sees the first's audit row.
    lock_session(session.id)
    if reference and import_applied(session, reference):
        raise InvalidInput(message=ALREADY_APPLIED)
    result = ImportResult()
    decisions = _decide(preview.rows, choices, create_new)
    chosen: list[tuple[int, PreviewRow]] = []
    for row, decision in decisions:
        if decision is None:
            result.skipped += 1
            continue
        if decision == CHOOSE_NEW:
            try:
                person = create_person(row.new_person, actor)
            except InvalidInput as error:
                raise RowErrors({row.index: f"{row.name} cannot be added: {error.message}"}) from error
            result.created += 1
            chosen.append((person.id, row))
        else:
            result.matched += 1
            chosen.append((decision, row))
    marks = _marks(session, chosen, result)
    result.written = upsert_participations(session.id, marks, preview.source)
    detail = (
        f"{preview.format} import: {result.matched} matched, {result.created} new, "
        f"{result.skipped} skipped, {result.written} recorded"
    )
    if reference:
        detail += _reference_note(reference)
    audit.record(actor, AuditAction.UPDATE, session, ["participations"], detail=detail)
    return result


def _reference_note(reference: str) -> str:
    return f" (confirmation {reference})"


def import_applied(session: Session, reference: str) -> bool:
    """Whether an import confirmed with this one-off reference was already applied to `session`."""
    query = select(AuditEvent.id).where(
        AuditEvent.entity_type == Session.__tablename__,
        AuditEvent.entity_id == session.id,
        AuditEvent.detail.contains(_reference_note(reference), autoescape=True),
    )
    return db.session.scalar(query.limit(1)) is not None


def _decide(
    rows: Iterable[PreviewRow], choices: Mapping[int, str | int], create_new: bool
) -> list[tuple[PreviewRow, int | str | None]]:
    """Each row with the person id it is recorded against, CHOOSE_NEW to add them, or None to
    leave it out. Raises RowErrors naming every row whose choice cannot be acted on."""
    rows = list(rows)
    decisions: list[tuple[PreviewRow, int | str | None]] = []
    errors: dict[int, str] = {}
    for row in rows:
        if row.category == MATCHED:
            decisions.append((row, row.person_id))
            continue
        if row.category == SKIPPED:
            decisions.append((row, None))
            continue
        choice = choices.get(row.index)
        if choice is None:
            choice = CHOOSE_NEW if create_new and row.category == NEW else CHOOSE_SKIP
        choice = str(choice).strip()
        if choice == CHOOSE_SKIP:
            decisions.append((row, None))
        elif choice == CHOOSE_NEW and names_a_person(row):
            decisions.append((row, CHOOSE_NEW))
        elif choice == CHOOSE_NEW:
            errors[row.index] = (
                f"{row.name or row.email} cannot be added: the report gives only one name or a device's name, "
                "so match them by hand"
            )
        elif row.category == AMBIGUOUS and choice.isdigit() and int(choice) in {c.person_id for c in row.candidates}:
            decisions.append((row, int(choice)))
        else:
            errors[row.index] = f"Choose one of the people listed for {row.name}, a new person, or leave them out"
    # Nobody is added with an address someone in the CRM has (they would be a second copy).
    adding = {row.new_person["email"]: row for row, decision in decisions if decision == CHOOSE_NEW}
    for email, owner in people_by_email(email for email in adding if email).items():
        row = adding[email]
        errors[row.index] = (
            f"{row.name} cannot be added: {owner.name} already has the email address {email}. "
            "Import the file again to see them matched"
        )
    if errors:
        raise RowErrors(errors)
    return decisions


def _marks(session: Session, chosen: list[tuple[int, PreviewRow]], result: ImportResult) -> list[Mark]:
    """One mark per person, leaving out what is already recorded and what a report may not
    replace (report_may_replace)."""
    merged: dict[int, PreviewRow] = {}
    for person_id, row in chosen:
        if person_id in merged:
            merged[person_id] = replace(merged[person_id], report=combine_rows(merged[person_id].report, row.report))
        else:
            merged[person_id] = row
    existing = participations_for(session.id, merged)
    marks = []
    for person_id, row in merged.items():
        current = existing.get(person_id)
        if current is not None and not report_may_replace(current.status, row.status):
            result.kept_stronger += 1
            result.unchanged += 1
            continue
        role = KEEP
        if row.is_organiser and (current is None or current.role == ParticipationRole.PARTICIPANT):
            role = ParticipationRole.ORGANISER
        minutes = row.minutes_to_record
        if current is not None and (
            current.status == row.status
            and (minutes is KEEP or current.minutes == minutes)
            and (role is KEEP or current.role == role)
        ):
            result.unchanged += 1
            continue
        marks.append(Mark(person_id, row.status, role=role, minutes=minutes))
    return marks
