"""A coordinator finds parent carers in two wards with an interest in speech and language, saves
the search, invites them to an upcoming workshop and sees who was emailed and who to phone. The
invitee opens the reply link from the email in a browser of their own, without signing in, and
says yes with a creche place; the coordinator sees the reply on the session's invitations page."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from crm.extensions import db as _db
from crm.models.enums import ConsentMethod, ConsentPurpose, TagCategory

NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
REPLY_LINK = re.compile(r"https?://\S+/reply/\S+")


@pytest.fixture(scope="module")
def workshop(live_app):
    """Wards, a tag, four matching people (three emailable, one with only a phone), one who does
    not match, and a co-design session next week with a creche."""
    from crm.services.lists import add_tag, add_ward
    from crm.services.people import create_person, record_consent
    from crm.services.sessions import create_session

    with live_app.app_context():
        kursaal = add_ward("Kursaal Journey", None)
        milton = add_ward("Milton Journey", None)
        add_ward("Leigh Journey", None)
        speech = add_tag(TagCategory.INTEREST, "Speech and language journey", None)

        def person(first, last, ward, email=None, phone=None, consent=True, types=("parent_carer",)):
            data = {"first_name": first, "last_name": last, "email": email, "phone": phone}
            data = {key: value for key, value in data.items() if value}
            data.update(ward_id=ward.id, person_types=list(types), tags=[speech])
            made = create_person(data, None)
            if consent:
                record_consent(made, ConsentPurpose.CONTACT, ConsentMethod.PAPER, "Happy to be contacted.", None)
            return made

        invitee = person("Shanice", "Journeyman", kursaal, email="shanice.journeyman@example.com")
        person("Oluwaseun", "Journeyman", milton, email="oluwaseun.journeyman@example.com")
        person("Krystyna", "Journeyman", kursaal, email="krystyna.journeyman@example.com")
        phone_only = person("Darren", "Journeyman", milton, phone="07400 123461")
        # Not matched: another type, and a parent carer in a ward not chosen.
        person("Petra", "Journeyman", kursaal, email="petra.journeyman@example.com", types=("professional",))
        person("Leon", "Journeyman", milton, consent=False)
        session = create_session(
            {
                "title": "Chatterbox journey: co-designing under-twos language sessions",
                "date": dt.date.today() + dt.timedelta(days=7),
                "start_time": "10:00",
                "end_time": "12:00",
                "format": "in_person",
                "kind": "co_design_workshop",
                "involvement_level": "co_designing",
                "location": "Kursaal Library",
                "capacity": 20,
                "creche_places": 6,
            },
            None,
        )
        _db.session.commit()
        return {
            "session_id": session.id,
            "session_title": session.title,
            "wards": (kursaal.name, milton.name),
            "tag": speech.name,
            "invitee": invitee.full_name,
            "invitee_email": invitee.email,
            "phone_only": phone_only.full_name,
        }


def test_coordinator_finds_saves_invites_and_sees_the_reply(
    page, browser, live_server, sign_in, assert_accessible, shots, workshop
):
    sign_in(page)

    # Find people: parent carers in Kursaal or Milton interested in speech and language.
    page.goto("/find")
    expect(page.get_by_role("heading", name="Find people", level=1)).to_be_visible()
    page.get_by_role("group", name="Person type").get_by_label("Parent or carer", exact=True).check()
    for ward in workshop["wards"]:
        page.get_by_label(ward, exact=True).check()
    page.get_by_label(workshop["tag"], exact=True).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#find-count")).to_have_text("5 people")
    table = page.get_by_role("table", name="People matching the filters")
    expect(table.get_by_role("link", name=workshop["invitee"])).to_be_visible()
    expect(table.get_by_role("link", name="Petra Journeyman")).to_have_count(0)
    page.screenshot(path=str(shots / "find-filtered.png"), full_page=True)
    assert_accessible(page, "find people, filtered")

    # Save the search.
    page.locator("summary").filter(has_text="Save this search").click()
    page.get_by_label("Name this search").fill("Under-twos language, Kursaal and Milton")
    page.get_by_role("button", name="Save this search").click()
    expect(page.get_by_text("Search saved as ‘Under-twos language, Kursaal and Milton’.")).to_be_visible()
    expect(page.locator("#find-count")).to_have_text("5 people")
    page.goto("/find/saved")
    saved_row = page.get_by_role("row").filter(has_text="Under-twos language, Kursaal and Milton")
    expect(saved_row.get_by_role("cell", name="5", exact=True)).to_be_visible()
    assert_accessible(page, "saved searches")

    # Run it again and invite four of them (not the one without consent) to the workshop.
    saved_row.get_by_role("link", name="Under-twos language, Kursaal and Milton", exact=True).click()
    expect(page.locator("#find-count")).to_have_text("5 people")
    for name in ("Shanice Journeyman", "Oluwaseun Journeyman", "Krystyna Journeyman", "Darren Journeyman"):
        page.get_by_label(f"Select {name}").check()
    page.get_by_label("Invite them to").select_option(value=str(workshop["session_id"]))
    page.get_by_role("button", name="Invite the selected people").click()
    expect(page.get_by_role("heading", name="Invited 4 people")).to_be_visible()
    summary = page.locator(".govuk-summary-list")
    expect(summary.get_by_role("definition").nth(1)).to_have_text("3")  # emailed
    expect(summary.get_by_role("definition").nth(2)).to_have_text("1")  # to phone
    expect(page.get_by_role("listitem").filter(has_text=workshop["phone_only"])).to_contain_text("07400 123461")
    page.screenshot(path=str(shots / "invite-result.png"), full_page=True)
    assert_accessible(page, "invite result")

    # Read the invitation in the outbox (no SMTP here) and take the personal link from it.
    page.get_by_role("link", name="outbox").click()
    expect(page.get_by_role("heading", name="Email outbox")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=workshop["invitee_email"])
    row.get_by_role("link").first.click()
    expect(page.get_by_text(workshop["invitee_email"])).to_be_visible()
    assert_accessible(page, "outbox message")
    body = page.locator("pre").inner_text()
    link = REPLY_LINK.search(body)
    assert link, f"no reply link in the message:\n{body}"
    # The link names the configured BASE_URL; the test server listens on its own port.
    reply_url = urlsplit(link.group(0)).path

    # The invitee replies in a browser of their own, not signed in.
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    try:
        invitee = context.new_page()
        invitee.goto(reply_url)
        expect(invitee.get_by_role("heading", name="Hello Shanice, can you come?")).to_be_visible()
        assert_accessible(invitee, "reply page")
        invitee.get_by_role("group", name="Can you come?").get_by_label("Yes, I'll come").check()
        invitee.get_by_label("How many children need a creche place?").fill("1")
        invitee.get_by_label("Their ages").fill("2")
        invitee.get_by_label("Dietary needs").fill("Halal")
        invitee.get_by_role("button", name="Send reply").click()
        expect(invitee.get_by_role("heading", name="Thank you, Shanice: you are coming")).to_be_visible()
        invitee.screenshot(path=str(shots / "reply-thanks.png"), full_page=True)
        assert_accessible(invitee, "reply thank-you")
        # The reply page at phone size has no sideways scrolling.
        invitee.set_viewport_size({"width": 375, "height": 812})
        invitee.goto(reply_url)
        expect(invitee.get_by_role("heading", name="Hello Shanice, can you come?")).to_be_visible()
        assert invitee.evaluate(NO_HORIZONTAL_SCROLL), "the reply page scrolls sideways at 375px"
    finally:
        context.close()

    # Back as the coordinator: the reply is on the session's invitations page.
    page.goto(f"/sessions/{workshop['session_id']}/invitations")
    invitee_row = page.get_by_role("row").filter(has_text=workshop["invitee"])
    expect(invitee_row).to_contain_text("Yes")
    expect(invitee_row).to_contain_text("Registered")
    expect(invitee_row).to_contain_text("1 (ages 2)")
    expect(page.get_by_text("1 of 6 available")).to_be_visible()
    page.screenshot(path=str(shots / "invitations-page.png"), full_page=True)
    assert_accessible(page, "session invitations")

    # The find page at phone size has no sideways scrolling.
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto("/find")
    expect(page.get_by_role("heading", name="Find people", level=1)).to_be_visible()
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the find page scrolls sideways at 375px"
