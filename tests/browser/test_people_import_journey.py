"""A coordinator imports a messy spreadsheet of people in a real browser: upload, columns,
checking the rows, importing with the problem rows left out — on a desktop and on a phone."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from crm.models.enums import Role

MESSY = Path(__file__).parent.parent / "fixtures" / "people_import" / "excel_cp1252.csv"
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def _upload_and_check(page, assert_accessible, shots, name: str) -> None:
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="People", exact=True).click()
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    page.screenshot(path=str(shots / f"people-list-import-button-{name}.png"))
    page.get_by_role("link", name="Import people").click()
    expect(page.get_by_role("heading", level=1, name="Import people")).to_be_visible()
    assert_accessible(page, "the people import upload page")
    page.get_by_label("Spreadsheet of people").set_input_files(str(MESSY))
    page.get_by_role("button", name="Upload").click()

    expect(page.get_by_role("heading", level=1, name="Which column is which?")).to_be_visible()
    expect(page.get_by_label("Import “E-mail address” as")).to_have_value("email")
    expect(page.get_by_label("Import “Shoe size” as")).to_have_value("")
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    page.screenshot(path=str(shots / f"people-import-columns-{name}.png"), full_page=True)
    assert_accessible(page, "the people import columns page")
    page.get_by_role("button", name="Check the rows").click()

    expect(page.get_by_role("heading", level=1, name="Check the rows")).to_be_visible()
    expect(page.get_by_role("heading", name="Rows with problems (6)")).to_be_visible()
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    page.screenshot(path=str(shots / f"people-import-preview-{name}.png"), full_page=True)
    assert_accessible(page, "the people import preview")


def test_a_coordinator_imports_people_leaving_out_the_rows_with_problems(page, sign_in, assert_accessible, shots):
    sign_in(page, Role.COORDINATOR)
    _upload_and_check(page, assert_accessible, shots, "desktop")

    page.get_by_role("button", name="Import people").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("6 rows have problems, so nothing was imported")
    assert_accessible(page, "the people import preview with an error")

    page.get_by_label("Import the other rows and leave out the rows with problems").check()
    page.get_by_role("button", name="Import people").click()
    expect(page.get_by_role("heading", level=1, name="People imported")).to_be_visible()
    expect(page.get_by_text("Not imported because of problems: 6 rows")).to_be_visible()
    page.screenshot(path=str(shots / "people-import-done-desktop.png"), full_page=True)
    assert_accessible(page, "the people import result")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the rows not imported (CSV)").click()
    assert download.value.suggested_filename == "people-not-imported.csv"


def test_the_import_works_on_a_phone(phone_page, sign_in, assert_accessible, shots):
    sign_in(phone_page, Role.COORDINATOR)
    _upload_and_check(phone_page, assert_accessible, shots, "phone")


def test_people_found_by_name_only_are_shown_apart_to_check(
    page, sign_in, assert_accessible, shots, live_app, tmp_path
):
    from crm.extensions import db
    from crm.services.people import create_person

    with live_app.app_context():
        create_person({"first_name": "Ngozi", "last_name": "Okonkwo-Bell", "person_types": ["parent_carer"]}, None)
        db.session.commit()
    names = tmp_path / "names from a paper sign-in sheet.csv"
    names.write_text("First name,Last name,Postcode\nNgozi,Okonkwo-Bell,SS1 1AA\n", encoding="utf-8")

    sign_in(page, Role.COORDINATOR)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="People", exact=True).click()
    page.get_by_role("link", name="Import people").click()
    page.get_by_label("Spreadsheet of people").set_input_files(str(names))
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("button", name="Check the rows").click()

    section = page.get_by_role("heading", name="People to update, found by name only (1)")
    expect(section).to_be_visible()
    expect(page.get_by_text("Check each is the same person")).to_be_visible()
    expect(page.get_by_role("link", name="Ngozi Okonkwo-Bell")).to_be_visible()
    page.screenshot(path=str(shots / "people-import-by-name-only.png"), full_page=True)
    assert_accessible(page, "the people import preview with rows found by name only")
