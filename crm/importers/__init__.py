"""Reading attendance reports exported from other systems: one module per format.

`parse_report` is the way in: it detects the format (unless told), parses, and returns one
ReportRow per row of the report. Any problem with the file is an ImportFormatError whose
message says what was expected; nothing here touches the database.
"""

from __future__ import annotations

from crm.importers import csv_generic, eventbrite, teams, zoom
from crm.importers.common import (
    ImportFormatError,
    ReportRow,
    Stay,
    combine_rows,
    is_device_name,
    merge_rejoins,
    total_minutes,
)
from crm.importers.detect import FORMAT_NAMES, FORMATS, detect_format

PARSERS = {
    "zoom": zoom.parse,
    "teams": teams.parse,
    "eventbrite": eventbrite.parse,
    "csv": csv_generic.parse,
}
# Whether an email address in the format belongs to one person. A meeting's is the account the
# person signed in with; a ticket report's is the buyer's, on every ticket of a group booking,
# and a list may give a family's shared address.
EMAILS_ARE_PERSONAL = {"zoom": True, "teams": True, "eventbrite": False, "csv": False}


def parse_report(data: bytes, filename: str | None = None, fmt: str = "auto") -> tuple[str, list[ReportRow]]:
    """The report's format and rows. `fmt` is "auto" or one of FORMATS."""
    if fmt in (None, "", "auto"):
        fmt = detect_format(data, filename)
    elif fmt not in PARSERS:
        raise ImportFormatError(f"Unknown report format {fmt!r}: choose one of {', '.join(FORMATS)}.")
    else:
        try:
            detected = detect_format(data, filename)
        except ImportFormatError:
            detected = None  # the chosen parser says what it expected
        if detected not in (None, fmt, "csv"):
            raise ImportFormatError(
                f"This looks like {_a(FORMAT_NAMES[detected])}, not {_a(FORMAT_NAMES[fmt])}. "
                "Choose that format, or let the format be worked out from the file."
            )
    rows = PARSERS[fmt](data)
    if not any(row.name or row.email for row in rows):
        raise ImportFormatError(
            f"The file has a header but no participants under it. It was read as {_a(FORMAT_NAMES[fmt])}."
        )
    return fmt, rows


def _a(name: str) -> str:
    return ("an " if name[:1].upper() in "AEIOU" else "a ") + name


__all__ = [
    "EMAILS_ARE_PERSONAL",
    "FORMATS",
    "FORMAT_NAMES",
    "ImportFormatError",
    "PARSERS",
    "ReportRow",
    "Stay",
    "combine_rows",
    "detect_format",
    "is_device_name",
    "merge_rejoins",
    "parse_report",
    "total_minutes",
]
