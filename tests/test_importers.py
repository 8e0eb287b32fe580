"""The report parsers, over sample files with each system's quirks (tests/fixtures, written by
tests/fixtures/make_fixtures.py). Pure functions: no database."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

import pytest

from crm.importers import (
    EMAILS_ARE_PERSONAL,
    ImportFormatError,
    ReportRow,
    Stay,
    combine_rows,
    csv_generic,
    detect_format,
    eventbrite,
    is_device_name,
    merge_rejoins,
    parse_report,
    teams,
    total_minutes,
    zoom,
)
from crm.importers.common import decode, parse_duration, sniff_delimiter
from crm.matching import display_name_from_report, name_key

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def people(rows):
    """Merged rows by display name: (email, minutes, role, status, rows merged)."""
    return {
        display_name_from_report(r.name): (
            r.email and r.email.lower(),
            r.minutes,
            r.role_hint,
            r.status_hint,
            r.rows_merged,
        )
        for r in merge_rejoins(rows, name_key)
    }


def test_the_committed_fixtures_are_what_the_script_writes():
    from tests.fixtures.make_fixtures import FILES

    for name, data in FILES.items():
        assert fixture(name) == data, f"{name} differs: run python tests/fixtures/make_fixtures.py"


# --- Zoom ----------------------------------------------------------------------------------


def test_classic_zoom_report_skips_the_summary_and_merges_rejoins():
    rows = zoom.parse(fixture("zoom_classic.csv"))
    assert len(rows) == 10  # one row per stay
    assert [r.name for r in rows[:2]] == ["Amara Host", "Jo Sample"]
    assert rows[0].raw_line == 5  # after the summary block and the blank line
    assert people(rows) == {
        # The host is named by the summary block's User Email.
        "Amara Host": ("amara.host@example.org", 97, "organiser", "attended", 1),
        "Jo Sample": ("jo.sample@example.com", 41 + 47, None, "attended", 2),
        "Sam Example": (None, 87, None, "attended", 1),  # "iPhone (Sam Example)"
        "Priya Testwell": ("priya.testwell@example.com", 7 + 76, None, "attended", 2),  # email in any case
        "Chidi Okafor": ("chidi.okafor@example.org", 3, None, "attended", 1),
        "Lee Brightwater": (None, 90, None, "attended", 1),
        # A phone's row without an email joins the same name's emailed row.
        "Morgan Fieldfare": ("morgan.fieldfare@example.com", 30 + 39, None, "attended", 2),
    }


def test_new_zoom_export_with_bom_and_lower_case_headers():
    data = fixture("zoom_new.csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = zoom.parse(data)
    by_name = people(rows)
    assert by_name["Amara Host"] == ("amara.host@example.org", 65, None, "attended", 1)
    # The stay in the waiting room is not time at the session.
    assert by_name["Jo Sample"] == ("jo.sample@example.com", 58, None, "attended", 1)
    assert by_name["Riley Novak"] == ("riley.novak@example.org", 50, None, "attended", 2)
    assert by_name["Zoë Ashworth"] == (None, 60, None, "attended", 1)
    # No duration: worked out from the US-style join and leave times (45m 30s).
    assert by_name["Kai Moorland"] == ("kai.moorland@example.com", 46, None, "attended", 1)


def test_zoom_times_are_read_month_first():
    assert zoom.parse_time("03/14/2024 01:05:09 PM").isoformat() == "2024-03-14T13:05:09"
    assert zoom.parse_time("14/03/2024 13:05") is None


def test_zoom_report_without_a_duration_column_is_refused():
    data = b"Name (Original Name),User Email,Guest\nJo Sample,jo@example.com,Yes\n"
    with pytest.raises(ImportFormatError, match="Duration"):
        zoom.parse(data)


def test_zoom_bad_duration_names_the_line():
    data = b"Name (Original Name),User Email,Join Time,Duration (Minutes)\nJo,jo@example.com,x,a while\n"
    with pytest.raises(ImportFormatError, match="Line 2: the duration 'a while'"):
        zoom.parse(data)


# --- Teams ---------------------------------------------------------------------------------


def test_teams_utf16_le_report_reads_only_the_participants_section():
    data = fixture("teams_utf16le.csv")
    assert data.startswith(b"\xff\xfe")
    rows = teams.parse(data)
    assert len(rows) == 6  # not the in-meeting activities, which list Jo twice
    assert people(rows) == {
        "Amara Host": ("amara.host@example.org", 93, "organiser", "attended", 1),  # 1h 32m 38s
        "Jo Sample": ("jo.sample@example.com", 74, "presenter", "attended", 1),  # 1h 13m 42s
        "Sam Example": ("sam.example@example.org", 45, "attendee", "attended", 1),  # 45m 3s
        "Chidi Okafor": ("chidi.okafor@example.org", 1, "attendee", "attended", 1),  # 32s
        "Lee Brightwater": (None, 89, "attendee", "attended", 1),  # "(Guest)"
        "Riley Novak": ("riley.novak@example.org", 58, "attendee", "attended", 1),
    }
    jo = rows[1]
    assert (jo.name, jo.first_name, jo.last_name, jo.raw_line) == ("Sample, Jo", "Jo", "Sample", 12)


def test_teams_utf16_be_report_with_other_header_spellings():
    data = fixture("teams_utf16be.csv")
    assert data.startswith(b"\xfe\xff")
    rows = teams.parse(data)
    assert people(rows) == {
        "Amara Host": ("amara.host@example.org", 90, "organiser", "attended", 1),  # "Organiser"
        # A guest's #EXT# account id is not their email address.
        "Zoë Ashworth": (None, 62, "attendee", "attended", 1),
        "Morgan Fieldfare": ("morgan.fieldfare@example.com", 15, "presenter", "attended", 1),
        "Kim Harbour": ("kim.harbour@example.org", 120, "attendee", "attended", 1),
    }
    zoe = rows[1]
    assert (zoe.first_name, zoe.last_name) == ("Zoë", "Ashworth")


def test_old_teams_attendance_list_gets_a_clear_message():
    data = "Full Name\tUser Action\tTimestamp\nSample, Jo\tJoined\t14/03/2024, 10:00:00\n".encode("utf-16")
    with pytest.raises(ImportFormatError, match="old-style Teams attendance list"):
        teams.parse(data)


def test_teams_report_without_a_participants_section_is_refused():
    data = "1. Summary\nMeeting title\tWorkshop\n".encode("utf-16")
    with pytest.raises(ImportFormatError, match="2. Participants"):
        teams.parse(data)


# --- Eventbrite ----------------------------------------------------------------------------


def test_eventbrite_statuses_and_custom_questions():
    rows = eventbrite.parse(fixture("eventbrite.csv"))
    assert len(rows) == 7
    assert people(rows) == {
        "Jo Sample": ("jo.sample@example.com", None, "attendee", "attended", 1),  # Checked In
        "Sam Example": ("sam.example@example.org", None, "attendee", "registered", 1),  # Attending
        # Two tickets on one order: one checked in, so attended.
        "Priya Testwell": ("priya.testwell@example.com", None, "attendee", "attended", 2),
        "Chidi Okafor": ("chidi.okafor@example.org", None, "attendee", "declined", 1),  # Not Attending
        "Lee Brightwater": ("lee.brightwater@example.com", None, "attendee", "declined", 1),  # Deleted
        "Riley Novak": ("riley.novak@example.org", None, "attendee", "registered", 1),
    }
    # A multi-line answer to a custom question does not shift the rows or their line numbers.
    assert rows[-1].raw_line == 8
    assert (rows[0].first_name, rows[0].last_name) == ("Jo", "Sample")


def test_eventbrite_unknown_status_names_the_line_and_the_statuses():
    data = b"Order #,First Name,Last Name,Email,Attendee #,Attendee Status\n1,Jo,Sample,jo@example.com,2,Maybe\n"
    with pytest.raises(ImportFormatError, match=r"Line 2: the Attendee Status 'Maybe'.*Checked In, Attending"):
        eventbrite.parse(data)


# --- Generic CSV ---------------------------------------------------------------------------


def test_generic_csv_in_windows_1252_with_semicolons():
    data = fixture("generic_cp1252.csv")
    assert "Zoë".encode("cp1252") in data
    rows = csv_generic.parse(data)
    assert [(r.name, r.email, r.minutes) for r in rows] == [
        ("Zoë Ashworth", "zoe.ashworth@example.com", 55),
        ("Seán O'Connell", None, 40),
        ("Renée Fairbanks", "renee.fairbanks@example.org", 65),
        ("Kim Harbour", "kim.harbour@example.org", None),
    ]
    assert {r.status_hint for r in rows} == {"attended"}
    assert (rows[0].first_name, rows[0].last_name) == ("Zoë", "Ashworth")


def test_generic_csv_with_only_emails_tab_separated():
    rows = csv_generic.parse(b"Email address\tMins\njo@example.com\t30\nsam@example.org\t\n")
    assert [(r.name, r.email, r.minutes) for r in rows] == [("", "jo@example.com", 30), ("", "sam@example.org", None)]


def test_generic_csv_bad_minutes_names_the_line():
    with pytest.raises(ImportFormatError, match="Line 3: 'lots' is not a number of minutes"):
        csv_generic.parse(b"Name,Minutes\nJo Sample,30\nSam Example,lots\n")


# --- Detection, decoding, durations -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("zoom_classic.csv", "zoom"),
        ("zoom_new.csv", "zoom"),
        ("teams_utf16le.csv", "teams"),
        ("teams_utf16be.csv", "teams"),
        ("eventbrite.csv", "eventbrite"),
        ("generic_cp1252.csv", "csv"),
    ],
)
def test_formats_are_recognised_from_the_content(name, expected):
    # The file name is no help: people rename downloads.
    assert detect_format(fixture(name), "download.csv") == expected
    fmt, rows = parse_report(fixture(name), "download.csv")
    assert fmt == expected
    assert rows


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "report.csv", "The file is empty"),
        (b"PK\x03\x04\x14\x00\x06\x00", "report.xlsx", "spreadsheet file, not a CSV file"),
        (b"PK\x03\x04\x14\x00\x06\x00", "report.csv", "Excel workbook"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "report.pdf", "document"),
        (b"Colour,Shape\nred,square\n", "report.csv", "not a report we recognise"),
        (bytes(range(256)) * 4, "report.csv", "not a text file"),
    ],
)
def test_unrecognised_files_say_what_was_expected(data, filename, message):
    with pytest.raises(ImportFormatError, match=message) as error:
        parse_report(data, filename)
    assert "Expected" in str(error.value) or "CSV" in str(error.value)


def test_unrecognised_file_message_names_every_format():
    with pytest.raises(ImportFormatError) as error:
        detect_format(b"Colour,Shape\nred,square\n", "x.csv")
    for expected in (
        "Zoom participant report",
        "Teams attendance report",
        "Eventbrite attendee report",
        "Name or Email",
    ):
        assert expected in str(error.value)


def test_choosing_the_wrong_format_says_which_it_looks_like():
    with pytest.raises(ImportFormatError, match="looks like a Teams attendance report, not a Zoom participant report"):
        parse_report(fixture("teams_utf16le.csv"), "report.csv", "zoom")


def test_a_header_without_rows_is_refused():
    with pytest.raises(ImportFormatError, match="no participants"):
        parse_report(b"Name,Email\n", "list.csv", "csv")


@pytest.mark.parametrize(
    ("encoded", "text"),
    [
        ("Name\nZoë\n".encode(), "Name\nZoë\n"),
        ("Name\nZoë\n".encode("utf-8-sig"), "Name\nZoë\n"),
        ("Name\nZoë\n".encode("utf-16"), "Name\nZoë\n"),
        (b"\xfe\xff" + "Name\nZoë\n".encode("utf-16-be"), "Name\nZoë\n"),
        ("Name\nZoë Ashworth £5\n".encode("cp1252"), "Name\nZoë Ashworth £5\n"),
        ("Name,Email\nJosé Núñez,a@example.com\nFrançois Œuvre,b@example.com\n".encode("cp1252"), None),
    ],
)
def test_decoding(encoded, text):
    decoded = decode(encoded)
    if text is None:
        assert "José Núñez" in decoded
        assert "François Œuvre" in decoded
    else:
        assert decoded == text


def test_delimiter_sniffing_is_not_fooled_by_commas_in_names():
    text = "Name\tEmail\tRole\nSample, Jo\tjo@example.com\tAttendee\nExample, Sam\tsam@example.org\tAttendee\n"
    assert sniff_delimiter(text) == "\t"
    assert sniff_delimiter("Name;Email\nSample, Jo;jo@example.com\nSam Example;sam@example.org\n") == ";"
    assert sniff_delimiter("Name,Email\nJo Sample,jo@example.com\n") == ","


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("1h 13m 42s", 74),
        ("45m 3s", 45),
        ("32s", 1),
        ("29s", 0),
        ("2h", 120),
        ("1 hr 5 mins", 65),
        ("01:13:42", 74),
        ("1:05", 65),
        ("74", 74),
        ("74.5", 75),
        ("", None),
    ],
)
def test_durations(text, minutes):
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["a while", "5 parsecs", "1h and then some", "-3"])
def test_unreadable_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


# --- Any input: a result or a clear error, never a crash ----------------------------------


def _mutations(data: bytes, rng: random.Random):
    yield data[: len(data) // 2]
    yield data[: rng.randrange(1, len(data))]
    yield data[rng.randrange(len(data)) :]
    flipped = bytearray(data)
    for _ in range(10):
        flipped[rng.randrange(len(flipped))] = rng.randrange(256)
    yield bytes(flipped)
    yield data.replace(b",", b'"', 3)
    yield data.replace(b"\n", b"\n\n\t;,", 5)
    yield bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
    yield rng.choice([b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b""]) + bytes(
        rng.randrange(256) for _ in range(rng.randrange(0, 200))
    )


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.csv")))
def test_malformed_input_gives_only_import_format_errors(name):
    rng = random.Random(name)
    original = fixture(name)
    for _ in range(15):
        for data in _mutations(original, rng):
            for fmt in ("auto", "zoom", "teams", "eventbrite", "csv"):
                try:
                    found, rows = parse_report(data, name, fmt)
                except ImportFormatError as error:
                    assert str(error)
                    continue
                assert found in ("zoom", "teams", "eventbrite", "csv")
                for row in rows:
                    assert isinstance(row.name, str)
                    assert row.minutes is None or row.minutes >= 0
                    assert row.status_hint in ("attended", "registered", "declined")


def test_generic_csv_status_column():
    rows = csv_generic.parse(b"Name,Status\nJo Sample,Attended\nSam Example,Booked\nPriya Testwell,Declined\nLee B,\n")
    assert [r.status_hint for r in rows] == ["attended", "registered", "declined", "attended"]
    with pytest.raises(ImportFormatError, match="Line 2: the status 'Maybe'"):
        csv_generic.parse(b"Name,Status\nJo Sample,Maybe\n")


def test_eventbrite_report_without_order_numbers_is_still_eventbrite():
    data = b"First Name,Last Name,Email,Attendee Status\nJo,Sample,jo@example.com,Not Attending\n"
    assert detect_format(data, "attendees.csv") == "eventbrite"
    assert [r.status_hint for r in eventbrite.parse(data)] == ["declined"]


# --- One row per person: time counted once, group bookings, renamed participants -----------


def at(clock: str) -> datetime:
    return datetime.fromisoformat(f"2024-03-14T{clock}")


@pytest.mark.parametrize(
    ("stays", "minutes"),
    [
        # Two devices for the whole hour: an hour.
        ([(60, "10:00", "11:00"), (60, "10:00", "11:00")], 60),
        # Overlapping by ten minutes.
        ([(40, "10:00", "10:40"), (20, "10:30", "10:50")], 50),
        # A phone the whole time inside a laptop's stay.
        ([(60, "10:00", "11:00"), (10, "10:20", "10:30")], 60),
        # Left and rejoined: summed as reported.
        ([(41, "10:00", "10:41"), (47, "10:44", "11:31")], 88),
        # Three stays chained.
        ([(30, "10:00", "10:30"), (30, "10:15", "10:45"), (30, "10:40", "11:10")], 70),
        # Durations only: summed (the session's length caps them later).
        ([(45, None, None), (30, None, None)], 75),
        ([(None, None, None)], None),
    ],
)
def test_total_minutes_counts_time_at_once_only_once(stays, minutes):
    made = [Stay(m, joined and at(joined), left and at(left)) for m, joined, left in stays]
    assert total_minutes(made) == minutes


def test_combining_rows_is_the_same_wherever_it_happens():
    laptop = ReportRow(
        "Jo Sample", "jo@example.com", 60, None, "attended", 2, stays=(Stay(60, at("10:00"), at("11:00")),)
    )
    phone = ReportRow(
        "Jo Sample", "jo@example.com", 60, "presenter", "attended", 3, stays=(Stay(60, at("10:00"), at("11:00")),)
    )
    combined = combine_rows(laptop, phone)
    assert (combined.minutes, combined.role_hint, combined.rows_merged, combined.raw_line) == (60, "presenter", 2, 2)
    [merged] = merge_rejoins([laptop, phone], name_key)
    assert merged == combined


def test_zoom_rows_at_the_same_time_from_two_devices_are_not_doubled():
    data = (
        b"Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n"
        b"Jo Sample,jo@example.com,03/14/2024 10:00:00 AM,03/14/2024 11:00:00 AM,60\n"
        b"Jo Sample,jo@example.com,03/14/2024 10:00:30 AM,03/14/2024 11:00:00 AM,60\n"
    )
    assert people(zoom.parse(data)) == {"Jo Sample": ("jo@example.com", 60, None, "attended", 2)}


def test_teams_rows_of_one_person_at_the_same_time_are_not_doubled():
    data = (
        "2. Participants\n"
        "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tRole\n"
        "Sample, Jo\t3/14/24, 10:00:00 AM\t3/14/24, 11:00:00 AM\t1h\tjo@example.com\tAttendee\n"
        "Sample, Jo\t3/14/24, 10:10:00 AM\t3/14/24, 10:50:00 AM\t40m\tjo@example.com\tAttendee\n"
        "Example, Sam\t3/14/24, 10:00:00 AM\t3/14/24, 10:30:00 AM\t30m\tsam@example.org\tAttendee\n"
    ).encode("utf-16")
    rows = teams.parse(data)
    assert rows[0].stays[0].joined == datetime(2024, 3, 14, 10, 0)
    assert people(rows)["Jo Sample"] == ("jo@example.com", 60, "attendee", "attended", 2)


def test_eventbrite_tickets_sharing_the_buyers_email_stay_one_row_each():
    data = (
        b"Order #,First Name,Last Name,Email,Attendee #,Attendee Status\n"
        b"1,Jo,Sample,jo@example.com,2,Checked In\n"
        b"1,Sam,Sample,jo@example.com,3,Attending\n"
        b"1,Jo,Sample,jo@example.com,4,Attending\n"
    )
    rows = merge_rejoins(eventbrite.parse(data), name_key, emails_are_personal=EMAILS_ARE_PERSONAL["eventbrite"])
    assert [(r.name, r.email, r.status_hint, r.rows_merged) for r in rows] == [
        ("Jo Sample", "jo@example.com", "attended", 2),
        ("Sam Sample", "jo@example.com", "registered", 1),
    ]


@pytest.mark.parametrize(
    ("cell", "name"),
    [
        ("Jo (Joanne Sample)", "Joanne Sample"),  # renamed in the meeting: the fuller original
        ("iPhone (Sam Example)", "Sam Example"),
        ("Jo Sample (Jo S)", "Jo Sample (Jo S)"),  # the name shown is the fuller
        ("Priya Testwell (she/her)", "Priya Testwell (she/her)"),
        ("Lee Brightwater (Guest)", "Lee Brightwater (Guest)"),
        ("Jo (Host)", "Jo (Host)"),
        ("Jo Sample", "Jo Sample"),
    ],
)
def test_zoom_prefers_the_original_name_in_brackets(cell, name):
    data = (
        f'Name (Original Name),User Email,Join Time,Duration (Minutes)\n"{cell}",,03/14/2024 10:00:00 AM,30\n'
    ).encode()
    [row] = zoom.parse(data)
    assert row.name == name


def test_only_the_name_original_name_column_holds_an_original_name():
    [row] = zoom.parse(
        b"Participant,Email,Join Time,Duration (Minutes)\nJo (Joanne Sample),,03/14/2024 10:00:00 AM,30\n"
    )
    assert row.name == "Jo (Joanne Sample)"


@pytest.mark.parametrize(
    ("name", "device"),
    [
        ("iPhone", True),
        ("Galaxy S21", True),
        ("Jo's iPad", True),
        ("Samsung SM-G991B", True),
        ("iPhone 13 Pro", True),
        ("Jo Sample", False),
        ("Pixel Smith", False),
        ("Phoebe Jones", False),
    ],
)
def test_device_names(name, device):
    assert is_device_name(name) is device
