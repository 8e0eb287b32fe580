"""What every report parser shares: the row it returns, the one error it raises, turning bytes
into text and text into rows, and reading durations.

Parsers are pure: bytes in, rows out, no database. They return one ReportRow per row of the
report, so a person who left and rejoined a meeting appears more than once; `merge_rejoins`
folds those rows into one per person before anything is matched or written. `combine_rows` is
the one way two rows of the same person become one, wherever that happens: time present twice
at once (a laptop and a phone) is counted once.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from charset_normalizer import from_bytes

ATTENDED = "attended"
REGISTERED = "registered"
DECLINED = "declined"
ORGANISER = "organiser"
PRESENTER = "presenter"
ATTENDEE = "attendee"

# The strongest of several rows wins when they are merged.
_STATUS_ORDER = {DECLINED: 1, REGISTERED: 2, ATTENDED: 3}
_ROLE_ORDER = {None: 0, ATTENDEE: 1, PRESENTER: 2, ORGANISER: 3}

# How far into a file to look for the header row (summary blocks come first).
HEADER_SEARCH_LINES = 60


class ImportFormatError(ValueError):
    """The file cannot be read as the report it should be; the message says what was expected."""


@dataclass(frozen=True)
class Stay:
    """Time at a meeting as one row of a report gives it: minutes, and when the person joined
    and left if the report says (Zoom, Teams)."""

    minutes: int | None
    joined: datetime | None = None
    left: datetime | None = None


@dataclass(frozen=True)
class ReportRow:
    """One participant row of a report, or several rows of one person combined.

    `minutes` is None when the report does not say (ticket reports); `role_hint` is "organiser",
    "presenter", "attendee" or None; `status_hint` is "attended", "registered" or "declined";
    `raw_line` is the row's line number in the file, for messages. `first_name`/`last_name` are set
    only when the report gives them separately (or as "Surname, First"), so new people are
    split correctly. `stays` holds the time of each row combined into this one; a parser that
    knows join and leave times passes them as the row's one Stay."""

    name: str
    email: str | None
    minutes: int | None
    role_hint: str | None
    status_hint: str
    raw_line: int
    first_name: str | None = None
    last_name: str | None = None
    rows_merged: int = 1
    stays: tuple[Stay, ...] = ()

    def __post_init__(self) -> None:
        if not self.stays:
            object.__setattr__(self, "stays", (Stay(self.minutes),))


# --- bytes to text -------------------------------------------------------------------------

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_NOT_TEXT = (
    (b"PK\x03\x04", "an Excel workbook or other zip file"),
    (b"\xd0\xcf\x11\xe0", "an old-style Excel workbook (.xls)"),
    (b"%PDF", "a PDF document"),
)
EXPECTED_TEXT = "a CSV or tab-separated text file exported from Zoom, Teams or Eventbrite"


