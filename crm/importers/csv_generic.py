"""Any other attendance list saved as CSV: a name column (or first and last name columns) and/or
an email column, optionally minutes attended, a role and a status. Without a status column
everyone listed attended."""

from __future__ import annotations

from crm.importers.common import (
    ATTENDED,
    ATTENDEE,
    DECLINED,
    ORGANISER,
    PRESENTER,
    REGISTERED,
    ImportFormatError,
    ReportRow,
    cell,
    clean_email,
    find_header,
    is_blank,
    parse_duration,
    read_table,
)

NAME = "CSV attendance list"

COLUMNS = {
    "name": ("name", "full name", "participant", "participant name", "attendee", "attendee name", "display name"),
    "first_name": ("first name", "firstname", "forename", "given name", "first"),
    "last_name": ("last name", "lastname", "surname", "family name", "last"),
    "email": ("email", "email address", "e-mail", "e-mail address", "user email"),
    "minutes": (
        "minutes",
        "mins",
        "minutes attended",
        "duration (minutes)",
        "duration",
        "time attended",
        "attendance duration",
    ),
    "role": ("role",),
    "status": ("status", "attendance status", "attendee status"),
}
EXPECTED = (
    "Expected a CSV file with a header row naming a Name column (or First Name and Last Name) "
    "and/or an Email column, and optionally Minutes."
)
STATUSES = {
    "": ATTENDED,
    "attended": ATTENDED,
    "present": ATTENDED,
    "yes": ATTENDED,
    "y": ATTENDED,
    "checked in": ATTENDED,
    "registered": REGISTERED,
    "booked": REGISTERED,
    "attending": REGISTERED,
    "declined": DECLINED,
    "not attending": DECLINED,
    "cancelled": DECLINED,
}
_ROLES = {
    "organiser": ORGANISER,
    "organizer": ORGANISER,
    "host": ORGANISER,
    "co-host": ORGANISER,
    "presenter": PRESENTER,
    "speaker": PRESENTER,
    "facilitator": PRESENTER,
    "attendee": ATTENDEE,
    "participant": ATTENDEE,
}


def parse(data: bytes) -> list[ReportRow]:
    rows = read_table(data)
    header = find_header(rows, COLUMNS, required=[("name", "first_name", "last_name", "email")])
    if header is None:
        raise ImportFormatError(f"No header row found. {EXPECTED}")
    start, columns = header
    result = []
    for row in rows[start + 1 :]:
        line = row.line
        if is_blank(row):
            continue
        first, last = cell(row, columns, "first_name"), cell(row, columns, "last_name")
        name = cell(row, columns, "name") or " ".join(part for part in (first, last) if part)
        text = cell(row, columns, "minutes")
        try:
            minutes = parse_duration(text)
        except ValueError:
            raise ImportFormatError(
                f"Line {line}: {text[:40]!r} is not a number of minutes (like 45, or 1h 15m). {EXPECTED}"
            ) from None
        role = _ROLES.get(cell(row, columns, "role").lower())
        email = clean_email(cell(row, columns, "email"))
        text = cell(row, columns, "status")
        status = STATUSES.get(text.lower())
        if status is None:
            raise ImportFormatError(
                f"Line {line}: the status {text[:40]!r} is not one this import understands "
                "(attended, registered or declined; blank means attended)."
            )
        result.append(ReportRow(name, email, minutes, role, status, line, first or None, last or None))
    return result
