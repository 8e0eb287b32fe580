"""An administrator records equality monitoring, makes a subject access export, anonymises a
person and reviews retention, in a real browser, with axe on each page."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from crm.extensions import db as _db
from crm.models.enums import Role

NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def person(live_app):
    from crm.services.people import create_person

    with live_app.app_context():
        made = create_person(
            {
                "first_name": "Rosalind",
                "last_name": "Quennell",
                "email": "rosalind.quennell@example.com",
                "phone": "07911 777888",
                "notes": "Met at the library",
                "person_types": ["parent_carer"],
            },
            None,
        )
        made.created_at = made.created_at - dt.timedelta(days=6 * 365)
        _db.session.commit()
        return made.id


def test_admin_handles_a_persons_data(page, phone_page, live_app, sign_in, assert_accessible, shots, person):
    sign_in(page, Role.ADMIN)
    page.goto(f"/people/{person}")
    side = page.get_by_role("heading", name="Data protection")
    expect(side).to_be_visible()

    page.get_by_role("link", name="Equality monitoring").click()
    expect(page.get_by_role("heading", level=1, name="Equality monitoring")).to_be_visible()
    assert_accessible(page, "equality monitoring")
    page.get_by_role("group", name="Age").get_by_label("35 to 44").check()
    page.get_by_label("Ethnic group").select_option(label="Mixed: White and Black Caribbean")
    page.get_by_role("group", name="Gender").get_by_label("Prefer not to say").check()
    page.screenshot(path=str(shots / "equality.png"), full_page=True)
    page.get_by_role("button", name="Save answers").click()
    expect(page.get_by_text("Equality monitoring answers saved.")).to_be_visible()

    page.get_by_role("link", name="Subject access export").click()
    expect(page.get_by_role("heading", level=1, name="Everything we hold about Rosalind Quennell")).to_be_visible()
    expect(page.get_by_text("Met at the library")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Equality monitoring")).to_be_visible()
    assert_accessible(page, "subject access page")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download as JSON").click()
    assert download.value.suggested_filename == f"subject-access-person-{person}.json"

    page.goto(f"/people/{person}")
    page.get_by_role("link", name="Anonymise this person").click()
    expect(page.get_by_text("This cannot be undone.")).to_be_visible()
    assert_accessible(page, "anonymise confirmation")
    page.get_by_role("button", name="Anonymise Rosalind Quennell").click()
    expect(page.get_by_role("alert")).to_contain_text("Type ANONYMISE to confirm")
    assert_accessible(page, "anonymise confirmation with an error")
    page.get_by_label("Type ANONYMISE to confirm").fill("ANONYMISE")
    page.get_by_role("button", name="Anonymise Rosalind Quennell").click()
    expect(page.get_by_text("The person has been anonymised.")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="Anonymised person")).to_be_visible()
    expect(page.get_by_role("link", name="Edit details")).to_have_count(0)
    expect(page.get_by_text("rosalind.quennell@example.com")).to_have_count(0)
    page.screenshot(path=str(shots / "anonymised-profile.png"), full_page=True)
    assert_accessible(page, "an anonymised profile")

    page.goto("/admin/settings")
    expect(page.get_by_label("Retention period")).to_have_value("36")
    assert_accessible(page, "settings")
    page.goto("/admin/retention")
    expect(page.get_by_role("heading", level=1, name="Retention review")).to_be_visible()
    assert_accessible(page, "retention review")

    sign_in(phone_page, Role.ADMIN)
    for path in (f"/people/{person}/subject-access", "/admin/retention", "/admin/settings"):
        phone_page.goto(path)
        assert phone_page.evaluate(NO_HORIZONTAL_SCROLL), f"{path} scrolls sideways on a phone"
