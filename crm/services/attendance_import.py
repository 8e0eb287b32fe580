"""Logging attendance from a meeting or ticket report: preview first, then apply.

`preview_import` reads the file, folds rejoins into one row per person, recognises people
(email, then exact name, else similar names as candidates) and sorts the rows into matched, new,
ambiguous and skipped — writing nothing. `apply_import` records the preview's participations in
one upsert, creating the new people that were chosen; applying the same file again changes
nothing, and a report never weakens a status already recorded (a booking does not undo an
attendance).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from crm.importers import FORMAT_NAMES, ImportFormatError, merge_rejoins, parse_report
from crm.importers.common import ORGANISER, stronger_role, stronger_status
from crm.matching import SAME_NAME, Candidate, display_name_from_report, match_names, name_key, people_by_email
from crm.models import Session
from crm.models.enums import AuditAction, ParticipationRole, ParticipationSource, ParticipationStatus
from crm.services import audit
from crm.services.errors import InvalidInput
from crm.services.participation import KEEP, STATUS_STRENGTH, Mark, participations_for, upsert_participations
from crm.services.people import create_person
from crm.validation import InvalidValue, normalise_email

MATCHED = "matched"
NEW = "new"
AMBIGUOUS = "ambiguous"
SKIPPED = "skipped"
CATEGORIES = (MATCHED, NEW, AMBIGUOUS, SKIPPED)

SOURCES = {
    "zoom": ParticipationSource.ZOOM,
    "teams": ParticipationSource.TEAMS,
    "eventbrite": ParticipationSource.EVENTBRITE,
    "csv": ParticipationSource.CSV,
}
# Choices for a row when applying: create a new person, or leave the row out.
CHOOSE_NEW = "new"
CHOOSE_SKIP = "skip"
_NAME_LIMIT = 100
MAX_MIN_MINUTES = 24 * 60


@dataclass
class PreviewRow:
    """One person from the report and what the import would do with them."""

    index: int
    name: str
    first_name: str
    last_name: str
    email: str | None
    minutes: int | None
    role_hint: str | None
    status: ParticipationStatus
    line: int
    rows_merged: int
    category: str = NEW
    person_id: int | None = None
    person_name: str | None = None
    match_reason: str | None = None
    candidates: list[Candidate] = field(default_factory=list)
    # The candidates' email addresses, to help pick the right one.
    candidate_emails: dict[int, str | None] = field(default_factory=dict)
    skip_reason: str | None = None
    current_status: ParticipationStatus | None = None

    @property
    def is_organiser(self) -> bool:
        return self.role_hint == ORGANISER


@dataclass
class ImportPreview:
    session_id: int
    format: str
    filename: str
    min_minutes: int
    exclude_organisers: bool
    rows: list[PreviewRow]
    report_rows: int

    @property
    def source(self) -> ParticipationSource:
        return SOURCES[self.format]

    @property
    def format_name(self) -> str:
        return FORMAT_NAMES[self.format]

    def of(self, category: str) -> list[PreviewRow]:
        return [row for row in self.rows if row.category == category]

    @property
    def matched(self) -> list[PreviewRow]:
        return self.of(MATCHED)

    @property
    def new(self) -> list[PreviewRow]:
        return self.of(NEW)

    @property
    def ambiguous(self) -> list[PreviewRow]:
        return self.of(AMBIGUOUS)

    @property
    def skipped(self) -> list[PreviewRow]:
        return self.of(SKIPPED)

    @property
    def counts(self) -> dict[str, int]:
        return {category: len(self.of(category)) for category in CATEGORIES}


@dataclass
class ImportResult:
    written: int = 0
    unchanged: int = 0
    matched: int = 0
    created: int = 0
    skipped: int = 0
    kept_stronger: int = 0


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

    Raises InvalidInput: {"file": message} for a file that cannot be read as a report (the
    message names what was expected), {"min_minutes": …} for a bad minimum."""
    if not isinstance(min_minutes, int) or not 0 <= min_minutes <= MAX_MIN_MINUTES:
        raise InvalidInput({"min_minutes": f"Minimum minutes must be a whole number from 0 to {MAX_MIN_MINUTES}"})
    try:
        fmt, report_rows = parse_report(data, filename, fmt)
    except ImportFormatError as error:
        raise InvalidInput({"file": str(error)}) from error
    rows = [_preview_row(index, row) for index, row in enumerate(merge_rejoins(report_rows, name_key))]
    _match(rows)
    rows = _one_row_per_person(rows)
    current = participations_for(session.id, [r.person_id for r in rows if r.person_id])
    for row in rows:
        if row.person_id in current:
            row.current_status = current[row.person_id].status
        reason = _skip_reason(row, min_minutes, exclude_organisers)
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


