"""A coordinator signs in, finds People, adds a person and sees the profile, in a real browser."""

from __future__ import annotations

from playwright.sync_api import expect

from crm.models.enums import Role
from tests.browser.conftest import DESKTOP

NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_coordinator_adds_a_person_through_the_form(page, people, staff_account, assert_accessible, shots):
    email, password = staff_account(Role.COORDINATOR)
    page.goto("/sign-in")
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    assert_accessible(page, "the sign-in page")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", level=1, name="People")).to_be_visible()
    expect(page.get_by_role("link", name="Grace Adeyemi")).to_be_visible()
    assert_accessible(page, "the people list")

    page.get_by_role("link", name="Add a person").click()
    expect(page.get_by_role("heading", level=1, name="Add a person")).to_be_visible()
    assert_accessible(page, "the add-person form")

    page.get_by_role("button", name="Add person").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link", name="Enter a first name")).to_be_visible()
    assert page.title().startswith("Error:")
    assert_accessible(page, "the add-person form with errors")

    page.get_by_label("First name").fill("Aisha")
    page.get_by_label("Last name").fill("Khan")
    page.get_by_label("Email address").fill("Aisha.Khan@Example.com")
    page.get_by_label("Phone number").fill("07911 123456")
    page.get_by_label("Postcode").fill("ss1 2ab")
    page.get_by_label("Ward").select_option(label="Kursaal")
    page.get_by_label("Parent champion").check()
    page.get_by_role("button", name="Add person").click()

    expect(page.get_by_text("Aisha Khan has been added.")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="Aisha Khan")).to_be_visible()
    details = page.locator(".govuk-summary-list")
    expect(details).to_contain_text("aisha.khan@example.com")
    expect(details).to_contain_text("07911 123456")
    expect(details).to_contain_text("SS1 2AB")
    expect(details).to_contain_text("Kursaal")
    assert_accessible(page, "the new person's profile")
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(shots / "profile.png"), full_page=True)


def test_people_pages_fit_a_phone_screen(phone_page, people, sign_in, shots):
    page = phone_page
    sign_in(page)

    page.goto("/people/")
    expect(page.get_by_role("link", name="Grace Adeyemi")).to_be_visible()
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the people list scrolls sideways at 375px"

    page.goto("/people/new")
    expect(page.get_by_role("heading", level=1, name="Add a person")).to_be_visible()
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the add-person form scrolls sideways at 375px"
    page.screenshot(path=str(shots / "person_form_phone.png"), full_page=True)
