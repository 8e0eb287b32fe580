"""Importing people from spreadsheets: reading messy files (tests/fixtures/people_import, made by
make_people_fixtures.py), recognising columns, checking rows, matching people already in the
CRM, applying, and `flask crm import-people`."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm.importers import people_rows
from crm.importers.common import ImportFormatError
from crm.importers.people_columns import guess_mapping
from crm.importers.people_table import read_grids
from crm.models import AuditEvent, Consent, Person, Ward
from crm.models.enums import AuditAction, PersonType, TagCategory
from crm.services.people_import import likely_sheet, preview_people_import, table_and_mapping
from crm.services.people_import_apply import apply_people_import, rejected_rows, rejected_rows_csv
from crm.validation import InvalidValue, normalise_email, normalise_phone
from tests.conftest import count_queries
from tests.factories import ConsentFactory, OrganisationFactory, PersonFactory, TagFactory

FIXTURES = Path(__file__).parent / "fixtures" / "people_import"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def preview_of(data: bytes, filename: str = "people.csv", mapping=None):
    grids = read_grids(data, filename)
    table, guessed = table_and_mapping(grids[likely_sheet(grids)], mapping)
    return preview_people_import(table, guessed, filename)


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def people_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Person))


def problems(preview) -> dict[int, list[str]]:
    return {row.number: [f"{p.column}: {p.message}" for p in row.problems] for row in preview.invalid}


# --- reading files ---------------------------------------------------------------------------


def test_an_excel_csv_in_windows_1252_keeps_pound_signs_accents_and_the_spreadsheets_row_numbers():
    grids = read_grids(fixture("excel_cp1252.csv"), "contacts.csv")
    table, mapping = table_and_mapping(grids[""])

    # A title and a blank row come first; the header is row 3, as Excel shows it.
    assert table.header_row == 3
    assert table.header[:3] == ("First Name", "Surname", "E-mail address")
    # Blank lines (and a row of empty cells) are skipped without shifting the numbers; a cell
    # with a line break inside quotes does not add a row.
    assert [row.number for row in table.rows] == [4, 6, 7, 9, 10, 11, 12, 13, 14]
    zoe, renee = table.rows[0], table.rows[1]
    assert zoe.cells[:2] == ("Zoë", "Ashworth")  # trailing spaces gone
    assert zoe.cells[7] == "Paid £5 for the creche, happy to help"  # the quoted comma stays in the cell
    assert renee.cells[0] == "Renée"
    assert renee.cells[7] == "Line one\r\nline two"
    assert mapping == [
        "first_name", "last_name", "email", "phone", "postcode", "ward", "person_types", "notes", "",
    ]  # fmt: skip


def test_utf8_with_a_bom_and_semicolons_and_excels_utf16_unicode_text_are_read():
    bom = read_grids(fixture("utf8_bom_semicolons.csv"), "list.csv")[""]
    assert bom[0][0] == "first name"  # no BOM left on the first header
    assert bom[1][:2] == ["Ana", "Łukasiewicz"]
    utf16 = read_grids(fixture("excel_unicode_text.txt"), "list.txt")[""]
    assert utf16[1][:2] == ["Siobhán", "Ní Bhriain"]
    assert guess_mapping(utf16[0]) == ["first_name", "last_name", "email", "phone", "postcode"]


def test_headers_are_recognised_whatever_their_case_spacing_and_punctuation():
    header = [
        "FORENAME", "last  name", "E-Mail Address:", "Mobile No.", "post_code", "Person Type", "Organisation",
        "Job title", "Consent to contact?", "Interests", "Favourite colour", "Email",
    ]  # fmt: skip
    assert guess_mapping(header) == [
        "first_name", "last_name", "email", "phone", "postcode", "person_types", "organisation",
        "job_title", "consent_to_contact", "interests", "", "",  # a second email column is not used
    ]  # fmt: skip


def test_a_workbook_offers_the_sheet_with_people_and_keeps_what_was_typed():
    grids = read_grids(fixture("people.xlsx"), "people.xlsx")

    assert list(grids) == ["Read me", "People"]
    assert likely_sheet(grids) == "People"
    amara = grids["People"][1]
    # A number that lost its leading zero, a tick box, and a formula nobody calculated (as text).
    assert amara[:6] == ["Amara Host", "amara.host@example.org", "7911123474", "SS1 2AB", "Yes", "=1+2"]


def test_files_that_are_not_spreadsheets_of_people_are_explained():
    for data, filename, expected in [
        (b"", "empty.csv", "The file is empty"),
        (b"\xd0\xcf\x11\xe0rest", "old.xls", "save it as an Excel workbook (.xlsx) or as CSV"),
        (b"PK\x03\x04not really a zip", "broken.xlsx", "cannot be read as an Excel workbook"),
        (csv_bytes("First name,Email"), "header.csv", "no people under it"),
    ]:
        with pytest.raises(ImportFormatError, match=expected.replace("(", r"\(").replace(")", r"\)")):
            grids = read_grids(data, filename)
            table_and_mapping(next(iter(grids.values())))


def test_size_and_row_limits_say_what_to_do(monkeypatch):
    monkeypatch.setattr("crm.importers.people_table.MAX_ROWS", 3)
    with pytest.raises(ImportFormatError, match="more than 20,000 people. Split it"):
        read_grids(csv_bytes("First name", "A", "B", "C", "D"), "many.csv")
    monkeypatch.setattr("crm.importers.people_table.MAX_FILE_BYTES", 10)
    with pytest.raises(ImportFormatError, match="larger than 0 MB"):
        read_grids(csv_bytes("First name", "Alexandra"), "big.csv")


# --- checking rows ---------------------------------------------------------------------------


def test_every_problem_in_a_messy_file_is_named_by_row_and_column(db):
    preview = preview_of(fixture("excel_cp1252.csv"))

    assert problems(preview) == {
        9: ["E-mail address: Has the same email address as row 6: each person once in the file"],
        10: [
            "E-mail address: 'jo.sample@example' is not valid. "
            "Enter an email address in the correct format, like name@example.com"
        ],
        # Ofcom's drama numbers are not real numbers, but the two spellings are still one number.
        11: ["Mobile: '07700 900123' is not valid. Enter a real phone number, like 01702 123456, "
             "07911 123456 or +44 7911 123456"],
        12: [
            "Mobile: '+44 7700 900123' is not valid. Enter a real phone number, like 01702 123456, "
            "07911 123456 or +44 7911 123456",
            "Ward: There is no ward called 'Atlantis' in the CRM",
            "Mobile: Has the same phone number as row 11: each person once in the file",
        ],
        13: ["First Name: Enter a first name"],
        # "+44 (0)7911 123456" is row 4's "07911 123456".
        14: ["Mobile: Has the same phone number as row 4: each person once in the file"],
    }  # fmt: skip
    assert [(row.number, row.name) for row in preview.new] == [
        (4, "Zoë Ashworth"),
        (6, "Renée Dupont"),
        (7, "Chidi Okafor"),
    ]
    zoe = preview.new[0].values
    assert (zoe["email"], zoe["phone"], zoe["postcode"]) == ("zoe.ashworth@example.com", "+447911123456", "SS1 2AB")
    assert preview.new[1].values["email"] == "renee.dupont@example.org"
    assert preview.new[1].checked.types == {PersonType.VOLUNTEER, PersonType.PARENT_CHAMPION}
    assert preview.ignored_columns == ["Shoe size"]


def test_wards_types_tags_and_organisations_must_be_ones_the_crm_has(db):
    TagFactory(category=TagCategory.INTEREST, name="Cooking")
    TagFactory(category=TagCategory.LANGUAGE, name="Polish")
    TagFactory(category=TagCategory.SKILL, name="Polish")
    OrganisationFactory(name="Southend YMCA")
    preview = preview_of(
        csv_bytes(
            "First name,Ward,Type,Tags,Interests,Organisation,Job title,Consent",
            "Ana,kursaal,parent,Cooking,cooking,southend ymca,Youth worker,yes",
            "Ben,Nowhere,wizard,Polish,Knitting,Acme Ltd,,maybe",
            "Cat,,,language:Polish,,,,",
        )
    )

    assert problems(preview) == {
        3: [
            "Ward: There is no ward called 'Nowhere' in the CRM",
            "Type: Unknown person type 'wizard': use parent champion, parent or carer, volunteer, "
            "professional (partner staff), young person, community member",
            "Tags: 'Polish' is a tag in more than one category: write language:Polish or skill:Polish",
            "Interests: There is no interest tag called 'Knitting' in the CRM",
            "Organisation: There is no organisation called 'Acme Ltd' in the CRM: add it first",
            "Consent: 'maybe': Enter Yes or No",
        ]
    }
    ana, cat = preview.new
    assert ana.values["ward_id"] == db.session.scalar(select(Ward.id).where(Ward.name == "Kursaal"))
    assert ana.checked.types == {PersonType.PARENT_CARER}
    assert len(ana.checked.tag_ids) == 1 and ana.affiliation[1] == "Youth worker" and ana.add_consent
    assert len(cat.checked.tag_ids) == 1


# --- matching and applying -------------------------------------------------------------------


def test_mixed_case_emails_and_both_spellings_of_a_phone_find_the_person_already_in_the_crm(db):
    by_email = PersonFactory(first_name="Renée", last_name="Dupont", email="renee.dupont@example.org")
    by_phone = PersonFactory(first_name="Zoe", last_name="Ashworth", email=None, phone="+447911123456")
    preview = preview_of(fixture("excel_cp1252.csv"))

    assert {(row.number, row.person_id, row.match_reason) for row in preview.updates} == {
        (4, by_phone.id, "same phone number"),
        (6, by_email.id, "same email address"),
    }


def test_matched_people_only_gain_what_they_lack_and_a_second_import_changes_nothing(db):
    person = PersonFactory(
        first_name="Zoë", last_name="Ashworth", email="zoe.ashworth@example.com", postcode="SS9 9ZZ",
        types=[PersonType.VOLUNTEER],
    )  # fmt: skip
    preview = preview_of(fixture("excel_cp1252.csv"))
    zoe = next(row for row in preview.updates if row.number == 4)

    # The phone, ward and notes are filled in; the postcode held is kept, and the preview says so.
    assert zoe.changes == ["Phone", "Ward", "Notes", "Person types"]
    assert zoe.kept == ["Postcode"]

    apply_people_import(preview, None, skip_invalid=True)
    db.session.commit()
    db.session.refresh(person)
    assert (person.phone, person.postcode, person.ward.name) == ("+447911123456", "SS9 9ZZ", "Kursaal")
    assert person.types == [PersonType.PARENT_CARER, PersonType.VOLUNTEER]
    assert people_count(db) == 3

    again = preview_of(fixture("excel_cp1252.csv"))
    assert (len(again.new), len(again.updates), len(again.unchanged)) == (0, 0, 3)
    result = apply_people_import(again, None, skip_invalid=True)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert people_count(db) == 3


def test_blank_cells_never_blank_what_the_crm_holds(db):
    person = PersonFactory(first_name="Ana", last_name="Silva", email="ana@example.com", phone="+447911123456")
    ConsentFactory(person=person)
    preview = preview_of(csv_bytes("First name,Last name,Email,Phone,Consent", "Ana,,ANA@example.com,,no"))

    assert preview.unchanged[0].kept == ["Consent to contact"]
    apply_people_import(preview, None)
    db.session.refresh(person)
    assert (person.last_name, person.phone) == ("Silva", "+447911123456")
    current = db.session.scalar(
        select(func.count()).where(Consent.person_id == person.id, Consent.withdrawn_at.is_(None))
    )
    assert current == 1


def test_people_without_contact_details_are_matched_by_name_and_postcode_and_similar_names_are_flagged(db):
    same = PersonFactory(first_name="Jo", last_name="Sample", email=None, postcode="SS1 2AB")
    PersonFactory(first_name="Chelsea", last_name="Flynn", email=None, postcode="SS2 6LH")
    preview = preview_of(csv_bytes("Name,Postcode,Email", "Jo Sample,ss1 2ab,", "Chelsy Flinn,SS2 6LH,cf@example.com"))

    assert [(r.person_id, r.match_reason) for r in preview.unchanged] == [(same.id, "same name and postcode")]
    assert preview.new[0].warnings == ["Chelsea Flynn has a similar name and the same postcode"]


def test_the_same_person_twice_in_a_file_is_refused_the_second_time(db):
    person = PersonFactory(email="a@example.com", phone="+447911123456")
    preview = preview_of(csv_bytes("First name,Email,Phone", "Al,a@example.com,", "Al,,07911 123456"))

    assert problems(preview) == {3: [f"Row: Is the same person as row 2 ({person.full_name}): each person once"]}


def test_applying_writes_everything_or_nothing(db):
    preview = preview_of(fixture("excel_cp1252.csv"))
    with pytest.raises(Exception, match="6 rows have problems, so nothing was imported"):
        apply_people_import(preview, None)
    assert people_count(db) == 0


def test_a_formula_in_notes_is_stored_as_text_and_the_rejected_rows_file_is_formula_safe(db):
    preview = preview_of(fixture("excel_cp1252.csv"))
    apply_people_import(preview, None, skip_invalid=True)

    chidi = db.session.scalar(select(Person).where(Person.email == "chidi.okafor@example.org"))
    assert chidi.notes == '=HYPERLINK("http://example.org/x","Click me")'
    content = rejected_rows_csv(preview.table.header, rejected_rows(preview)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][:3] == ["Row", "Why it was not imported", "First Name"]
    jo = next(row for row in rows if row[0] == "10")
    assert jo[1].startswith("E-mail address: 'jo.sample@example' is not valid")
    assert jo[2:4] == ["Jo", "Sample"] and jo[9] == "'=SUM(A1:A9)"
    assert [row[0] for row in rows[1:]] == ["9", "10", "11", "12", "13", "14"]


def test_each_person_and_the_import_are_audited_with_field_names_and_counts_only(db):
    TagFactory(category=TagCategory.INTEREST, name="Cooking")
    existing = PersonFactory(email="ana.l@example.com", phone=None)
    preview = preview_of(fixture("utf8_bom_semicolons.csv"))
    apply_people_import(preview, None)

    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    person_events = [(e.action, e.changed_fields) for e in events if e.entity_type == "people"]
    assert person_events == [
        (AuditAction.CREATE, ["email", "first_name", "last_name", "phone", "postcode"]),
        (AuditAction.UPDATE, ["consents", "phone", "postcode", "tags"]),
    ]
    assert [e.entity_type for e in events].count("consents") == 1
    summary = events[-1]
    assert (summary.action, summary.entity_type) == (AuditAction.IMPORT, "people_import")
    assert summary.detail == "people import: 1 new, 1 updated, 0 unchanged, 0 rows skipped"
    for event in events:
        text = f"{event.detail} {event.changed_fields}"
        for value in ("Ødegaard", "bjorn@example.com", "7911", "SS1", existing.email):
            assert value not in text


def test_matching_a_file_takes_the_same_number_of_queries_for_5_rows_as_for_50(db):
    def file_of(n: int) -> bytes:
        lines = ["First name,Last name,Email,Phone,Postcode"]
        lines += [f"P{i},Person,p{i}@example.com,07911 1{i:05d},SS1 2AB" for i in range(n)]
        return csv_bytes(*lines)

    for i in range(50):
        PersonFactory(email=f"p{i}@example.com")
    small = count_queries(db, lambda: preview_of(file_of(5)))
    large = count_queries(db, lambda: preview_of(file_of(50)))
    assert small == large


# --- the command -----------------------------------------------------------------------------


def test_the_command_refuses_a_file_with_problems_and_writes_nothing(runner, db, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(fixture("excel_cp1252.csv"))
    result = runner.invoke(args=["crm", "import-people", str(path)])

    assert result.exit_code == 1
    assert "Row 10, column 'E-mail address': 'jo.sample@example' is not valid." in result.output
    assert "Row 13, column 'First Name': Enter a first name" in result.output
    assert "9 rows: 3 new, 0 to update, 0 unchanged, 6 invalid." in result.output
    assert "nothing was imported" in result.output
    assert people_count(db) == 0


def test_the_command_can_skip_invalid_rows_and_a_dry_run_writes_nothing(runner, db, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(fixture("excel_cp1252.csv"))

    dry = runner.invoke(args=["crm", "import-people", str(path), "--dry-run", "--skip-invalid"])
    assert dry.exit_code == 0 and "Dry run: nothing was written." in dry.output
    assert people_count(db) == 0

    real = runner.invoke(args=["crm", "import-people", str(path), "--skip-invalid"])
    assert real.exit_code == 0, real.output
    assert "Imported: 3 new, 0 updated, 0 unchanged, 6 invalid rows skipped." in real.output
    assert people_count(db) == 3

    again = runner.invoke(args=["crm", "import-people", str(path), "--skip-invalid"])
    assert "Imported: 0 new, 0 updated, 3 unchanged, 6 invalid rows skipped." in again.output
    assert people_count(db) == 3


def test_the_command_reads_a_workbook_and_explains_unreadable_files(runner, db, tmp_path):
    ok = runner.invoke(args=["crm", "import-people", str(FIXTURES / "people.xlsx")])
    assert ok.exit_code == 0, ok.output
    assert "Imported: 3 new" in ok.output
    chidi = db.session.scalar(select(Person).where(Person.email == "chidi@example.org"))
    assert (chidi.first_name, chidi.last_name) == ("Chidi", "Okafor")
    consenting = db.session.scalar(select(func.count()).select_from(Consent))
    assert consenting == 2  # Amara (a ticked box) and Chidi ("yes"), not Riley

    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x00\x01\x02\x03" * 100)
    bad = runner.invoke(args=["crm", "import-people", str(path)])
    assert bad.exit_code == 1
    assert "Expected a CSV file or an Excel workbook" in bad.output
    missing = runner.invoke(args=["crm", "import-people", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 1 and "cannot read" in missing.output


EMAILS = [
    "a@example.com", "A.B@Example.COM", "a..b@example.com", ".a@example.com", "a@example", "a@localhost",
    "a@x.test", "a@-x.com", "a@x..com", "a b@example.com", '"a b"@example.com', "josé@example.com",
    "a@münchen.de", "a+tag@sub.example.co.uk", "x" * 65 + "@example.com", "a@b.c", " a@b.com ", "",
    "a@@b.com", "@b.com", "a@b_c.com", "a@[1.2.3.4]", "o'neil@example.ie", "a@example.onion",
]  # fmt: skip
PHONES = ["07911 123456", "+44 7911 123456", "01702 215000", "+33 1 42 68 53 00", "+44 1534 123456", "07700 900123",
          "123", "", "+44 (0)7911 123456", "0800 123 4567", "not a number"]  # fmt: skip


def _outcome(normalise, value):
    try:
        return normalise(value)
    except InvalidValue as error:
        return f"invalid: {error}"


@pytest.mark.parametrize("value", EMAILS)
def test_the_quick_email_check_gives_what_normalise_email_gives(value):
    assert _outcome(people_rows._email, value) == _outcome(normalise_email, value)


@pytest.mark.parametrize("value", PHONES)
def test_the_quick_phone_check_gives_what_normalise_phone_gives(value):
    assert _outcome(people_rows._phone, value) == _outcome(normalise_phone, value)