def _preview_row(index: int, row) -> PreviewRow:
    name = display_name_from_report(row.name)
    if row.first_name or row.last_name:
        first, last = (row.first_name or "").strip(), (row.last_name or "").strip()
        first, last = display_name_from_report(first), display_name_from_report(last)
    else:
        first, _, last = name.partition(" ")
    try:
        email = normalise_email(row.email)
    except InvalidValue:
        email = None
    return PreviewRow(
        index=index,
        name=name,
        first_name=first[:_NAME_LIMIT],
        last_name=last[:_NAME_LIMIT],
        email=email,
        minutes=row.minutes,
        role_hint=row.role_hint,
        status=ParticipationStatus(row.status_hint),
        line=row.raw_line,
        rows_merged=row.rows_merged,
    )


def _has_name(row: PreviewRow) -> bool:
    return any(c.isalpha() for c in row.name)


def _match(rows: list[PreviewRow]) -> None:
    """Email first (one query for all), then the name (one query for the rest)."""
    by_email = people_by_email(r.email for r in rows)
    unmatched = []
    for row in rows:
        person = by_email.get(row.email) if row.email else None
        if person is not None:
            row.category, row.person_id, row.person_name = MATCHED, person.id, person.name
            row.match_reason = "same email address"
        elif _has_name(row):
            unmatched.append(row)
    names = match_names(r.name for r in unmatched)
    for row in unmatched:
        same = names.same_name(row.name)
        if len(same) == 1 and not (row.email and same[0].email and same[0].email != row.email):
            row.category, row.person_id, row.person_name = MATCHED, same[0].id, same[0].name
            row.match_reason = SAME_NAME
            continue
        row.candidates = names.candidates.get(row.name, [])
        row.candidate_emails = {c.person_id: names.people[c.person_id].email for c in row.candidates}
        if row.candidates:
            row.category = AMBIGUOUS


def _one_row_per_person(rows: list[PreviewRow]) -> list[PreviewRow]:
    """Two rows recognised as the same person (say a named guest row and an emailed row) become one."""
    kept: dict[int, PreviewRow] = {}
    result = []
    for row in rows:
        if row.category != MATCHED or row.person_id not in kept:
            if row.category == MATCHED:
                kept[row.person_id] = row
            result.append(row)
            continue
        first = kept[row.person_id]
        if first.minutes is not None or row.minutes is not None:
            first.minutes = (first.minutes or 0) + (row.minutes or 0)
        first.status = ParticipationStatus(stronger_status(first.status.value, row.status.value))
        first.role_hint = stronger_role(first.role_hint, row.role_hint)
        first.rows_merged += row.rows_merged
    return result


def _skip_reason(row: PreviewRow, min_minutes: int, exclude_organisers: bool) -> str | None:
    if not _has_name(row) and not row.email:
        return "No name or email address (a phone dial-in or an empty row)"
    if exclude_organisers and row.is_organiser:
        return "Organiser or host (organisers and hosts are left out)"
    if row.status == ParticipationStatus.ATTENDED and row.minutes is not None and row.minutes < min_minutes:
        unit = "minute" if row.minutes == 1 else "minutes"
        return f"Attended {row.minutes} {unit}, under the minimum of {min_minutes}"
    if row.category in (NEW, AMBIGUOUS) and row.status == ParticipationStatus.DECLINED:
        return "Declined, and not in the CRM"
    if row.category == NEW and not _has_name(row):
        return "Not in the CRM, and the report gives no name to add them by"
    return None


