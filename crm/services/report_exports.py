"""Downloads of the participation dashboard: one breakdown as CSV, the whole report as XLSX
(one sheet per breakdown). Aggregates only — no names, no personal data — and formula-safe."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import Workbook
from openpyxl.styles import Font

from crm.periods import Period
from crm.queries.dashboard_cells import Report, Table
from crm.services.exports import Export, formula_safe
from crm.templating import format_datetime

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_NAME_MAX = 31


def _rows(table: Table) -> list[list]:
    return [[formula_safe(row.label), *(formula_safe(cell.value) for cell in row.cells)] for row in table.rows]


def _slug(period: Period) -> str:
    return f"{period.basis}-{period.label.replace('/', '-')}"


def table_csv(table: Table, period: Period) -> Export:
    """One breakdown as CSV (with a BOM, so Excel reads it as UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([formula_safe(column) for column in table.columns])
    writer.writerows(_rows(table))
    content = ("\ufeff" + buffer.getvalue()).encode("utf-8")
    filename = f"participation-{_slug(period)}-{table.key.replace('_', '-')}.csv"
    return Export(filename, content, "text/csv; charset=utf-8", len(table.rows))


def sheet_name(title: str) -> str:
    """A title as a worksheet name: no []:*?/\\ and at most 31 characters."""
    name = re.sub(r"[\[\]:*?/\\]", " ", title).replace("  ", " ").strip()
    return name[:_SHEET_NAME_MAX].rstrip()


def report_xlsx(report: Report, period: Period) -> Export:
    """The whole report as a workbook: one sheet per breakdown, headline figures first."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    counted = f", counted on {format_datetime(report.as_of)}" if report.as_of else ""
    for table in report.tables:
        title = table.title.replace("Equality monitoring: ", "Equality, ").replace("“", "").replace("”", "")
        sheet = workbook.create_sheet(sheet_name(title))
        sheet.append([f"{table.title} — {period.label} ({period.basis} year){counted}"])
        sheet["A1"].font = bold
        sheet.append([formula_safe(column) for column in table.columns])
        for cell in sheet[2]:
            cell.font = bold
        for row in _rows(table):
            sheet.append(row)
        if table.description:
            sheet.append([])
            sheet.append([formula_safe(table.description)])
        sheet.column_dimensions["A"].width = max(16, min(48, max((len(r.label) for r in table.rows), default=0)))
        for letter in "BCDE"[: len(table.columns) - 1]:
            sheet.column_dimensions[letter].width = 18
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Export(f"participation-{_slug(period)}.xlsx", buffer.getvalue(), XLSX, len(report.tables))
