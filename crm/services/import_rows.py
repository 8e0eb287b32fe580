"""The rows of an attendance import: what each report line became (matched, new, to check,
skipped) and the rules that decide it. `crm.services.attendance_import` previews and applies them."""

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select, tuple_

from crm.extensions import db
from crm.importers import (
    FORMAT_NAMES,
    ReportRow,
    combine_rows,
    is_device_name,
)
from crm.importers.common import ORGANISER
from crm.matching import SAME_NAME, Candidate, display_name_from_report, match_names, name_key, people_by_email
from crm.models import Person
from crm.models.enums import ParticipationSource, ParticipationStatus
from crm.services.errors import InvalidInput
from crm.services.participation import KEEP
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


def preview_row(index: int, row: ReportRow, session_minutes: int) -> PreviewRow:
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


def has_name(row: PreviewRow) -> bool:
    return any(c.isalpha() for c in row.name)


def names_a_person(row: PreviewRow) -> bool:
    """Whether the row's name can recognise someone, or be a new person's: at least two words,
    and not a phone's or computer's name."""
    return has_name(row) and len(row.name.split()) >= 2 and not is_device_name(row.name)


def mark_shared_emails(rows: list[PreviewRow]) -> None:
    """Rows whose email address is on rows with other names too (a row without a name does not
    count: it is the address's owner, or nobody)."""
    names: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row.email and name_key(row.name):
            names[row.email].add(name_key(row.name))
    for row in rows:
        row.shared_email = bool(row.email) and len(names[row.email]) > 1


def match_rows(rows: list[PreviewRow]) -> None:
    """Email first (one query for all), then the name (one query for the rest). An email shared
    by several names recognises only the one whose name is its owner's."""
    by_email = people_by_email(r.email for r in rows)
    unmatched = []
    for row in rows:
        person = by_email.get(row.email) if row.email else None
        if person is not None and (not row.shared_email or name_key(row.name) in person.name_keys()):
            row.category, row.person_id, row.person_name = MATCHED, person.id, person.name
            row.match_reason = "same email address"
        elif has_name(row) and not is_device_name(row.name):
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


def match_people_added_before(rows: list[PreviewRow]) -> None:
    """A new row is the person an earlier import of it added: someone whose first and last
    names are exactly those the row would add (one query). Name matching compares names in
    Latin letters; this also recognises names in other scripts, so importing again adds nobody."""
    wanted = {}
    for row in rows:
        if row.category == NEW and names_a_person(row):
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


def one_row_per_person(rows: list[PreviewRow]) -> list[PreviewRow]:
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


def skip_reason(row: PreviewRow, min_minutes: int, exclude_organisers: bool) -> str | None:
    if not has_name(row) and not row.email:
        return "No name or email address (a phone dial-in or an empty row)"
    if exclude_organisers and row.is_organiser:
        return "Organiser or host (organisers and hosts are left out)"
    if row.status == ParticipationStatus.ATTENDED and row.minutes is not None and row.minutes < min_minutes:
        unit = "minute" if row.minutes == 1 else "minutes"
        return f"Attended {row.minutes} {unit}, under the minimum of {min_minutes}"
    if row.category in (NEW, AMBIGUOUS) and row.status == ParticipationStatus.DECLINED:
        return "Declined, and not in the CRM"
    if row.category in (NEW, AMBIGUOUS) and has_name(row):
        if is_device_name(row.name):
            return DEVICE_NAME
        if len(row.name.split()) < 2:
            return ONE_NAME
    if row.category == NEW and not has_name(row):
        return "Not in the CRM, and the report gives no name to add them by"
    return None
