"""A manager opens the participation dashboard, switches to the 2019/20 financial year, drills
into the new participants behind a headline number, and downloads the whole report as XLSX.
The same dashboard on a phone fits the screen."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from crm.extensions import db as _db
from crm.models.enums import Role

NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture(scope="module")
def year_of_sessions(live_app):
    """Sessions in 2019 and early 2020 (years no other journey uses), through the services.

    Financial year 2019/20: on 10 May 2019 Hana and Idris came (Hana had come on 28 March 2019,
    in 2018/19); on 1 February 2020 Idris and Jo came. So 2 sessions, 4 attendances, 3 people,
    of whom Idris and Jo are new."""
    from crm.services.people import create_person
    from crm.services.register import add_walk_in
    from crm.services.sessions import create_session

    def session(day: dt.date, level: str):
        return create_session(
            {
                "title": f"Dashboard journey {level.replace('_', ' ')} {day:%B %Y}",
                "date": day,
                "start_time": "10:00",
                "end_time": "12:00",
                "format": "in_person",
                "kind": "co_design_workshop",
                "involvement_level": level,
                "location": "Southend Library",
            },
            None,
        )

    with live_app.app_context():
        hana, idris, jo = (
            create_person({"first_name": first, "last_name": "Dashboardson", "person_types": ["parent_carer"]}, None)
            for first in ("Hana", "Idris", "Jo")
        )
        march, may, february = (
            session(dt.date(2019, 3, 28), "consulting"),
            session(dt.date(2019, 5, 10), "co_designing"),
            session(dt.date(2020, 2, 1), "co_producing"),
        )
        for held, people in ((march, [hana]), (may, [hana, idris]), (february, [idris, jo])):
            for person in people:
                add_walk_in(held, person.id, None)
        _db.session.commit()


def test_manager_switches_year_drills_down_and_downloads_the_report(
    page, sign_in, assert_accessible, shots, year_of_sessions
):
    sign_in(page, Role.MANAGER)

    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Participation in {dt.date.today().year}")
    assert_accessible(page, "the dashboard (this year)")

    page.get_by_label("Financial year (April to March)").check()
    page.get_by_label("Year", exact=True).select_option(label="2019/20")
    page.get_by_role("button", name="Show this year").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Participation in 2019/20")
    people = page.locator(".app-headline--unique-participants")
    expect(people.locator(".app-headline__value")).to_have_text("3")
    expect(page.locator(".app-headline--sessions-held .app-headline__value")).to_have_text("2")
    expect(page.locator(".app-headline--attendances .app-headline__value")).to_have_text("4")
    # Hana came in 2018/19 too: one of the one person there came back.
    expect(page.locator(".app-headline--retention")).to_contain_text("1 of the 1 people who took part in 2018/19")
    expect(page.locator("#by_month canvas")).to_have_count(1)  # the chart is drawn
    may = page.get_by_role("table", name="By month, 2019/20").get_by_role("row", name="May 2019")
    expect(may.get_by_role("cell").nth(1)).to_have_text("2")
    page.screenshot(path=str(shots / "dashboard-financial-year.png"), full_page=True)
    assert_accessible(page, "the dashboard (2019/20)")

    page.locator(".app-headline--new-participants").get_by_role("link", name="2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New participants")
    table = page.get_by_role("table")
    expect(table.get_by_role("link")).to_have_text(["Idris Dashboardson", "Jo Dashboardson"])
    assert_accessible(page, "the new participants of 2019/20")

    page.get_by_role("link", name="Back to the dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Participation in 2019/20")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the whole report (XLSX, one sheet per table)").click()
    download = download_info.value
    assert download.suggested_filename == "participation-financial-2019-20.xlsx"
    workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert "By month" in workbook.sheetnames and "Equality, gender" in workbook.sheetnames
    summary = {row[0]: row[1] for row in workbook["Headline figures"].iter_rows(min_row=3, values_only=True)}
    assert summary["People who took part"] == 3
    assert summary["New participants"] == 2


def test_the_dashboard_fits_a_phone(phone_page, sign_in, assert_accessible, shots, year_of_sessions):
    sign_in(phone_page, Role.MANAGER)

    phone_page.goto("/reports/?year=2019&basis=financial")

    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Participation in 2019/20")
    expect(phone_page.locator("#by_month canvas")).to_have_count(1)
    assert phone_page.evaluate(NO_HORIZONTAL_SCROLL), "the dashboard scrolls sideways on a phone"
    phone_page.screenshot(path=str(shots / "dashboard-phone.png"), full_page=True)
    assert_accessible(phone_page, "the dashboard on a phone")
