"""A co-production champion completes a 30-person register on a phone: marks everyone, changes a
few, adds a walk-in who turns out to be in the CRM already, saves and sees the close-out summary.
And the same without JavaScript: searching, adding someone new and adding a walk-in all keep the
marks made so far."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from playwright.sync_api import expect

from crm.extensions import db as _db
from crm.models.enums import ParticipationSource, ParticipationStatus, Role

NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
FIRST_NAMES = [
    "Aaliyah", "Bethany", "Chidi", "Dorota", "Ebony", "Farah", "Gemma", "Hamza", "Imogen", "Jade",
    "Kemi", "Leanne", "Mariam", "Niamh", "Oksana", "Precious", "Qasim", "Rhiannon", "Sadia", "Tegan",
    "Uzma", "Vanessa", "Wiktoria", "Xena", "Yasmin", "Zofia", "Amelia", "Bilal", "Chantelle", "Dwayne",
]  # fmt: skip


def make_register(live_app, tag: str, count: int, phone: str) -> dict:
    """A session today with `count` people registered (a few with access needs), and someone in
    the CRM with `phone` who is not on it."""
    from crm.services.participation import Mark, upsert_participations
    from crm.services.people import create_person
    from crm.services.sessions import create_session

    with live_app.app_context():
        session = create_session(
            {
                "title": f"Chatterbox {tag}: co-designing the under-twos language sessions",
                "date": dt.date.today(),
                "start_time": "10:00",
                "end_time": "12:00",
                "format": "in_person",
                "kind": "co_design_workshop",
                "involvement_level": "co_designing",
                "location": "Kursaal Library",
            },
            None,
        )
        people = []
        for n, first_name in enumerate(FIRST_NAMES[:count]):
            people.append(
                create_person(
                    {
                        "first_name": first_name,
                        "last_name": f"{tag}-Walker{n:02d}",
                        "needs_creche": n % 5 == 0,
                        "needs_step_free": n % 7 == 0,
                        "interpreter_language": "Polish" if n % 9 == 0 else None,
                        "person_types": ["parent_carer"],
                    },
                    None,
                )
            )
        upsert_participations(
            session.id,
            [
                Mark(p.id, ParticipationStatus.REGISTERED, creche_children=2 if i % 5 == 0 else 0)
                for i, p in enumerate(people)
            ],
            ParticipationSource.RSVP,
        )
        known = create_person(
            {"first_name": "Joanne", "last_name": f"Sampleton{tag}", "phone": phone, "person_types": ["volunteer"]},
            None,
        )
        _db.session.commit()
        return {"session_id": session.id, "names": [p.full_name for p in people], "known": known.full_name}


@pytest.fixture(scope="module")
def thirty_person_register(live_app):
    return make_register(live_app, "Reg", 30, "07400 123456")


@pytest.fixture(scope="module")
def small_register(live_app):
    return make_register(live_app, "Nojs", 5, "07400 123457")


@pytest.fixture(scope="module")
def another_small_register(live_app):
    return make_register(live_app, "Newp", 4, "07400 123458")


def no_script_page(browser, live_server, staff_account):
    """A phone-sized tab with JavaScript off, signed in as a champion."""
    context = browser.new_context(
        base_url=live_server, viewport={"width": 375, "height": 812}, java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    email, password = staff_account(Role.CHAMPION)
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    return context, page


def test_champion_completes_a_30_person_register_on_a_phone(
    phone_page, thirty_person_register, sign_in, assert_accessible, shots
):
    page = phone_page
    session_id = thirty_person_register["session_id"]
    names = thirty_person_register["names"]
    sign_in(page, Role.CHAMPION)
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.goto(f"/sessions/{session_id}")
    started = time.perf_counter()

    page.get_by_role("link", name="Open register").first.click()
    expect(page.get_by_role("heading", level=1, name="Register")).to_be_visible()
    expect(page.get_by_text("30 people: 0 marked, 30 still to mark.")).to_be_visible()
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the register scrolls sideways at 375px"
    assert_accessible(page, "the register")
    page.screenshot(path=str(shots / "register_phone_open.png"))

    page.get_by_role("button", name="Mark everyone registered as attended").click()
    expect(page.locator("#register-announcement")).to_have_text(
        "30 marked as attended. Change anyone who did not come, then save the register."
    )
    for name in names:
        expect(page.get_by_role("group", name=name).get_by_label("Attended")).to_be_checked()
    # Three did not come after all: a tap on the segment each.
    page.get_by_role("group", name=names[3]).get_by_label("Did not come").check()
    page.get_by_role("group", name=names[17]).get_by_label("Did not come").check()
    page.get_by_role("group", name=names[25]).get_by_label("Apologies").check()
    expect(page.get_by_role("group", name=names[25]).get_by_label("Apologies")).to_be_checked()
    expect(page.get_by_role("group", name=names[25]).get_by_label("Attended")).not_to_be_checked()
    # One stayed only an hour, as the facilitator.
    page.get_by_label(f"Minutes for {names[0]}").fill("60")
    page.get_by_label(f"Role for {names[0]}").select_option(label="Facilitator")
    page.screenshot(path=str(shots / "register_phone_top.png"))

    # A walk-in, spelt differently from how the CRM has her: the search finds no one as you type...
    known = thirty_person_register["known"]
    page.get_by_label("Name, email or phone").fill("Jo Sampelton")
    expect(page.get_by_role("heading", name="No one found for “Jo Sampelton”")).to_be_visible()
    new_person = page.locator("#new-person")
    expect(new_person.get_by_label("First name")).to_have_value("Jo")
    expect(new_person.get_by_label("Last name")).to_have_value("Sampelton")
    new_person.get_by_label("Phone number (optional)").fill("07400 123456")
    new_person.get_by_label("Parent or carer").check()
    new_person.get_by_role("button", name="Add and mark as attended").click()
    # ...but her phone number is known: she is offered, and picked.
    expect(page.get_by_text(f"This might be: {known} — same phone number")).to_be_visible()
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the possible duplicates scroll sideways at 375px"
    assert_accessible(page, "the register with possible duplicates")
    page.get_by_role("button", name=f"Add this person instead ({known})").click()
    # Back at the register, at her row: the message and a way to add the next walk-in are there.
    walk_in = page.get_by_role("group", name=known)
    expect(walk_in.get_by_text(f"{known} added to the register as attended.")).to_be_in_viewport()
    expect(walk_in.get_by_label("Attended")).to_be_checked()
    expect(walk_in.get_by_text("Just added")).to_be_visible()
    assert page.url.endswith("#person-" + page.url.split("added=")[1].split("#")[0])
    page.screenshot(path=str(shots / "register_phone_walk_in_added.png"))
    walk_in.get_by_role("link", name="Add another walk-in").click()
    expect(page.get_by_label("Name, email or phone")).to_be_in_viewport()
    # The marks made before adding her were kept.
    expect(page.get_by_role("group", name=names[3]).get_by_label("Did not come")).to_be_checked()
    expect(page.get_by_label(f"Minutes for {names[0]}")).to_have_value("60")

    page.get_by_role("button", name="Save register").click()
    expect(page.get_by_role("heading", level=1, name="Session summary")).to_be_visible()
    elapsed = time.perf_counter() - started
    print(f"\nregister journey (30 people, 3 changes, 1 walk-in) took {elapsed:.1f}s in the browser")

    figures = {
        label: page.locator(".app-figure", has_text=label).locator(".app-figure__value").inner_text()
        for label in ("Attended", "Apologies", "Did not come", "Creche children", "Hours given")
    }
    assert figures["Attended"] == "28"
    assert figures["Apologies"] == "1"
    assert figures["Did not come"] == "2"
    # Six registered with two creche children each; one of them sent apologies.
    assert figures["Creche children"] == "10"
    # 27 (the walk-in among them) stayed the whole two hours, one an hour: 55 hours.
    assert figures["Hours given"].startswith("55.0")
    expect(page.get_by_role("link", name="Add contributions")).to_be_visible()
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the summary scrolls sideways at 375px"
    assert_accessible(page, "the close-out summary")
    page.screenshot(path=str(shots / "register_summary_phone.png"), full_page=True)

    page.goto(f"/sessions/{session_id}/register")
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    page.screenshot(path=str(shots / "register_phone.png"), full_page=True)
    # What was typed into the walk-in search never went into an address.
    assert urls and not [url for url in urls if "sampelton" in url.lower()]


def test_register_works_without_javascript(browser, live_server, small_register, staff_account):
    context, page = no_script_page(browser, live_server, staff_account)
    try:
        session_id = small_register["session_id"]
        names = small_register["names"]
        known = small_register["known"]
        page.goto(f"/sessions/{session_id}/register")
        page.get_by_role("group", name=names[2]).get_by_label("Did not come").check()
        # Searching posts the register, so the mark just made is saved, not lost; Enter searches.
        page.get_by_label("Name, email or phone").fill("SampletonNojs")
        page.get_by_label("Name, email or phone").press("Enter")
        expect(page.get_by_role("heading", name="1 person found for “SampletonNojs”")).to_be_visible()
        assert "sampletonnojs" not in page.url.lower()
        expect(page.get_by_role("group", name=names[2]).get_by_label("Did not come")).to_be_checked()
        # "Mark everyone" is a link that reloads the page with them chosen (the search stays).
        page.get_by_role("button", name="Mark everyone registered as attended").click()
        expect(page.get_by_text("Everyone registered is shown as attended.")).to_be_visible()
        page.get_by_role("group", name=names[1]).get_by_label("Apologies").check()
        page.get_by_role("button", name=f"Add {known} — attended").click()
        expect(page.get_by_text(f"{known} added to the register as attended.")).to_be_visible()
        expect(page.get_by_role("group", name=known).get_by_label("Attended")).to_be_checked()
        expect(page.get_by_role("group", name=names[1]).get_by_label("Apologies")).to_be_checked()
        expect(page.get_by_role("group", name=names[0]).get_by_label("Attended")).to_be_checked()
        expect(page.get_by_role("group", name=names[2]).get_by_label("Did not come")).to_be_checked()
        page.get_by_role("button", name="Save register").click()
        expect(page.get_by_role("heading", level=1, name="Session summary")).to_be_visible()
        attended = page.locator(".app-figure", has_text="Attended").locator(".app-figure__value")
        expect(attended).to_have_text("4")
    finally:
        context.close()


def test_adding_someone_new_without_javascript_keeps_unsaved_marks(
    browser, live_server, another_small_register, staff_account, shots
):
    context, page = no_script_page(browser, live_server, staff_account)
    try:
        session_id = another_small_register["session_id"]
        names = another_small_register["names"]
        page.goto(f"/sessions/{session_id}/register")
        page.get_by_role("group", name=names[0]).get_by_label("Attended").check()
        page.get_by_role("button", name="Add someone new").click()
        new_person = page.locator("#new-person")
        expect(new_person.get_by_label("First name")).to_be_visible()
        # Marks made while the form is open travel with it too.
        page.get_by_role("group", name=names[1]).get_by_label("Apologies").check()
        page.get_by_role("group", name=names[2]).get_by_label("Minutes").fill("30")
        page.get_by_role("group", name=names[2]).get_by_label("Attended").check()
        new_person.get_by_label("First name").fill("Wanjiru")
        new_person.get_by_label("Last name").fill("Kamau")
        new_person.get_by_label("Parent or carer").check()
        page.screenshot(path=str(shots / "register_phone_new_person_no_js.png"), full_page=True)
        new_person.get_by_role("button", name="Add and mark as attended").click()
        added = page.get_by_role("group", name="Wanjiru Kamau")
        expect(added.get_by_text("Wanjiru Kamau added to the CRM and to the register as attended.")).to_be_visible()
        expect(added.get_by_label("Attended")).to_be_checked()
        # Nothing was saved with "Save register", yet every mark is still there: they were saved.
        page.reload()
        expect(page.get_by_role("group", name=names[0]).get_by_label("Attended")).to_be_checked()
        expect(page.get_by_role("group", name=names[1]).get_by_label("Apologies")).to_be_checked()
        expect(page.get_by_role("group", name=names[2]).get_by_label("Attended")).to_be_checked()
        expect(page.get_by_role("group", name=names[2]).get_by_label("Minutes")).to_have_value("30")
    finally:
        context.close()
