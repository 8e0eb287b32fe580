"""Importing people from a spreadsheet: preview first, then apply.

`preview_people_import` checks every row (crm.importers.people_rows), finds who each row is
already in the CRM (crm.services.people_import_matching) and works out what applying would do —
add, update, leave unchanged, or refuse the row — writing nothing. `apply_people_import`
(crm.services.people_import_apply) does exactly that, all or nothing unless told to skip the
refused rows.

Importing the same file twice changes nothing the second time: a row recognised as someone in
the CRM only fills in what their record lacks (a blank cell never blanks a value; a value that
differs from the one held is left as it is and shown in the preview), and adds types, tags, an
organisation or consent they do not have yet.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from crm.extensions import db
from crm.importers.people_columns import guess_mapping, header_key, looks_like_header, mapping_problem
from crm.importers.people_rows import CheckedRow, KnownTag, Lists, check_row, field_label
from crm.importers.people_table import PeopleTable, table_from_grid
from crm.matching import name_key
from crm.models import Affiliation, Organisation, Person, PersonTypeLink, Tag, Ward
from crm.models.person import person_tags
from crm.queries.people import contact_consent_ids
from crm.services.errors import InvalidInput
from crm.services.people_import_matching import SAME_NAME, PeopleIndex

NEW = "new"
UPDATE = "update"
UNCHANGED = "unchanged"
INVALID = "invalid"
# The person's own columns an import fills in (only where blank, for someone already in the CRM).
SCALARS = ("first_name", "last_name", "preferred_name", "email", "phone", "postcode", "ward_id", "notes")
_CASELESS = {"first_name", "last_name", "preferred_name"}
_BATCH = 500


@dataclass
class ImportRow:
    checked: CheckedRow
    action: str = NEW
    person_id: int | None = None
    person_name: str | None = None
    match_reason: str | None = None
    # Fields that would be filled in or added, and fields kept because the file differs.
    changes: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    set_values: dict = field(default_factory=dict)
    add_types: list = field(default_factory=list)
    add_tag_ids: list[int] = field(default_factory=list)
    affiliation: tuple[int, str | None] | None = None
    add_consent: bool = False

    @property
    def number(self) -> int:
        return self.checked.number

    @property
    def name(self) -> str:
        return self.checked.name

    @property
    def problems(self):
        return self.checked.problems

    @property
    def values(self) -> dict:
        return self.checked.values


@dataclass
class PeopleImportPreview:
    filename: str
    table: PeopleTable
    mapping: list[str]
    rows: list[ImportRow]

    def of(self, action: str) -> list[ImportRow]:
        return [row for row in self.rows if row.action == action]

    @property
    def new(self) -> list[ImportRow]:
        return self.of(NEW)

    @property
    def updates(self) -> list[ImportRow]:
        return self.of(UPDATE)

    @property
    def updates_by_name_only(self) -> list[ImportRow]:
        """Updates found by name alone (the row has no email, phone or matching postcode): shown
        apart, for someone to check that the file means that person."""
        return [row for row in self.updates if row.match_reason == SAME_NAME]

    @property
    def updates_by_details(self) -> list[ImportRow]:
        return [row for row in self.updates if row.match_reason != SAME_NAME]

    @property
    def unchanged(self) -> list[ImportRow]:
        return self.of(UNCHANGED)

    @property
    def invalid(self) -> list[ImportRow]:
        return self.of(INVALID)

    @property
    def flagged(self) -> list[ImportRow]:
        return [row for row in self.rows if row.warnings and row.action != INVALID]

    @property
    def ignored_columns(self) -> list[str]:
        return [h or f"column {i + 1}" for i, (h, f) in enumerate(zip(self.table.header, self.mapping)) if not f]

    @property
    def fingerprint(self) -> str:
        """Changes when applying would now do something different from what the preview showed."""
        digest = hashlib.sha256()
        for row in self.rows:
            digest.update(
                json.dumps(
                    [row.number, row.action, row.person_id, row.changes, row.kept, row.warnings,
                     [(p.column, p.message) for p in row.problems]],
                    default=str,
                ).encode()
            )  # fmt: skip
        return digest.hexdigest()[:32]


def table_and_mapping(grid: list[list[str]], mapping: Sequence[str] | None = None) -> tuple[PeopleTable, list[str]]:
    """The table in a sheet's grid and the column mapping (guessed when not given). Raises
    ImportFormatError for a grid without people."""
    table = table_from_grid(grid, looks_like_header)
    if mapping is None:
        mapping = guess_mapping(table.header)
    mapping = list(mapping)[: len(table.header)]
    mapping += [""] * (len(table.header) - len(mapping))
    return table, mapping


def likely_sheet(grids: dict[str, list[list[str]]]) -> str:
    """The first sheet that has a header row the import recognises, else the first sheet."""
    for name, grid in grids.items():
        if any(looks_like_header(row) for row in grid[:20]) and sum(1 for row in grid if any(row)) > 1:
            return name
    return next(iter(grids))


def load_lists() -> Lists:
    """The wards, organisations and tags rows may name, in three queries."""
    lists = Lists()
    for ward_id, name in db.session.execute(select(Ward.id, Ward.name)):
        lists.wards[header_key(name)] = (ward_id, name)
    for organisation_id, name in db.session.execute(select(Organisation.id, Organisation.name)):
        lists.organisations[header_key(name)] = (organisation_id, name)
    for tag_id, category, name in db.session.execute(select(Tag.id, Tag.category, Tag.name)):
        lists.tags.setdefault(header_key(name), []).append(KnownTag(tag_id, category, name))
    return lists


def preview_people_import(table: PeopleTable, mapping: Sequence[str], filename: str = "") -> PeopleImportPreview:
    """What importing these rows would do. Writes nothing. Raises InvalidInput({"mapping": …})
    for a column mapping that cannot work."""
    problem = mapping_problem(mapping)
    if problem:
        raise InvalidInput({"mapping": problem})
    lists = load_lists()
    checked = [check_row(row, table.header, mapping, lists) for row in table.rows]
    rows = [ImportRow(c) for c in checked]
    _mark_duplicates_in_file(rows, table.header, mapping)
    index = PeopleIndex([r.values for r in rows if not r.problems])
    for row in rows:
        if row.problems:
            continue
        match = index.match(row.values)
        row.warnings = list(match.warnings)
        if match.problem:
            row.checked.problem(_column(table.header, mapping, "first_name", "name"), match.problem)
        elif match.person:
            row.person_id, row.person_name, row.match_reason = match.person.id, match.person.name, match.reason
    _same_person_twice(rows)
    _plan(rows)
    return PeopleImportPreview(filename, table, list(mapping), rows)


def _column(header: Sequence[str], mapping: Sequence[str], *keys: str) -> str:
    for key in keys:
        if key in mapping:
            index = list(mapping).index(key)
            return header[index] if index < len(header) and header[index] else f"column {index + 1}"
    return field_label(keys[0])


def _mark_duplicates_in_file(rows: list[ImportRow], header, mapping) -> None:
    """A second row with the same email address or phone number (as stored, so case and spacing
    do not matter) — or, without either, the same name and postcode — is refused."""
    seen: dict[tuple, int] = {}
    for row in rows:
        values = row.values
        keys = []
        if values.get("email"):
            keys.append((("email", values["email"]), "email", "the same email address"))
        if row.checked.phone_key:
            keys.append((("phone", row.checked.phone_key), "phone", "the same phone number"))
        if not keys and name_key(row.name):
            keys.append((("name", name_key(row.name), values.get("postcode")), "first_name", "the same name"))
        for key, field_key, what in keys:
            if key in seen:
                column = _column(header, mapping, field_key, "name")
                row.checked.problem(column, f"Has {what} as row {seen[key]}: each person once in the file")
            else:
                seen[key] = row.number


def _same_person_twice(rows: list[ImportRow]) -> None:
    first: dict[int, int] = {}
    for row in rows:
        if row.person_id is None or row.problems:
            continue
        if row.person_id in first:
            row.checked.problem(
                "Row", f"Is the same person as row {first[row.person_id]} ({row.person_name}): each person once"
            )
        else:
            first[row.person_id] = row.number


def _plan(rows: list[ImportRow]) -> None:
    """Decide each row's action, and for matched people exactly what would change."""
    current = load_current([row.person_id for row in rows if row.person_id is not None and not row.problems])
    for row in rows:
        if row.problems:
            row.action = INVALID
            continue
        values = row.values
        if row.person_id is None:
            row.action = NEW
            row.set_values = {k: values[k] for k in SCALARS if values.get(k)}
            row.add_types = sorted(row.checked.types, key=lambda t: t.value)
            row.add_tag_ids = sorted(row.checked.tag_ids)
            if values.get("organisation_id"):
                row.affiliation = (values["organisation_id"], values.get("job_title") or None)
            row.add_consent = bool(values.get("consent_to_contact"))
            continue
        _plan_update(row, current[row.person_id])
        row.action = UPDATE if row.changes else UNCHANGED