def decode(data: bytes) -> str:
    """The text of a report: UTF-8 (with or without BOM), UTF-16 either way round with a BOM
    (Teams), or a Windows code page (Excel's "CSV" on Windows)."""
    if not data or not data.strip(b" \t\r\n\x00"):
        raise ImportFormatError(f"The file is empty. Expected {EXPECTED_TEXT}.")
    for magic, what in _NOT_TEXT:
        if data.startswith(magic):
            raise ImportFormatError(
                f"This is {what}, not a CSV file. Open it and save or export it as CSV, then import the CSV."
            )
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return _check_text(data.decode(codec))
            except UnicodeDecodeError as error:
                raise ImportFormatError(
                    f"The file starts like {codec.upper().replace('-SIG', '')} text but cannot be read as it. "
                    f"Expected {EXPECTED_TEXT}."
                ) from error
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _check_text(utf16)
    try:
        return _check_text(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise ImportFormatError(f"This is not a text file. Expected {EXPECTED_TEXT}.")
    for codec in (_guess_code_page(data), "cp1252", "latin-1"):
        try:
            return _check_text(data.decode(codec))
        except (UnicodeDecodeError, LookupError):
            continue
    raise ImportFormatError(f"The file's text encoding is not recognised. Expected {EXPECTED_TEXT}.")


def _guess_code_page(data: bytes) -> str:
    """charset-normalizer's guess for a file in a single-byte code page. Short files read equally
    well in several Western code pages; reports here come from UK Windows or Macs, so when
    Windows-1252 is among the least chaotic readings it is the one used ("£" stays "£")."""
    matches = list(from_bytes(data[:200_000]))
    if not matches:
        return "cp1252"
    least = min(match.percent_chaos for match in matches)
    tied = [match for match in matches if match.percent_chaos <= least]
    if any("cp1252" in match.could_be_from_charset for match in tied):
        return "cp1252"
    return tied[0].encoding


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text that lost its BOM: every other byte of ASCII text is zero."""
    sample = data[:2000]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    for zeros, codec in ((odd, "utf-16-le"), (even, "utf-16-be")):
        if zeros.count(0) > 0.9 * len(zeros):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    return None


def _check_text(text: str) -> str:
    text = text.lstrip("\ufeff")
    controls = sum(1 for c in text[:20_000] if ord(c) < 32 and c not in "\t\r\n")
    if controls > 5:
        raise ImportFormatError(f"This is not a text file. Expected {EXPECTED_TEXT}.")
    return text.replace("\x00", "")


# --- text to rows --------------------------------------------------------------------------

DELIMITERS = ",\t;"


def _fields_per_line(lines: Sequence[str], delimiter: str) -> int:
    """How well `delimiter` splits these lines into a table: the most common field count (above
    one) times the number of lines that have it."""
    counts: dict[int, int] = {}
    try:
        for row in csv.reader(lines, delimiter=delimiter, quotechar='"', strict=False):
            if len(row) > 1:
                counts[len(row)] = counts.get(len(row), 0) + 1
    except csv.Error:
        return 0
    return max((width * lines for width, lines in counts.items()), default=0)


def sniff_delimiter(text: str) -> str:
    """Comma, tab or semicolon. The csv module's Sniffer guesses first; its guess is kept unless
    another delimiter splits the lines into a clearly more regular table (a tab-separated Teams
    report with "Surname, First" names can fool it into choosing the comma)."""
    lines = [line for line in text.splitlines() if line.strip()][:HEADER_SEARCH_LINES]
    if not lines:
        return ","
    scores = {d: _fields_per_line(lines, d) for d in DELIMITERS}
    try:
        guess = csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        guess = None
    best = max(DELIMITERS, key=lambda d: scores[d])
    if guess in scores and scores[guess] >= scores[best]:
        return guess
    return best


class Row(list):
    """One row of cells, knowing the line of the file it starts on (for messages)."""

    line: int = 0


def read_table(data: bytes) -> list[Row]:
    """The file's rows as lists of strings (cells stripped), whatever its encoding and delimiter."""
    text = decode(data)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=False)
    rows: list[Row] = []
    next_line = 1
    try:
        for cells in reader:
            row = Row(cell.strip() for cell in cells)
            row.line = next_line
            next_line = reader.line_num + 1
            rows.append(row)
    except csv.Error as error:
        raise ImportFormatError(f"The file cannot be read as CSV ({error}). Expected {EXPECTED_TEXT}.") from error
    return rows


def normalise_header(text: str) -> str:
    """A header cell as a lookup key: no BOM or quotes, lower case, single spaces, no trailing colon."""
    text = text.replace("\ufeff", "").strip().strip('"').strip().rstrip(":").strip()
    return re.sub(r"\s+", " ", text).lower()


def find_header(
    rows: Sequence[Sequence[str]], columns: dict[str, Iterable[str]], required: Iterable[Iterable[str]]
) -> tuple[int, dict[str, int]] | None:
    """The first row (within HEADER_SEARCH_LINES) that names the required columns.

    `columns` maps a field to the header spellings that mean it; `required` lists groups of
    fields of which at least one each must be present. Returns the row's index and field → column."""
    for index, row in enumerate(rows[:HEADER_SEARCH_LINES]):
        found = header_map(row, columns)
        if all(any(field in found for field in group) for group in required):
            return index, found
    return None


