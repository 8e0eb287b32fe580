"""Every main page fits a 375 px phone screen and passes axe-core; forms work without JavaScript."""

from __future__ import annotations

import datetime as dt

import pytest

from crm.extensions import db as _db
from crm.models.enums import Role
from tests.browser.conftest import PHONE

PAGES = [
    "/home",
    "/people/",
    "/sessions/",
    "/sessions/?when=past",
    "/sessions/events/",
    "/sessions/new",
    "/organisations/",
    "/organisations/new",
    "/admin/",
    "/admin/accounts",
    "/admin/wards",
    "/admin/audit",
    "/account",
]


@pytest.fixture(scope="module")
def long_records(live_app):
    """Records with the longest names a programme is likely to type, to stretch the layouts."""
    from crm.services.organisations import create_organisation
    from crm.services.sessions import create_event, create_session

    with live_app.app_context():
        organisation = create_organisation(
            {"name": "Mid and South Essex NHS Foundation Trust Children's Community Services", "type": "nhs"},
            None,
        )
        event = create_event("Co-production Week 2020: Building Back Better Together", None, None)
        for days in (-30, 14):
            create_session(
                {
                    "title": "Talking with your baby: co-designing the Chatterbox sessions for parents of under-twos",
                    "event_id": event.id,
                    "date": dt.date.today() + dt.timedelta(days=days),
                    "start_time": "10:00",
                    "end_time": "12:00",
                    "format": "hybrid",
                    "kind": "co_design_workshop",
                    "involvement_level": "co_designing",
                    "location": "Shoeburyness and Thorpe Bay Community Centre, Campfield Road",
                    "organiser_organisation_id": organisation.id,
                },
                None,
            )
        _db.session.commit()
        return {"organisation_id": organisation.id, "event_id": event.id}


@pytest.mark.parametrize("path", PAGES)
def test_page_fits_a_phone_screen(phone_page, sign_in, long_records, path):
    sign_in(phone_page, Role.ADMIN)
    phone_page.goto(path)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} is {width}px wide on a {PHONE['width']}px screen"


def test_record_pages_pass_axe(page, sign_in, long_records, assert_accessible):
    sign_in(page, Role.ADMIN)
    for path in (
        *PAGES,
        f"/organisations/{long_records['organisation_id']}",
        f"/sessions/events/{long_records['event_id']}",
    ):
        page.goto(path)
        assert_accessible(page, path)


def test_a_coordinator_adds_a_session_without_javascript(browser, live_server, sign_in, long_records):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, Role.COORDINATOR)
        page.goto("/sessions/new")
        page.get_by_label("Title").fill("Healthy lunchboxes focus group")
        page.get_by_label("Day").fill("12")
        page.get_by_label("Month").fill("3")
        page.get_by_label("Year").fill(str(dt.date.today().year + 1))
        page.get_by_label("Start time").fill("10:00")
        page.get_by_label("End time").fill("11:30")
        page.get_by_label("In person").check()
        page.get_by_label("Kind of session").select_option(label="Focus group")
        page.get_by_label("Consulting").check()
        page.get_by_role("button", name="Add session").click()
        assert page.get_by_text("Healthy lunchboxes focus group has been added").is_visible()
        assert page.get_by_role("heading", name="Healthy lunchboxes focus group").is_visible()
    finally:
        context.close()