@dataclass
class Current:
    """What the CRM holds for a matched person, as far as an import may change it."""

    values: dict
    types: set = field(default_factory=set)
    tag_ids: set = field(default_factory=set)
    affiliations: dict = field(default_factory=dict)
    consenting: bool = False


def load_current(ids: list[int]) -> dict[int, Current]:
    """The matched people's current values: five queries per 500 people, no ORM objects (a
    file may match thousands)."""
    found: dict[int, Current] = {}
    columns = [getattr(Person, key) for key in SCALARS]
    for start in range(0, len(ids), _BATCH):
        batch = ids[start : start + _BATCH]
        for row in db.session.execute(select(Person.id, *columns).where(Person.id.in_(batch))):
            found[row.id] = Current(dict(zip(SCALARS, row[1:], strict=True)))
        for person_id, kind in db.session.execute(
            select(PersonTypeLink.person_id, PersonTypeLink.type).where(PersonTypeLink.person_id.in_(batch))
        ):
            found[person_id].types.add(kind)
        for person_id, tag_id in db.session.execute(
            select(person_tags.c.person_id, person_tags.c.tag_id).where(person_tags.c.person_id.in_(batch))
        ):
            found[person_id].tag_ids.add(tag_id)
        for person_id, organisation_id, title in db.session.execute(
            select(Affiliation.person_id, Affiliation.organisation_id, Affiliation.job_title).where(
                Affiliation.person_id.in_(batch)
            )
        ):
            found[person_id].affiliations[organisation_id] = title
        for person_id in contact_consent_ids(batch):
            found[person_id].consenting = True
    return found


