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

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from sqlalchemy import select, tuple_

from crm.extensions import db
from crm.importers import (
    EMAILS_ARE_PERSONAL,
    FORMAT_NAMES,
    ImportFormatError,
    ReportRow,
    combine_rows,
    is_device_name,
    merge_rejoins,
    parse_report,
)
from crm.importers.common import ORGANISER
from crm.matching import SAME_NAME, Candidate, display_name_from_report, match_names, name_key, people_by_email
from crm.models import AuditEvent, Person, Session
from crm.models.enums import AuditAction, ParticipationRole, ParticipationSource, ParticipationStatus
from crm.services import audit
from crm.services.errors import InvalidInput
from crm.services.participation import KEEP, Mark, lock_session, participations_for, upsert_participations
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
_BATCH = 500

CANCELLED = "This session was cancelled, so attendance cannot be recorded for it."
ALREADY_APPLIED = "This import has already been applied. Nothing more was recorded."
ONE_NAME = "Only one name — match by hand"
DEVICE_NAME = "Only the name of a phone or computer — match by hand"

# Statuses set at or after the session (by hand on the register, or by an earlier report of
# who came). A report only ever turns them into attended; the booking states before a session
# are replaced by whatever a newer report says.
_AFTER_THE_SESSION = (ParticipationStatus.ATTENDED, ParticipationStatus.APOLOGIES, ParticipationStatus.NO_SHOW)


def report_may_replace(current: ParticipationStatus, new: ParticipationStatus) -> bool:
    """Whether a report's status may replace the one recorded: invited, registered and declined
    give way to a newer booking state or attendance; attended, apologies and no-show give way
    only to attended (a booking does not undo an attendance, and a report does not overrule
    apologies or a no-show taken on the register except to say the person came)."""
    if current in _AFTER_THE_SESSION:
        return new == ParticipationStatus.ATTENDED
    return True


class RowErrors(InvalidInput):
    """Choices the import cannot act on. `rows` maps a preview row's index to what is wrong."""

    def __init__(self, rows: Mapping[int, str]) -> None:
        self.rows = dict(sorted(rows.items()))
        super().__init__(message="; ".join(self.rows.values()))


@dataclass
class PreviewRow:
    """One person from the report and what the import would do with them. `report` is their
    row, or their rows combined; minutes are at most the session's length."""

    index: int
    report: ReportRow
    name: str
    first_name: str
    last_name: str
    email: str | None
    session_minutes: int
    category: str = NEW
    person_id: int | None = None
    person_name: str | None = None
    match_reason: str | None = None
    candidates: list[Candidate] = field(default_factory=list)
    # The candidates' email addresses, to help pick the right one.
    candidate_emails: dict[int, str | None] = field(default_factory=dict)
    skip_reason: str | None = None
    current_status: ParticipationStatus | None = None
    # The email address is on other people's rows too (a group booking): it is not theirs alone,
    # so it neither recognises them nor is saved with them if they are added.
    shared_email: bool = False

    @property
    def status(self) -> ParticipationStatus:
        return ParticipationStatus(self.report.status_hint)

    @property
    def role_hint(self) -> str | None:
        return self.report.role_hint

    @property
    def line(self) -> int:
        return self.report.raw_line

    @property
    def rows_merged(self) -> int:
        return self.report.rows_merged

    @property
    def minutes(self) -> int | None:
        """Minutes at the session, at most its length; None when the report does not say."""
        if self.report.minutes is None:
            return None
        return min(self.report.minutes, self.session_minutes)

    @property
    def whole_session(self) -> bool:
        return self.minutes is not None and self.minutes >= self.session_minutes

    @property
    def minutes_to_record(self):
        """Minutes for the participation: None for the whole session, KEEP when not known."""
        if self.status != ParticipationStatus.ATTENDED or self.minutes is None:
            return KEEP
        return None if self.whole_session else self.minutes

    @property
    def is_organiser(self) -> bool:
        return self.role_hint == ORGANISER

    @property
    def new_person(self) -> dict[str, str | None]:
        """The person this row adds, if added."""
        first, last = (self.first_name, self.last_name) if self.first_name else (self.last_name, "")
        return {"first_name": first, "last_name": last, "email": None if self.shared_email else self.email}


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

    @property
    def fingerprint(self) -> str:
        """Who each row is and where it is sorted: differs when the people in the CRM changed
        in a way that changes the preview."""
        parts = [[row.index, row.category, row.person_id, [c.person_id for c in row.candidates]] for row in self.rows]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


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
    rows = [_preview_row(index, row, session.length_minutes) for index, row in enumerate(merged)]
    _mark_shared_emails(rows)
    _match(rows)
    _match_people_added_before(rows)
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


