"""Eventbrite attendee reports (CSV).

Columns: Order #, Order Date, First Name, Last Name, Email, Quantity, Ticket Type, Attendee #,
…, Attendee Status, then one column per custom question (ignored). "Checked In" means the person
came; "Attending" means they booked but were not checked in (registered); "Not Attending",
"Deleted", "Refunded", "Cancelled" and "Transferred" mean they will not come (declined). A ticket
report says nothing about minutes.
"""

from __future__ import annotations

from crm.importers.common import (
    ATTENDED,
    ATTENDEE,
    DECLINED,
    REGISTERED,
    ImportFormatError,
    ReportRow,
    cell,
    clean_email,
    find_header,
    header_map,
    is_blank,
    normalise_header,
    read_table,
)

NAME = "Eventbrite attendee report"

COLUMNS = {
    "order": ("order #", "order no", "order number", "order id"),
    "first_name": ("first name", "attendee first name"),
    "last_name": ("last name", "surname", "attendee last name"),
    "email": ("email", "attendee email", "email address"),
    "attendee": ("attendee #", "attendee no", "attendee number", "attendee id"),
    "status": ("attendee status", "status"),
    "checked_in": ("checked in", "check-in status", "check in status", "checked-in"),
    "ticket": ("ticket type",),
}
EXPECTED = (
    "Expected an Eventbrite attendee report: a CSV file with columns including Order #, First Name, "
    "Last Name, Email, Ticket Type, Attendee # and Attendee Status."
)
STATUSES = {
    "checked in": ATTENDED,
    "checked-in": ATTENDED,
    "attending": REGISTERED,
    "not attending": DECLINED,
    "deleted": DECLINED,
    "refunded": DECLINED,
    "cancelled": DECLINED,
    "canceled": DECLINED,
    "transferred": DECLINED,
}
_YES = {"yes", "y", "true", "1", "checked in"}


def looks_like(rows: list[list[str]]) -> bool:
    for row in rows[:60]:
        found = header_map(row, COLUMNS)
        if "order" in found and ("attendee" in found or "status" in found or "ticket" in found):
            return True
        if "attendee status" in (normalise_header(cell) for cell in row):
            return True
    return False


def parse(data: bytes) -> list[ReportRow]:
    rows = read_table(data)
    header = find_header(rows, COLUMNS, required=[("first_name", "email"), ("order", "status")])
    if header is None:
        raise ImportFormatError(f"No attendee table found. {EXPECTED}")
    start, columns = header
    if "status" not in columns:
        raise ImportFormatError(f"The attendee table has no Attendee Status column. {EXPECTED}")
    result = []
    for row in rows[start + 1 :]:
        line = row.line
        if is_blank(row):
            continue
        text = cell(row, columns, "status")
        status = STATUSES.get(text.lower())
        if status is None:
            raise ImportFormatError(
                f"Line {line}: the Attendee Status {text[:40]!r} is not one Eventbrite uses "
                "(Checked In, Attending, Not Attending or Deleted)."
            )
        if status == REGISTERED and cell(row, columns, "checked_in").lower() in _YES:
            status = ATTENDED
        first, last = cell(row, columns, "first_name"), cell(row, columns, "last_name")
        name = " ".join(part for part in (first, last) if part)
        email = clean_email(cell(row, columns, "email"))
        result.append(ReportRow(name, email, None, ATTENDEE, status, line, first or None, last or None))
    return result
