"""Reading a spreadsheet of people into rows of text: a CSV file in any of the encodings Excel and
other programs save (UTF-8 with or without BOM, UTF-16, Windows-1252), or an XLSX workbook.

`read_grids` turns the file into one grid per sheet (a CSV file is one sheet): every row as the
spreadsheet numbers it, blank rows kept so the numbers stay right. `table_from_grid` finds the
header row and the rows under it. Nothing here touches the database.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time

from crm.importers.common import EXPECTED_TEXT, ImportFormatError, decode, sniff_delimiter

# The most people one file may hold (header not counted), and the largest file accepted.
MAX_ROWS = 20_000
MAX_FILE_BYTES = 5 * 1024 * 1024
EXPECTED = (
    "Expected a CSV file or an Excel workbook (.xlsx) with a header row naming the columns, "
    "like First name, Surname, Email, Mobile, Postcode"
)
TOO_MANY_ROWS = (
    f"The file has more than {MAX_ROWS:,} people. Split it into files of {MAX_ROWS:,} rows or fewer and import each."
)
# Rows of an XLSX sheet read before giving up on finding more people: formatting can stretch a
# sheet to a million empty rows.
_BLANK_RUN_LIMIT = 1000
# How far down the header row is looked for (a title or notes may come first).
_HEADER_SEARCH_ROWS = 20


@dataclass(frozen=True)
class TableRow:
    """One row of people data. `number` is the row as the spreadsheet shows it (header = 1 when
    it is the first row); `cells` are the cells, stripped."""

    number: int
    cells: tuple[str, ...]

    def cell(self, index: int) -> str:
        return self.cells[index] if index < len(self.cells) else ""


@dataclass(frozen=True)
class PeopleTable:
    header: tuple[str, ...]
    header_row: int
    rows: tuple[TableRow, ...]


def _message(error: ImportFormatError) -> str:
    return str(error).replace(EXPECTED_TEXT, EXPECTED[len("Expected ") :])


def _is_xlsx(data: bytes, filename: str) -> bool:
    return data.startswith(b"PK\x03\x04") or filename.lower().endswith((".xlsx", ".xlsm"))


def read_grids(data: bytes, filename: str | None = None) -> dict[str, list[list[str]]]:
    """The file's sheets as grids of text cells (a CSV file gives one, named ""); raises
    ImportFormatError with a message saying what was expected."""
    name = (filename or "").lower()
    if len(data) > MAX_FILE_BYTES:
        raise ImportFormatError(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB. {TOO_MANY_ROWS}")
    if not data or not data.strip(b" \t\r\n\x00"):
        raise ImportFormatError(f"The file is empty. {EXPECTED}.")
    if name.endswith((".xls", ".ods", ".numbers")) or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFormatError(
            "This is an old-style or non-Excel spreadsheet. Open it and save it as an Excel workbook (.xlsx) "
            "or as CSV, then import that."
        )
    if _is_xlsx(data, name):
        return _read_xlsx(data)
    try:
        text = decode(data)
    except ImportFormatError as error:
        raise ImportFormatError(_message(error)) from error
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=False)
    grid: list[list[str]] = []
    people = 0
    try:
        for cells in reader:
            row = [cell.strip() for cell in cells]
            if any(row):
                people += 1
                if people > MAX_ROWS + 1:
                    raise ImportFormatError(TOO_MANY_ROWS)
            grid.append(row)
    except csv.Error as error:
        raise ImportFormatError(f"The file cannot be read as CSV ({error}). {EXPECTED}.") from error
    return {"": _trimmed(grid)}


# What a damaged or mislabelled workbook raises inside openpyxl: a bad zip, truncated or unknown
# compression (EOFError, NotImplementedError), XML that does not parse (ParseError is a SyntaxError).
_BROKEN_WORKBOOK = (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, NotImplementedError, SyntaxError)


def _read_xlsx(data: bytes) -> dict[str, list[list[str]]]:
    from openpyxl import load_workbook

    try:
        # Cached values as Excel shows them; a formula nobody calculated (no cached value) is
        # taken as its text, so nothing typed into the sheet is lost.
        values = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except _BROKEN_WORKBOOK as error:
        raise ImportFormatError(
            f"The file cannot be read as an Excel workbook. Save it again as .xlsx or CSV. {EXPECTED}."
        ) from error
    sheets: dict[str, list[list[str]]] = {}
    try:
        for sheet in values.worksheets:
            grid = _sheet_grid(sheet, formulas[sheet.title])
            if any(any(row) for row in grid):
                sheets[sheet.title] = grid
    except _BROKEN_WORKBOOK as error:
        raise ImportFormatError(
            f"The file cannot be read as an Excel workbook. Save it again as .xlsx or CSV. {EXPECTED}."
        ) from error
    finally:
        values.close()
        formulas.close()
    if not sheets:
        raise ImportFormatError(f"The workbook has no filled-in cells. {EXPECTED}.")
    return sheets


def _sheet_grid(sheet, formula_sheet) -> list[list[str]]:
    grid: list[list[str]] = []
    people = blank_run = 0
    for shown, typed in zip(sheet.iter_rows(values_only=True), formula_sheet.iter_rows(values_only=True), strict=False):
        row = [_cell_text(value if value is not None else other) for value, other in zip(shown, typed, strict=False)]
        if any(row):
            blank_run = 0
            people += 1
            if people > MAX_ROWS + 1:
                raise ImportFormatError(TOO_MANY_ROWS)
        else:
            blank_run += 1
            if blank_run > _BLANK_RUN_LIMIT:
                break
            row = []
        grid.append(row)
    return _trimmed(grid)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _trimmed(grid: list[list[str]]) -> list[list[str]]:
    """Without trailing empty cells and trailing blank rows (smaller to carry, same numbers)."""
    for row in grid:
        while row and not row[-1]:
            row.pop()
    while grid and not grid[-1]:
        grid.pop()
    return grid


def table_from_grid(grid: list[list[str]], looks_like_header) -> PeopleTable:
    """The header row (the first within the top rows that `looks_like_header`, else the first
    row with anything in it) and the non-blank rows under it."""
    filled = [index for index, row in enumerate(grid) if any(row)]
    if not filled:
        raise ImportFormatError(f"The file is empty. {EXPECTED}.")
    header_index = next((i for i in filled[:_HEADER_SEARCH_ROWS] if looks_like_header(grid[i])), filled[0])
    header = tuple(grid[header_index])
    rows = tuple(TableRow(index + 1, tuple(row)) for index, row in enumerate(grid) if index > header_index and any(row))
    if not rows:
        raise ImportFormatError(f"The file has a header row but no people under it. {EXPECTED}.")
    if len(rows) > MAX_ROWS:
        raise ImportFormatError(TOO_MANY_ROWS)
    return PeopleTable(header, header_index + 1, rows)
