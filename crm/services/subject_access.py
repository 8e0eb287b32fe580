"""Subject access: everything the CRM holds about one person, with why it is held and for how long.

The tables are found from the model metadata, not listed by hand: every table with a foreign key
to people.id, and every table with a foreign key to one of those (contributions hang off
participations). A table found that way but missing from PURPOSES is still exported, marked
"purpose not yet described", and tests/test_subject_access.py fails until it is given one.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Table, or_, select

from crm.extensions import db
from crm.models import AuditEvent, Person, User
from crm.models.base import utcnow
from crm.models.enums import AuditAction
from crm.queries.feedback import responses_signed_by, signed_responses
from crm.services import audit
from crm.services.settings import current_settings

PEOPLE = "people"
FEEDBACK = "feedback_responses"

# Why each kind of data is held, and how long. {period} is the retention period in the settings.
WHILE_TAKING_PART = (
    "Kept while the person takes part. {period} after their last session (or after they were added, "
    "if they never came to one) the record is listed for review and anonymised."
)
PURPOSES: dict[str, tuple[str, str, str]] = {
    PEOPLE: (
        "Personal details",
        "To know who the person is, contact them about co-production opportunities they agreed to hear about, "
        "and meet their access needs at sessions.",
        WHILE_TAKING_PART,
    ),
    "person_types": (
        "How the person is involved",
        "To invite the right people and count participation by type (parent champion, volunteer, and so on).",
        WHILE_TAKING_PART + " The type is kept after anonymisation so that the statistics do not change.",
    ),
    "person_tags": (
        "Interests, lived experience, skills and languages",
        "To find people with relevant interests or experience for new co-design work.",
        WHILE_TAKING_PART,
    ),
    "affiliations": (
        "Organisations",
        "To know which partner organisation the person works or volunteers with, and count participation "
        "by organisation.",
        WHILE_TAKING_PART + " The link to the organisation (not the job title) is kept after anonymisation.",
    ),
    "consents": (
        "Consent",
        "Evidence of what the person agreed to (contact, photographs, quotes, sharing with a named partner), "
        "when, how and in what words, and when they withdrew it.",
        WHILE_TAKING_PART + " On anonymisation every consent is withdrawn and its wording removed.",
    ),
    "equality_monitoring": (
        "Equality monitoring",
        "Optional answers about age, ethnicity, disability and gender, used only in anonymous totals to "
        "check the programme reaches everyone. Seen only by managers and administrators; every viewing "
        "is recorded.",
        WHILE_TAKING_PART + " Deleted on anonymisation.",
    ),
    "participations": (
        "Sessions",
        "A record of the sessions the person was invited to or took part in, their replies and creche "
        "places, to plan sessions and report participation to the board and funders.",
        "Kept while the programme reports on its work. On anonymisation replies and children's ages are "
        "removed; attendance, minutes and role are kept without the name so that totals do not change.",
    ),
    "contributions": (
        "Contributions",
        "What the person contributed at sessions and what the programme did about it (\u201cyou said, we did\u201d).",
        "Kept while the programme reports on its work. On anonymisation the words are removed; the kind of "
        "contribution and its follow-up are kept.",
    ),
    "outbox_messages": (
        "Emails",
        "Invitations and reminders sent to the person, kept as the record of what was sent.",
        WHILE_TAKING_PART + " On anonymisation the address and message text are removed.",
    ),
    "person_merges": (
        "Merged duplicate records",
        "Other records of the same person that were merged into this one, so old links still lead here.",
        "Kept as long as this record is.",
    ),
    "duplicate_dismissals": (
        "Checked as not duplicates",
        "Other records someone checked and found to be a different person, so they are not offered for merging again.",
        "Kept as long as this record is (ids only).",
    ),
    FEEDBACK: (
        "Session feedback signed with their name",
        "Feedback forms filled in at the end of a session, which are anonymous unless the respondent gives "
        "a name: these gave this person's name, at sessions they took part in. Used to learn what sessions "
        "changed for the people there.",
        "Kept while the programme reports on its work. On anonymisation the name is removed from the "
        "response; the ratings and answers stay, unsigned.",
    ),
    "audit_events": (
        "Record history",
        "Who added, changed, viewed or exported the record and when, for accountability. It names the "
        "fields that changed, never their values.",
        "Kept for accountability, including after anonymisation.",
    ),
}

# Columns whose value is an id in another table: shown with that row's name as well.
_LOOKUPS: dict[str, tuple[str, ...]] = {
    "tags": ("name",),
    "organisations": ("name",),
    "sessions": ("title", "date"),
    "wards": ("name",),
    "themes": ("name",),
    "events": ("name",),
    "users": ("name",),
}


@dataclass
class Section:
    key: str
    title: str
    purpose: str
    retention: str
    linked_by: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    described: bool = True

    def as_json(self) -> dict[str, Any]:
        return {
            "table": self.key,
            "title": self.title,
            "purpose": self.purpose,
            "retention": self.retention,
            "linked_by": self.linked_by,
            "rows": self.rows,
        }


@dataclass
class Link:
    """How a table reaches the person: directly (one of `columns` = the person's id) or through a
    parent table (one of `columns` = an id of the parent's rows about the person)."""

    table: Table
    columns: tuple[str, ...]
    parent: Link | None = None
    parent_column: str | None = None

    def describe(self) -> str:
        target = "people.id" if self.parent is None else f"{self.parent.table.name}.{self.parent_column}"
        own = " or ".join(f"{self.table.name}.{column} \u2192 {target}" for column in self.columns)
        return own if self.parent is None else f"{own}, {self.parent.describe()}"

    def where(self, person_id: int):
        if self.parent is None:
            return or_(*(self.table.c[column] == person_id for column in self.columns))
        ids = select(self.parent.table.c[self.parent_column]).where(self.parent.where(person_id))
        return or_(*(self.table.c[column].in_(ids) for column in self.columns))


def _columns_referring_to(table: Table, target: Table) -> dict[str, tuple[str, ...]]:
    """The columns of `table` that are foreign keys to `target`, grouped by the column they refer to."""
    found: dict[str, list[str]] = {}
    for foreign_key in sorted(table.foreign_keys, key=lambda fk: fk.parent.name):
        if foreign_key.column.table is target:
            found.setdefault(foreign_key.column.name, []).append(foreign_key.parent.name)
    return {referred: tuple(columns) for referred, columns in found.items()}


def linked_tables() -> list[Link]:
    """Every table holding rows about a person: a foreign key to people.id, or to a table that has one."""
    metadata = db.metadata
    people = metadata.tables[PEOPLE]
    direct: list[Link] = []
    for table in metadata.sorted_tables:
        if table is not people:
            for columns in _columns_referring_to(table, people).values():
                direct.append(Link(table, columns))
    further: list[Link] = []
    direct_tables = {link.table for link in direct}
    for parent in direct:
        for table in metadata.sorted_tables:
            if table is people or table in direct_tables:
                continue
            for referred, columns in _columns_referring_to(table, parent.table).items():
                further.append(Link(table, columns, parent, referred))
    return direct + further


def _plain(value: Any) -> Any:
    """A JSON-ready value."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def _lookup_names(table: Table, rows: list[dict[str, Any]]) -> dict[str, dict[Any, str]]:
    """For columns pointing at a lookup table, the name of each row they point at."""
    names: dict[str, dict[Any, str]] = {}
    for foreign_key in table.foreign_keys:
        target = foreign_key.column.table
        columns = _LOOKUPS.get(target.name)
        if columns is None or target.name == PEOPLE:
            continue
        column = foreign_key.parent.name
        ids = {row[column] for row in rows if row.get(column) is not None}
        if not ids:
            continue
        key = target.c[foreign_key.column.name]
        query = select(key, *(target.c[c] for c in columns)).where(key.in_(ids))
        names[column] = {
            found[0]: " ".join(str(_plain(part)) for part in found[1:] if part is not None)
            for found in db.session.execute(query)
        }
    return names


def _rows(table: Table, condition, order_by) -> list[dict[str, Any]]:
    raw = [dict(row._mapping) for row in db.session.execute(select(table).where(condition).order_by(*order_by))]
    names = _lookup_names(table, raw)
    rows = []
    for row in raw:
        plain: dict[str, Any] = {}
        for column, value in row.items():
            plain[column] = _plain(value)
            if column in names and value is not None:
                plain[column.removesuffix("_id")] = names[column].get(value)
        rows.append(plain)
    return rows


def _section(key: str, linked_by: str, rows: list[dict[str, Any]], months: int) -> Section:
    title, purpose, retention = PURPOSES.get(
        key,
        (key.replace("_", " ").capitalize(), "Purpose not yet described.", "Retention not yet described."),
    )
    return Section(
        key=key,
        title=title,
        purpose=purpose,
        retention=retention.format(period=f"{months} month{'' if months == 1 else 's'}"),
        linked_by=linked_by,
        rows=rows,
        described=key in PURPOSES,
    )


def _history(person_id: int) -> list[dict[str, Any]]:
    query = (
        select(AuditEvent.at, AuditEvent.action, AuditEvent.changed_fields, AuditEvent.detail, User.name)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.entity_type == PEOPLE, AuditEvent.entity_id == person_id)
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return [
        {
            "at": _plain(at),
            "action": _plain(action),
            "changed_fields": list(fields or []),
            "detail": detail,
            "by": name,
        }
        for at, action, fields, detail, name in db.session.execute(query)
    ]


@dataclass
class SubjectAccess:
    person_id: int
    generated_at: datetime
    retention_months: int
    sections: list[Section]

    def as_json(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "generated_at": self.generated_at.isoformat(),
            "retention_months": self.retention_months,
            "sections": [section.as_json() for section in self.sections],
        }

    def to_json_text(self) -> str:
        return json.dumps(self.as_json(), indent=2, ensure_ascii=False)


def collect(person: Person) -> SubjectAccess:
    """Everything held about the person, table by table (no audit row: see `subject_access`)."""
    months = current_settings().retention_months
    people = db.metadata.tables[PEOPLE]
    sections = [_section(PEOPLE, "people.id", _rows(people, people.c.id == person.id, [people.c.id]), months)]
    for link in linked_tables():
        primary = list(link.table.primary_key.columns)
        rows = _rows(link.table, link.where(person.id), primary)
        sections.append(_section(link.table.name, link.describe(), rows, months))
    signed = responses_signed_by([(person.id, person.first_name, person.last_name, person.preferred_name)])
    rows = signed_responses(signed.get(person.id, []))
    linked_by = "feedback_responses.respondent_name is the person's name, on a form for a session they took part in"
    sections.append(_section(FEEDBACK, linked_by, rows, months))
    sections.append(_section("audit_events", "audit_events.entity_id (people)", _history(person.id), months))
    order = list(PURPOSES)
    sections.sort(key=lambda s: order.index(s.key) if s.key in order else len(order))
    return SubjectAccess(person.id, utcnow(), months, sections)


def subject_access(person: Person, actor, *, via: str) -> SubjectAccess:
    """The export, audited (who asked for it, when, and how it was delivered; no values)."""
    export = collect(person)
    rows = sum(len(section.rows) for section in export.sections)
    detail = f"{via}: {len(export.sections)} sections, {rows} rows"
    audit.record(actor, AuditAction.SUBJECT_ACCESS, person, detail=detail)
    db.session.flush()
    return export
