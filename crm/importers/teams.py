"""Microsoft Teams attendance reports.

Saved as ".csv" but really UTF-16 (either byte order, with a BOM) and tab-separated, in
sections: "1. Summary", "2. Participants" (one row per person, with the total In-Meeting
Duration such as "1h 13m 42s"), "3. In-Meeting Activities" (each join and leave). Only the
participants section is read. Header capitalisation varies between versions; names are often
"Surname, First"; roles are Organizer/Organiser/Co-organizer/Presenter/Attendee. The duration is
what counts. First Join and Last Leave are in the organiser's locale: they are read (day first
unless only month first reads every one) so that two rows of one person at the same time are not
counted twice, and left out when they cannot all be read one way.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from crm.importers.common import (
    ATTENDED,
    ATTENDEE,
    ORGANISER,
    PRESENTER,
    ImportFormatError,
    ReportRow,
    Stay,
    cell,
    clean_email,
    header_map,
    is_blank,
    normalise_header,
    parse_duration,
    read_table,
)

NAME = "Teams attendance report"

COLUMNS = {
    "name": ("name", "full name", "participant name", "display name"),
    "first_join": ("first join", "first join time", "first joined"),
    "last_leave": ("last leave", "last leave time", "last left"),
    "duration": ("in-meeting duration", "in meeting duration", "attendance duration", "duration"),
    "email": ("email", "email address"),
    "upn": ("participant id (upn)", "participant id", "upn", "user principal name"),
    "role": ("role",),
}
EXPECTED = (
    "Expected a Teams attendance report: a tab-separated file with a '2. Participants' section whose "
    "header is Name, First Join, Last Leave, In-Meeting Duration, Email, Participant ID (UPN), Role."
)
_SECTION = re.compile(r"^\d+\.\s*\S")
_PARTICIPANTS = re.compile(r"^2\.\s*participants?$")
_ROLES = {
    "organizer": ORGANISER,
    "organiser": ORGANISER,
    "co-organizer": ORGANISER,
    "co-organiser": ORGANISER,
    "coorganizer": ORGANISER,
    "presenter": PRESENTER,
    "attendee": ATTENDEE,
}
# Each group reads every date of one locale's reports; the first group that reads them all is used.
_TIME_FORMATS = (
    ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d, %H:%M:%S", "%Y-%m-%d %H:%M"),
    (
        "%d/%m/%Y, %H:%M:%S",
        "%d/%m/%Y %H:%M:%S",
        "%d/%m/%Y, %H:%M",
        "%d/%m/%Y %H:%M",
        "%d/%m/%y, %H:%M:%S",
        "%d/%m/%y %H:%M:%S",
        "%d.%m.%Y, %H:%M:%S",
        "%d.%m.%Y %H:%M:%S",
    ),
    (
        "%m/%d/%Y, %I:%M:%S %p",
        "%m/%d/%Y %I:%M:%S %p",
        "%m/%d/%y, %I:%M:%S %p",
        "%m/%d/%y %I:%M:%S %p",
        "%m/%d/%Y, %I:%M %p",
        "%m/%d/%Y, %H:%M:%S",
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%y, %H:%M:%S",
    ),
)
_SURNAME_FIRST = re.compile(r"^\s*([^,()\[\]]+?)\s*,\s*([^,()\[\]]+?)\s*(?:[\(\[].*)?$")


def _first_cell(row: list[str]) -> str:
    filled = [c for c in row if c.strip()]
    return normalise_header(filled[0]) if len(filled) == 1 else ""


def looks_like(rows: list[list[str]]) -> bool:
    for row in rows[:60]:
        first = _first_cell(row)
        if first in ("1. summary", "1. meeting summary") or _PARTICIPANTS.match(first):
            return True
        found = header_map(row, COLUMNS)
        if "name" in found and ("first_join" in found or "upn" in found or "in-meeting duration" in _cells(row)):
            return True
        if "user action" in _cells(row) and "timestamp" in _cells(row):
            return True
    return False


def _cells(row: list[str]) -> list[str]:
    return [normalise_header(c) for c in row]


def _participants_header(rows: list[list[str]]) -> tuple[int, dict[str, int]] | None:
    """The header of the participants section: after the "2. Participants" line when there is
    one, else the first header row with a name and a duration."""
    in_participants = False
    fallback = None
    for index, row in enumerate(rows[:400]):
        first = _first_cell(row)
        if first:
            in_participants = bool(_PARTICIPANTS.match(first))
            if _SECTION.match(first):
                continue
        found = header_map(row, COLUMNS)
        if "name" in found and "duration" in found:
            if in_participants:
                return index, found
            if fallback is None and ("first_join" in found or "upn" in found):
                fallback = (index, found)
    return fallback


def parse(data: bytes) -> list[ReportRow]:
    rows = read_table(data)
    for row in rows[:60]:
        cells = _cells(row)
        if "user action" in cells and "timestamp" in cells:
            raise ImportFormatError(
                "This is an old-style Teams attendance list (Full Name, User Action, Timestamp), which "
                "has no durations. Download the attendance report from the meeting's Attendance tab instead. "
                + EXPECTED
            )
    header = _participants_header(rows)
    if header is None:
        raise ImportFormatError(f"No participants section found. {EXPECTED}")
    start, columns = header
    result = []
    times: list[tuple[str, str]] = []
    for row in rows[start + 1 :]:
        line = row.line
        if is_blank(row):
            continue
        first = _first_cell(row)
        if first and _SECTION.match(first):
            break  # "3. In-Meeting Activities" lists each join again
        if "name" in header_map(row, COLUMNS) and "duration" in header_map(row, COLUMNS):
            break  # a header without a section line before it: the next table
        name = cell(row, columns, "name")
        email = clean_email(cell(row, columns, "email"))
        if email is None:
            upn = cell(row, columns, "upn")
            # Guests' ids look like jo_example.org#EXT#@tenant.onmicrosoft.com: not their address.
            email = clean_email(upn) if "#ext#" not in upn.lower() else None
        text = cell(row, columns, "duration")
        try:
            minutes = parse_duration(text)
        except ValueError:
            raise ImportFormatError(
                f"Line {line}: the In-Meeting Duration {text[:40]!r} is not a duration like 1h 13m 42s. {EXPECTED}"
            ) from None
        role = _ROLES.get(cell(row, columns, "role").lower().replace(" ", ""))
        first_name = last_name = None
        surname_first = _SURNAME_FIRST.match(name)
        if surname_first:
            last_name, first_name = surname_first.groups()
        result.append(ReportRow(name, email, minutes, role, ATTENDED, line, first_name, last_name))
        times.append((cell(row, columns, "first_join"), cell(row, columns, "last_leave")))
    return _with_times(result, times)


def _with_times(rows: list[ReportRow], times: list[tuple[str, str]]) -> list[ReportRow]:
    """The rows with their first join and last leave, when every one of them reads in one locale."""
    values = [value for pair in times for value in pair]
    if not rows or not all(values):
        return rows
    for formats in _TIME_FORMATS:
        parsed = [_parse_time(value, formats) for value in values]
        if all(parsed):
            pairs = zip(parsed[0::2], parsed[1::2], strict=True)
            return [
                replace(row, stays=(Stay(row.minutes, joined, left) if left >= joined else Stay(row.minutes),))
                for row, (joined, left) in zip(rows, pairs, strict=True)
            ]
    return rows


def _parse_time(text: str, formats: tuple[str, ...]) -> datetime | None:
    value = re.sub(r"\s+", " ", text.strip())
    for pattern in formats:
        try:
            return datetime.strptime(value, pattern)
        except ValueError:
            continue
    return None