def _plan_update(row: ImportRow, current: Current) -> None:
    values = row.values
    for key in SCALARS:
        new = values.get(key)
        if not new:
            continue
        held = current.values[key]
        if not held:
            row.set_values[key] = new
            row.changes.append(field_label(key.removesuffix("_id")))
        elif (held.lower() != new.lower()) if key in _CASELESS else (held != new):
            row.kept.append(field_label(key.removesuffix("_id")))
    row.add_types = sorted(row.checked.types - current.types, key=lambda t: t.value)
    if row.add_types:
        row.changes.append("Person types")
    row.add_tag_ids = sorted(row.checked.tag_ids - current.tag_ids)
    if row.add_tag_ids:
        row.changes.append("Tags")
    organisation_id = values.get("organisation_id")
    if organisation_id:
        title = values.get("job_title") or None
        if organisation_id not in current.affiliations:
            row.affiliation = (organisation_id, title)
            row.changes.append("Organisation")
        elif title and not current.affiliations[organisation_id]:
            row.affiliation = (organisation_id, title)
            row.changes.append("Job title")
        elif title and current.affiliations[organisation_id] != title:
            row.kept.append("Job title")
    wants = values.get("consent_to_contact")
    if wants and not current.consenting:
        row.add_consent = True
        row.changes.append("Consent to contact")
    elif wants is False and current.consenting:
        row.kept.append("Consent to contact")