def apply_import(
    session: Session, preview: ImportPreview, choices: Mapping[int, str | int], actor, *, create_new: bool = False
) -> ImportResult:
    """Record the preview's participations. `choices` maps a row's index to CHOOSE_NEW,
    CHOOSE_SKIP or (for an ambiguous row) one of its candidates' person ids. New rows without a
    choice are added when `create_new` is set; ambiguous rows without one are skipped."""
    if preview.session_id != session.id:
        raise InvalidInput(message="This preview is for a different session.")
    result = ImportResult()
    chosen: list[tuple[int, PreviewRow]] = []
    for row in preview.rows:
        person_id, created = _resolve(row, choices, create_new, actor)
        if person_id is None:
            result.skipped += 1
            continue
        if created:
            result.created += 1
        else:
            result.matched += 1
        chosen.append((person_id, row))
    marks = _marks(session, chosen, result)
    result.written = upsert_participations(session.id, marks, preview.source)
    audit.record(
        actor,
        AuditAction.UPDATE,
        session,
        ["participations"],
        detail=(
            f"{preview.format} import: {result.matched} matched, {result.created} new, "
            f"{result.skipped} skipped, {result.written} recorded"
        ),
    )
    return result


def _resolve(row: PreviewRow, choices: Mapping[int, str | int], create_new: bool, actor) -> tuple[int | None, bool]:
    """The person a row is recorded against and whether they were just created; None to leave
    the row out."""
    if row.category == MATCHED:
        return row.person_id, False
    if row.category == SKIPPED:
        return None, False
    choice = choices.get(row.index)
    if choice is None:
        choice = CHOOSE_NEW if create_new and row.category == NEW else CHOOSE_SKIP
    choice = str(choice)
    if choice == CHOOSE_SKIP:
        return None, False
    if choice == CHOOSE_NEW:
        first, last = (row.first_name, row.last_name) if row.first_name else (row.last_name, "")
        try:
            person = create_person({"first_name": first, "last_name": last, "email": row.email}, actor)
        except InvalidInput as error:
            raise InvalidInput({f"row-{row.index}": f"{row.name} cannot be added: {error.message}"}) from error
        return person.id, True
    if row.category == AMBIGUOUS and choice.isdigit() and int(choice) in {c.person_id for c in row.candidates}:
        return int(choice), False
    raise InvalidInput(
        {f"row-{row.index}": f"Choose one of the people listed for {row.name}, a new person, or leave them out"}
    )


def _marks(session: Session, chosen: list[tuple[int, PreviewRow]], result: ImportResult) -> list[Mark]:
    """One mark per person, leaving out what is already recorded and never weakening a status."""
    merged: dict[int, PreviewRow] = {}
    for person_id, row in chosen:
        if person_id in merged:
            first = merged[person_id]
            minutes = None
            if first.minutes is not None or row.minutes is not None:
                minutes = (first.minutes or 0) + (row.minutes or 0)
            merged[person_id] = replace(
                first,
                minutes=minutes,
                status=ParticipationStatus(stronger_status(first.status.value, row.status.value)),
                role_hint=stronger_role(first.role_hint, row.role_hint),
            )
        else:
            merged[person_id] = row
    existing = participations_for(session.id, merged)
    marks = []
    for person_id, row in merged.items():
        current = existing.get(person_id)
        if current is not None and STATUS_STRENGTH[current.status] > STATUS_STRENGTH[row.status]:
            result.kept_stronger += 1
            result.unchanged += 1
            continue
        role = KEEP
        if row.is_organiser and (current is None or current.role == ParticipationRole.PARTICIPANT):
            role = ParticipationRole.ORGANISER
        minutes = row.minutes if row.status == ParticipationStatus.ATTENDED and row.minutes is not None else KEEP
        if current is not None and (
            current.status == row.status
            and (minutes is KEEP or current.minutes == minutes)
            and (role is KEEP or current.role == role)
        ):
            result.unchanged += 1
            continue
        marks.append(Mark(person_id, row.status, role=role, minutes=minutes))
    return marks
