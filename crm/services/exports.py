"""Exporting find-people results to CSV and XLSX for a coordinator: only the columns they
need, formula-safe, and one audit row per export (counts and filters, never values).

Data protection (docs/data-protection.md): equality-monitoring answers are never exported;
email and phone appear only for people who currently consent to be contacted (the others'
rows say "No" under consent and leave the contact cells empty, so the export cannot be used
to contact them); anonymised people are left out."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from openpyxl import Workbook

from crm.extensions import db
from crm.models.enums import AuditAction
from crm.queries.find_people import ExportPerson, Filters, export_people_rows
from crm.services import audit

HEADERS = (
    "Name",
    "Preferred name",
    "Email",
    "Phone",
    "Ward",
    "Person types",
    "Consent to contact",
    "Access needs",
    "Last attended",
    "Sessions this year",
)
# Spreadsheet programs treat a cell starting with one of these as a formula (or the start of one).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value):
    """The cell value, with a leading apostrophe when text would otherwise be read as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


@dataclass
class Export:
    filename: str
    content: bytes
    mimetype: str
    rows: int


def _needs(person: ExportPerson) -> str:
    needs = []
    if person.needs_creche:
        needs.append("Creche")
    if person.needs_step_free:
        needs.append("Step-free access")
    if person.interpreter_language:
        needs.append(f"Interpreter ({person.interpreter_language})")
    if person.other_needs:
        needs.append(person.other_needs)
    return "; ".join(needs)


def export_rows(filters: Filters) -> Iterator[list]:
    """The export's rows (without the header): a fixed number of queries however many people."""
    for person in export_people_rows(filters):
        fact = person.facts
        may_contact = person.may_contact
        yield [
            person.full_name,
            person.preferred_name or "",
            (person.email or "") if may_contact else "",
            (person.phone or "") if may_contact else "",
            person.ward or "",
            ", ".join(t.label for t in person.types),
            "Yes" if may_contact else "No",
            _needs(person),
            fact.last_attended.isoformat() if fact.last_attended else "",
            fact.sessions_this_year,
        ]


def export_people(filters: Filters, file_format: str, actor) -> Export:
    """Build the export (CSV with a BOM so Excel reads UTF-8, or XLSX) and audit it."""
    rows = [[formula_safe(cell) for cell in row] for row in export_rows(filters)]
    if file_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(HEADERS)
        writer.writerows(rows)
        content = ("\ufeff" + buffer.getvalue()).encode("utf-8")
        mimetype = "text/csv; charset=utf-8"
    elif file_format == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("People")
        sheet.append(list(HEADERS))
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        content = buffer.getvalue()
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise ValueError(file_format)
    audit.record(
        actor,
        AuditAction.EXPORT,
        None,
        entity_type="export",
        detail=f"people export ({file_format}): {len(rows)} rows; filters: {filters.describe()}"[:300],
    )
    db.session.flush()
    return Export(f"people.{file_format}", content, mimetype, len(rows))