def header_map(row: Sequence[str], columns: dict[str, Iterable[str]]) -> dict[str, int]:
    cells = [normalise_header(cell) for cell in row]
    found: dict[str, int] = {}
    for field, spellings in columns.items():
        for spelling in spellings:
            if spelling in cells:
                found[field] = cells.index(spelling)
                break
    return found


def cell(row: Sequence[str], columns: dict[str, int], field: str) -> str:
    index = columns.get(field)
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def is_blank(row: Sequence[str]) -> bool:
    return not any(c.strip() for c in row)


def clean_email(text: str) -> str | None:
    """An email address as the report gives it, or None when there is none (matching checks it)."""
    text = (text or "").strip().strip("<>").strip()
    return text if "@" in text else None


# --- durations -----------------------------------------------------------------------------

_UNITS = re.compile(r"(\d+(?:[.,]\d+)?)\s*(h|hr|hrs|hours?|m|min|mins|minutes?|s|sec|secs|seconds?)\b", re.I)
_CLOCK = re.compile(r"^(\d{1,3}):(\d{2})(?::(\d{2}))?$")
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")


def parse_duration(text: str) -> int | None:
    """Whole minutes (nearest) from "1h 13m 42s", "45m 3s", "32s", "01:13:42", "74" or "74.5".

    Returns None for an empty cell; raises ValueError for anything else it cannot read."""
    value = (text or "").strip()
    if not value:
        return None
    if _NUMBER.match(value):
        number = float(value.replace(",", "."))
        seconds = number * 60
    elif clock := _CLOCK.match(value):
        hours, minutes, secs = clock.groups()
        if secs is None:  # "1:13" is hours and minutes
            seconds = int(hours) * 3600 + int(minutes) * 60
        else:
            seconds = int(hours) * 3600 + int(minutes) * 60 + int(secs)
    else:
        parts = _UNITS.findall(value)
        leftover = _UNITS.sub("", value).strip(" ,")
        if not parts or leftover:
            raise ValueError(f"not a duration: {text!r}")
        seconds = 0.0
        for amount, unit in parts:
            number = float(amount.replace(",", "."))
            unit = unit.lower()
            seconds += number * (3600 if unit.startswith("h") else 60 if unit.startswith("m") else 1)
    if not math.isfinite(seconds) or seconds > 60 * 60 * 24 * 7:
        raise ValueError(f"not a duration: {text!r}")
    return whole_minutes(seconds)


