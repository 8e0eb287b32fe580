"""A coordinator signs in, finds People, adds a person and sees the profile, in a real browser."""

from __future__ import annotations

from playwright.sync_api import expect

from crm.consent import STANDARD_WORDING
from crm.models.enums import ConsentPurpose, Role
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

    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="People", exact=True).click()
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
    # How they agreed is asked only once the box is ticked.
    how = page.get_by_role("group", name="How did they agree?")
    expect(how).to_be_hidden()
    page.get_by_label("They agree to be contacted about opportunities").check()
    expect(how).to_be_visible()
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose how they agreed to be contacted")
    expect(page.get_by_label("First name")).to_have_value("Aisha")
    how.get_by_label("Paper form").check()
    page.get_by_role("button", name="Add person").click()

    expect(page.get_by_text("Aisha Khan has been added.")).to_be_visible()
    expect(page.get_by_text("No consent to contact recorded")).to_have_count(0)
    expect(page.get_by_role("table", name="Consent records")).to_contain_text("Contact about opportunities")
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


def test_people_list_stacks_on_a_phone_with_every_column_in_view(phone_page, people, sign_in, assert_accessible, shots):
    page = phone_page
    sign_in(page)
    page.goto("/people/")
    table = page.get_by_role("table", name="People")
    expect(table.get_by_role("link", name="Grace Adeyemi")).to_be_visible()
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the people list scrolls sideways at 375px"
    first_row = table.locator("tbody tr").first
    status = first_row.locator('td[data-label="Status"]')
    expect(status).to_be_visible()
    expect(status).to_contain_text("Active")
    box = status.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    # Each value is labelled with its column, since the column headings are not shown.
    label = status.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert label == '"Status"', label
    for cell in first_row.locator("td").all():
        if cell.is_visible():
            cell_box = cell.bounding_box()
            assert cell_box["x"] + cell_box["width"] <= 375, cell.get_attribute("data-label")
    assert_accessible(page, "the people list on a phone")
    page.screenshot(path=str(shots / "people_list_phone.png"), full_page=True)


def test_a_person_added_without_consent_leads_to_recording_it(page, people, sign_in, assert_accessible):
    sign_in(page, Role.CHAMPION)
    page.goto("/people/new")
    page.get_by_label("First name").fill("Dev")
    page.get_by_label("Last name").fill("Okonkwo")
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_text("Dev Okonkwo has been added. No consent to contact recorded yet.")).to_be_visible()

    prompt = page.locator(".govuk-inset-text", has_text="No consent to contact recorded.")
    expect(prompt).to_be_visible()
    prompt.get_by_role("link", name="Record consent").click()
    expect(page.get_by_role("heading", level=1, name="Record consent")).to_be_visible()
    expect(page.get_by_label("Contact about opportunities")).to_be_checked()
    expect(page.get_by_label("The exact wording they were shown or read")).to_have_value(
        STANDARD_WORDING[ConsentPurpose.CONTACT]
    )
    assert_accessible(page, "the record-consent form")
    page.get_by_label("Verbally to a member of staff").check()
    page.get_by_role("button", name="Record consent").click()

    expect(page.get_by_text("Consent recorded.")).to_be_visible()
    expect(page.get_by_text("No consent to contact recorded")).to_have_count(0)
    expect(page.get_by_role("table", name="Consent records")).to_contain_text("Verbally to a member of staff")
