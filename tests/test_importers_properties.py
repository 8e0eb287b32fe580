"""Property tests for the importers: whatever bytes arrive, the result is rows or an
ImportFormatError whose message a person can act on — never another exception.

Inputs range from arbitrary bytes to near-valid reports (a real header, rows of awkward text:
quotes, separators, line breaks, other scripts, odd dates and durations) in the encodings
spreadsheet programs save. Bounded: a few hundred examples each, no deadline (the machine is
shared). In CI (CI=true) the examples are the same on every run, so a failure is repeatable."""

from __future__ import annotations

import csv
import io
import os
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.importers import FORMATS, ImportFormatError, ReportRow, csv_generic, eventbrite, parse_report, teams, zoom
from crm.importers.people_columns import looks_like_header
from crm.importers.people_table import read_grids, table_from_grid

BOUNDED = settings(
    max_examples=200,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the working tree
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HEADERS = {
    "zoom": zoom.COLUMNS,
    "teams": teams.COLUMNS,
    "eventbrite": eventbrite.COLUMNS,
    "csv": csv_generic.COLUMNS,
}
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", "latin-1"]

awkward_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "Siân O'Brien",
            "Łucja Wiśniewska",
            "محمد علي",
            '=HYPERLINK("x")',
            '"quoted, with comma"',
            "line\nbreak",
            "jo@example.com",
            "not-an-email@",
            "03/14/2024 10:02:11 AM",
            "2024-13-45 25:61",
            "1h 5m 3s",
            "-5",
            "99999999999999999999",
            "45",
            "0",
            "Attending",
            "Checked In",
            "Organizer",
            "Yes",
            "£12.50",
            "\x00",
            "\ufeff",
        ]
    ),
)


@st.composite
def near_valid_reports(draw) -> bytes:
    """A report with one format's real header (some columns, any order) and rows of awkward
    cells, written as CSV or TSV and encoded as a spreadsheet program might."""
    columns = draw(st.sampled_from(sorted(HEADERS)))
    spellings = HEADERS[columns]
    fields = draw(st.lists(st.sampled_from(sorted(spellings)), min_size=1, max_size=len(spellings), unique=True))
    header = [draw(st.sampled_from(spellings[field])) for field in fields]
    header = [draw(st.sampled_from([h, h.title(), h.upper()])) for h in header]
    rows = draw(st.lists(st.lists(awkward_text, min_size=0, max_size=len(header) + 2), max_size=8))
    preamble = draw(st.lists(st.lists(awkward_text, max_size=3), max_size=3))
    if columns == "teams" and draw(st.booleans()):
        preamble = [["1. Summary"], ["Meeting title", "Co-design"], [], ["2. Participants"]]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=draw(st.sampled_from([",", "\t", ";"])), lineterminator="\r\n")
    for row in [*preamble, header, *rows]:
        writer.writerow(row)
    encoding = draw(st.sampled_from(ENCODINGS))
    return out.getvalue().encode(encoding, errors="replace")


any_bytes = st.binary(max_size=4000)
report_bytes = st.one_of(any_bytes, near_valid_reports())
formats = st.sampled_from(["auto", *FORMATS])
filenames = st.sampled_from([None, "report.csv", "attendance.tsv", "people.xlsx", "notes.docx", "x.xls"])


def check_report(data: bytes, fmt: str, filename: str | None) -> None:
    try:
        found, rows = parse_report(data, filename, fmt)
    except ImportFormatError as error:
        assert str(error).strip(), "an import error must say what is wrong"
        return
    assert found in FORMATS
    assert rows and all(isinstance(row, ReportRow) for row in rows)
    assert all(row.name or row.email for row in rows) or any(row.name or row.email for row in rows)
    for row in rows:
        assert row.minutes is None or row.minutes >= 0


@BOUNDED
@given(data=report_bytes, fmt=formats, filename=filenames)
def test_attendance_reports_give_rows_or_a_clear_error(data, fmt, filename):
    check_report(data, fmt, filename)


@BOUNDED
@given(data=near_valid_reports())
def test_near_valid_reports_in_their_own_format_give_rows_or_a_clear_error(data):
    for fmt in ["auto", *FORMATS]:
        check_report(data, fmt, "report.csv")


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


broken_workbooks = st.one_of(
    st.binary(max_size=2000).map(lambda tail: b"PK\x03\x04" + tail),
    st.dictionaries(
        st.sampled_from(["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml", "_rels/.rels"]),
        st.binary(max_size=300),
        max_size=4,
    ).map(zipped),
)


def check_people_file(data: bytes, filename: str | None) -> None:
    try:
        grids = read_grids(data, filename)
        assert grids, "a readable file has at least one sheet"
        for grid in grids.values():
            assert all(isinstance(cell, str) for row in grid for cell in row)
            table = table_from_grid(grid, looks_like_header)
            assert table.rows and all(any(row.cells) for row in table.rows)
    except ImportFormatError as error:
        assert str(error).strip()


@BOUNDED
@given(data=st.one_of(report_bytes, broken_workbooks), filename=filenames)
def test_people_spreadsheets_give_a_table_or_a_clear_error(data, filename):
    check_people_file(data, filename)


@pytest.mark.parametrize(
    "data",
    [b"", b"\xff\xfe", b"\x00" * 10, b"PK\x03\x04", b'Name,Email\r\n"unclosed,x\r\n', b"\xef\xbb\xbf"],
)
def test_known_awkward_files(data):
    for fmt in ["auto", *FORMATS]:
        check_report(data, fmt, None)
    check_people_file(data, "people.csv")