def whole_minutes(seconds: float) -> int:
    """Seconds to the nearest minute, halves up (32s is a minute, 29s is none)."""
    return int(seconds // 60 + (1 if seconds % 60 >= 30 else 0))


# --- one row per person ------------------------------------------------------------------


def total_minutes(stays: Iterable[Stay]) -> int | None:
    """The minutes of several stays of one person, counting time present twice at once only
    once: the reported minutes summed, less the overlap of the stays whose join and leave times
    are known (the union of those stays). None when no stay gives minutes. Never less than the
    longest single stay. Capping at the session's length is for the caller, who knows it."""
    known = [stay for stay in stays if stay.minutes is not None]
    if not known:
        return None
    timed = sorted((stay.joined, stay.left) for stay in known if stay.joined and stay.left and stay.left > stay.joined)
    overlap = 0.0
    covered_until: datetime | None = None
    for joined, left in timed:
        if covered_until is not None and joined < covered_until:
            overlap += (min(left, covered_until) - joined).total_seconds()
        covered_until = left if covered_until is None else max(covered_until, left)
    total = sum(stay.minutes for stay in known) - whole_minutes(overlap)
    return max(total, max(stay.minutes for stay in known))


def combine_rows(first: ReportRow, other: ReportRow) -> ReportRow:
    """Two rows of the same person as one: their stays together (see total_minutes), the
    strongest status and role, the first name and line given."""
    stays = first.stays + other.stays
    return replace(
        first,
        name=first.name or other.name,
        email=first.email or other.email,
        minutes=total_minutes(stays),
        stays=stays,
        role_hint=stronger_role(first.role_hint, other.role_hint),
        status_hint=stronger_status(first.status_hint, other.status_hint),
        raw_line=min(first.raw_line, other.raw_line),
        first_name=first.first_name or other.first_name,
        last_name=first.last_name or other.last_name,
        rows_merged=first.rows_merged + other.rows_merged,
    )


def merge_rejoins(
    rows: Iterable[ReportRow], name_key: Callable[[str], str], *, emails_are_personal: bool = True
) -> list[ReportRow]:
    """One row per person, in order of first appearance. Rows with the same email (any case)
    are one person — when `emails_are_personal` is false (ticket reports and lists, where a
    buyer's email is on each ticket of a group booking) only if their names are the same too
    (by `name_key`, e.g. crm.matching.name_key). A row without an email joins the person with
    the same name if there is exactly one such person. Rows are combined with combine_rows."""
    merged: list[ReportRow] = []
    by_email: dict[tuple[str, str], int] = {}
    by_name: dict[str, list[int]] = {}
    pending: list[ReportRow] = []
    for row in rows:
        if not row.email:
            pending.append(row)
            continue
        key = (row.email.lower(), "" if emails_are_personal else name_key(row.name))
        if key in by_email:
            merged[by_email[key]] = combine_rows(merged[by_email[key]], row)
        else:
            by_email[key] = len(merged)
            by_name.setdefault(name_key(row.name), []).append(len(merged))
            merged.append(row)
    emailed_names = {key: positions for key, positions in by_name.items() if key}
    unnamed: dict[str, int] = {}
    for row in pending:
        key = name_key(row.name)
        positions = emailed_names.get(key, [])
        if key and len(positions) == 1:
            merged[positions[0]] = combine_rows(merged[positions[0]], row)
        elif key and key in unnamed:
            merged[unnamed[key]] = combine_rows(merged[unnamed[key]], row)
        else:
            if key:
                unnamed[key] = len(merged)
            merged.append(row)
    return sorted(merged, key=lambda r: r.raw_line)


def stronger_status(a: str, b: str) -> str:
    return a if _STATUS_ORDER.get(a, 0) >= _STATUS_ORDER.get(b, 0) else b


def stronger_role(a: str | None, b: str | None) -> str | None:
    return a if _ROLE_ORDER.get(a, 0) >= _ROLE_ORDER.get(b, 0) else b


# --- names that are not a person's --------------------------------------------------------

# What phones, tablets and computers call themselves when someone joins without typing a name:
# "iPhone", "Galaxy S21", "Jo's iPad", "Samsung SM-G991B" — a device word, then only model
# numbers and words, so "Pixel Smith" is still a person.
_DEVICE_WORDS = (
    "iphone|ipad|ipod|android|galaxy|samsung|pixel|huawei|oneplus|xiaomi|redmi|oppo|nokia|motorola|"
    "macbook|imac|chromebook|kindle|laptop|desktop|phone|mobile|tablet"
)
_MODEL_WORDS = "pro|max|plus|mini|ultra|lite|note|tab|air|se|fe|edge|fold|flip|phone|tablet|android"
_DEVICE_NAME = re.compile(
    rf"^(?:[^\W\d_][\w.'’-]*['’]s\s+)?(?:{_DEVICE_WORDS})(?:\d[\w.+-]*)?"
    rf"(?:\s+(?:{_DEVICE_WORDS}|{_MODEL_WORDS}|[\w.+-]*\d[\w.+-]*))*\s*$",
    re.I,
)


def is_device_name(name: str) -> bool:
    """Whether a report's name is only a device's ("iPhone", "Galaxy S21", "Jo's iPad")."""
    return bool(_DEVICE_NAME.match((name or "").strip()))