def _preview_row(index: int, row: ReportRow, session_minutes: int) -> PreviewRow:
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
        report=row,
        name=name,
        first_name=first[:_NAME_LIMIT].strip(),
        last_name=last[:_NAME_LIMIT].strip(),
        email=email,
        session_minutes=max(session_minutes, 1),
    )


def _has_name(row: PreviewRow) -> bool:
    return any(c.isalpha() for c in row.name)


def _names_a_person(row: PreviewRow) -> bool:
    """Whether the row's name can recognise someone, or be a new person's: at least two words,
    and not a phone's or computer's name."""
    return _has_name(row) and len(row.name.split()) >= 2 and not is_device_name(row.name)


def _mark_shared_emails(rows: list[PreviewRow]) -> None:
    """Rows whose email address is on rows with other names too (a row without a name does not
    count: it is the address's owner, or nobody)."""
    names: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row.email and name_key(row.name):
            names[row.email].add(name_key(row.name))
    for row in rows:
        row.shared_email = bool(row.email) and len(names[row.email]) > 1


def _match(rows: list[PreviewRow]) -> None:
    """Email first (one query for all), then the name (one query for the rest). An email shared
    by several names recognises only the one whose name is its owner's."""
    by_email = people_by_email(r.email for r in rows)
    unmatched = []
    for row in rows:
        person = by_email.get(row.email) if row.email else None
        if person is not None and (not row.shared_email or name_key(row.name) in person.name_keys()):
            row.category, row.person_id, row.person_name = MATCHED, person.id, person.name
            row.match_reason = "same email address"
        elif _has_name(row) and not is_device_name(row.name):
            unmatched.append(row)
    names = match_names(r.name for r in unmatched)
    for row in unmatched:
        own_email = None if row.shared_email else row.email
        same = names.same_name(row.name)
        if len(same) == 1 and not (own_email and same[0].email and same[0].email != own_email):
            row.category, row.person_id, row.person_name = MATCHED, same[0].id, same[0].name
            row.match_reason = SAME_NAME
            continue
        row.candidates = names.candidates.get(row.name, [])
        row.candidate_emails = {c.person_id: names.people[c.person_id].email for c in row.candidates}
        if row.candidates:
            row.category = AMBIGUOUS


def _match_people_added_before(rows: list[PreviewRow]) -> None:
    """A new row is the person an earlier import of it added: someone whose first and last
    names are exactly those the row would add (one query). Name matching compares names in
    Latin letters; this also recognises names in other scripts, so importing again adds nobody."""
    wanted = {}
    for row in rows:
        if row.category == NEW and _names_a_person(row):
            person = row.new_person
            wanted.setdefault((person["first_name"], person["last_name"]), []).append(row)
    if not wanted:
        return
    found: dict[tuple[str, str], list] = defaultdict(list)
    pairs = sorted(wanted)
    columns = (Person.id, Person.first_name, Person.last_name, Person.email)
    for start in range(0, len(pairs), _BATCH):
        batch = pairs[start : start + _BATCH]
        query = select(*columns).where(tuple_(Person.first_name, Person.last_name).in_(batch))
        for person in db.session.execute(query):
            found[(person.first_name, person.last_name)].append(person)
    for pair, people in found.items():
        for row in wanted[pair]:
            own_email = None if row.shared_email else row.email
            name = " ".join(part for part in pair if part)
            if len(people) == 1 and not (own_email and people[0].email and people[0].email != own_email):
                row.category, row.person_id, row.person_name = MATCHED, people[0].id, name
                row.match_reason = SAME_NAME
            else:
                row.category = AMBIGUOUS
                row.candidates = [Candidate(p.id, name, 100, SAME_NAME) for p in people]
                row.candidate_emails = {p.id: p.email for p in people}


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
        first.report = combine_rows(first.report, row.report)
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
    if row.category in (NEW, AMBIGUOUS) and _has_name(row):
        if is_device_name(row.name):
            return DEVICE_NAME
        if len(row.name.split()) < 2:
            return ONE_NAME
    if row.category == NEW and not _has_name(row):
        return "Not in the CRM, and the report gives no name to add them by"
    return None


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
        elif choice == CHOOSE_NEW and _names_a_person(row):
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
