"""Zoom participant reports (CSV).

Older exports start with a meeting-summary block (Meeting ID, Topic, Start Time, …, User Email
of the host) and a blank line before the participant table; newer ones have only the table, with
lower-case headers and a BOM. Times are US style (03/14/2024 10:02:11 AM). Someone who drops out
and rejoins has one row per stay; rows are returned as they are, one each, with their join and
leave times so that stays at the same time (a laptop and a phone) are not counted twice.

The "Name (Original Name)" column holds the name shown in the meeting, then, when someone renamed
themselves, the name they joined with in brackets: "Jo (Joanne Sample)". The fuller of the two
is kept (the original when they are as full), not pronouns or "(Guest)" in brackets.
"""

from __future__ import annotations

import re
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
    find_header,
    header_map,
    is_blank,
    is_device_name,
    normalise_header,
    parse_duration,
    read_table,
    whole_minutes,
)

NAME = "Zoom participant report"

COLUMNS = {
    "name": ("name (original name)", "name", "participant", "participant name", "user name"),
    "email": ("user email", "email", "participant email", "email address"),
    "join": ("join time", "join"),
    "leave": ("leave time", "leave"),
    "duration": (
        "duration (minutes)",
        "duration (mins)",
        "duration(minutes)",
        "duration (minute)",
        "total duration (minutes)",
        "duration",
    ),
    "guest": ("guest",),
    "waiting_room": ("in waiting room",),
    "role": ("role", "user type", "attendee type"),
}
# The summary block's columns that name the host.
SUMMARY_COLUMNS = {
    "meeting_id": ("meeting id", "webinar id"),
    "topic": ("topic",),
    "host_email": ("user email", "host email"),
    "host_name": ("host name", "host"),
}
EXPECTED = (
    "Expected a Zoom participant report: a CSV file with a header row such as "
    "Name (Original Name), User Email, Join Time, Leave Time, Duration (Minutes), Guest."
)

_TIME_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
)
_ROLES = {
    "host": ORGANISER,
    "co-host": ORGANISER,
    "cohost": ORGANISER,
    "alternative host": ORGANISER,
    "panelist": PRESENTER,
    "panellist": PRESENTER,
    "attendee": ATTENDEE,
    "participant": ATTENDEE,
}


def parse_time(text: str) -> datetime | None:
    """A Zoom timestamp (US month first); None when it is not one."""
    value = re.sub(r"\s+", " ", (text or "").strip())
    for pattern in _TIME_FORMATS:
        try:
            return datetime.strptime(value, pattern)
        except ValueError:
            continue
    return None


def looks_like(rows: list[list[str]]) -> bool:
    """Whether these rows are a Zoom report (used by format detection)."""
    for row in rows[:60]:
        found = header_map(row, COLUMNS)
        if "name" in found and "join" in found and ("duration" in found or "leave" in found):
            return True
        summary = header_map(row, SUMMARY_COLUMNS)
        if "meeting_id" in summary and "topic" in summary:
            return True
    return False


def parse(data: bytes) -> list[ReportRow]:
    rows = read_table(data)
    header = find_header(rows, COLUMNS, required=[("name",), ("duration", "join")])
    if header is None:
        raise ImportFormatError(f"No participant table found. {EXPECTED}")
    start, columns = header
    if "duration" not in columns and not ("join" in columns and "leave" in columns):
        raise ImportFormatError(f"The participant table has no Duration (Minutes) column. {EXPECTED}")
    host_email, host_name = _host(rows[:start])
    with_original = normalise_header(rows[start][columns["name"]]) == "name (original name)"
    result = []
    for row in rows[start + 1 :]:
        line = row.line
        if is_blank(row):
            continue
        if cell(row, columns, "waiting_room").lower() == "yes":
            continue  # time spent waiting to be let in is not time at the session
        name = cell(row, columns, "name")
        email = clean_email(cell(row, columns, "email"))
        joined, left = parse_time(cell(row, columns, "join")), parse_time(cell(row, columns, "leave"))
        minutes = _minutes(row, columns, line, joined, left)
        role = _ROLES.get(cell(row, columns, "role").lower())
        if _is_host(name, email, host_email, host_name):
            role = ORGANISER
        if with_original:
            name = preferred_name(name)
        stay = Stay(minutes, joined, left) if joined and left and left >= joined else Stay(minutes)
        result.append(ReportRow(name, email, minutes, role, ATTENDED, line, stays=(stay,)))
    return result


_RENAMED = re.compile(r"^(?P<shown>.*?)\s*\((?P<original>[^()\[\]]+)\)\s*$")
_BRACKETED = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]\s*")
# Words people put in brackets after their name that are not a name.
_NOT_NAMES = {
    "guest",
    "host",
    "co-host",
    "cohost",
    "me",
    "external",
    "organiser",
    "organizer",
    "presenter",
    "panelist",
    "panellist",
    "interpreter",
    "bsl interpreter",
    "captioner",
}


def preferred_name(text: str) -> str:
    """From "Name (Original Name)": the original name when it is at least as full a name as the
    one shown ("Jo (Joanne Sample)" → "Joanne Sample"), else the cell as it is ("Jo Sample (Jo S)",
    "Priya Testwell (she/her)", "Lee Brightwater (Guest)")."""
    renamed = _RENAMED.match(text or "")
    if not renamed:
        return text
    shown, original = renamed.group("shown").strip(), renamed.group("original").strip()
    if "/" in original or "@" in original or original.lower() in _NOT_NAMES or _fullness(original) == 0:
        return text
    if _fullness(_BRACKETED.sub(" ", shown)) > _fullness(original):
        return text
    return original


def _fullness(name: str) -> int:
    """How much of a name this is: its words of two letters or more (a device's name is none)."""
    if is_device_name(name.strip()):
        return 0
    return sum(1 for word in name.replace(",", " ").split() if sum(c.isalpha() for c in word) >= 2)


def _is_host(name: str, email: str | None, host_email: str | None, host_name: str | None) -> bool:
    if email and host_email:
        return email.lower() == host_email.lower()
    return bool(name and host_name and name.lower() == host_name.lower())


def _host(summary: list[list[str]]) -> tuple[str | None, str | None]:
    """The host's email and name from the summary block above the table, if there is one."""
    for index, row in enumerate(summary[:-1]):
        columns = header_map(row, SUMMARY_COLUMNS)
        if "meeting_id" in columns:
            values = summary[index + 1]
            return clean_email(cell(values, columns, "host_email")), cell(values, columns, "host_name") or None
    return None, None


def _minutes(
    row: list[str], columns: dict[str, int], line: int, joined: datetime | None, left: datetime | None
) -> int | None:
    text = cell(row, columns, "duration")
    if text:
        try:
            return parse_duration(text)
        except ValueError:
            raise ImportFormatError(
                f"Line {line}: the duration {text[:40]!r} is not a number of minutes. {EXPECTED}"
            ) from None
    if joined and left and left >= joined:
        return whole_minutes((left - joined).total_seconds())
    return None
