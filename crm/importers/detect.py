"""Telling which report a file is from its content (the file name is only a hint)."""

from __future__ import annotations

from crm.importers import csv_generic, eventbrite, teams, zoom
from crm.importers.common import ImportFormatError, find_header, read_table

FORMATS = ("zoom", "teams", "eventbrite", "csv")
FORMAT_NAMES = {
    "zoom": zoom.NAME,
    "teams": teams.NAME,
    "eventbrite": eventbrite.NAME,
    "csv": csv_generic.NAME,
}
EXPECTED = (
    "Expected a Zoom participant report (with Name (Original Name) and Duration (Minutes) columns), "
    "a Teams attendance report (with a '2. Participants' section), an Eventbrite attendee report "
    "(with Order # and Attendee Status columns) or a CSV file with a Name or Email column."
)
_SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".numbers")


def detect_format(data: bytes, filename: str | None = None) -> str:
    """ "zoom", "teams", "eventbrite" or "csv"; raises ImportFormatError naming what was expected."""
    name = (filename or "").lower()
    if name.endswith(_SPREADSHEET_SUFFIXES):
        raise ImportFormatError(
            "This is a spreadsheet file, not a CSV file. Open it and save or export it as CSV, then import the CSV."
        )
    if name.endswith((".pdf", ".doc", ".docx")):
        raise ImportFormatError(f"This is a document, not a report file. {EXPECTED}")
    rows = read_table(data)
    if teams.looks_like(rows):
        return "teams"
    if eventbrite.looks_like(rows):
        return "eventbrite"
    if zoom.looks_like(rows):
        return "zoom"
    if find_header(rows, csv_generic.COLUMNS, required=[("name", "first_name", "last_name", "email")]):
        return "csv"
    raise ImportFormatError(f"This file is not a report we recognise. {EXPECTED}")
