"""Session feedback in a browser. Someone at the end of a session opens the short link on a phone,
without an account, rates what they knew before and after, writes what they will take away and
sends it. A coordinator sets up the form, shows the QR code on screen and reads the results."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from crm.extensions import db as _db

NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture(scope="module")
def workshop(live_app):
    """Two sessions held today with feedback forms: one for the phone, and one with five responses
    about "The programme": before 2, 3, 3, 2, 3 (mean 2.6), after 3, 4, 3, 4, 3 (mean 3.4), so
    +30.8%."""
    from crm.services.feedback import Answers, set_up_form, submit_response
    from crm.services.sessions import create_session

    def held(title):
        return create_session(
            {
                "title": title,
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

    with live_app.app_context():
        on_phone = set_up_form(held("Feedback journey: play and learning"), None)
        session = held("Feedback journey: growing up in Southend")
        form = set_up_form(session, None)
        programme = next(t for t in form.topics if t.label == "The programme")
        for index, pair in enumerate([(2, 3), (3, 4), (3, 3), (2, 4), (3, 3)]):
            submit_response(
                form,
                Answers(
                    ratings={programme.id: pair},
                    take_away="Meeting other parents who get it" if index == 0 else None,
                    change="More sessions on Saturdays" if index == 1 else None,
                    respondent_name="Amina" if index == 1 else None,
                ),
            )
        _db.session.commit()
        return {"session_id": session.id, "code": form.code, "phone_code": on_phone.code}


def test_someone_gives_feedback_on_a_phone(phone_page, assert_accessible, shots, workshop):
    page = phone_page
    page.goto(f"/f/{workshop['phone_code']}")
    expect(page.get_by_role("heading", name="Tell us what you think")).to_be_visible()
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the feedback form scrolls sideways on a phone"
    assert_accessible(page, "public feedback form")

    # Half a rating: a clear message, and the choice is kept.
    lived = page.get_by_role("group", name="The use of lived experience: Before the session")
    lived.get_by_label("2", exact=True).check()
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(
        page.get_by_role("link", name=re.compile("Rate “The use of lived experience” after the session too"))
    ).to_be_visible()
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    page.screenshot(path=str(shots / "feedback-phone-error.png"), full_page=True)
    assert_accessible(page, "public feedback form with an error")
    expect(lived.get_by_label("2", exact=True)).to_be_checked()

    page.get_by_role("group", name="The use of lived experience: After the session").get_by_label(
        "4", exact=True
    ).check()
    page.get_by_role("group", name="The programme: Before the session").get_by_label("3", exact=True).check()
    page.get_by_role("group", name="The programme: After the session").get_by_label("4", exact=True).check()
    page.get_by_label("What will you take away from this session?").fill("That my story can change a service")
    page.screenshot(path=str(shots / "feedback-phone-form.png"), full_page=True)
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_role("heading", name="Thank you for your feedback")).to_be_visible()
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    page.screenshot(path=str(shots / "feedback-phone-thanks.png"), full_page=True)
    assert_accessible(page, "feedback thank-you page")


def test_a_coordinator_shows_the_qr_code_and_reads_the_results(page, sign_in, assert_accessible, shots, workshop):
    blocked: list[str] = []
    page.on(
        "console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None
    )
    sign_in(page)
    page.goto(f"/sessions/{workshop['session_id']}")
    page.get_by_role("link", name="Feedback form and results").click()
    expect(page.get_by_role("heading", name="Feedback form")).to_be_visible()
    qr = page.get_by_role("img", name="QR code for the feedback form")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 150
    page.get_by_label("Add a topic").fill("Speech and language")
    page.get_by_role("button", name="Add topic").click()
    expect(page.get_by_text("Topic “Speech and language” added.")).to_be_visible()
    page.get_by_role("button", name="Move up “Speech and language”").click()
    expect(page.locator(".app-feedback-topics__item").nth(2)).to_contain_text("Speech and language")
    expect(page.get_by_text("Rated in 5 responses · locked")).to_be_visible()
    page.screenshot(path=str(shots / "feedback-manage.png"), full_page=True)
    assert_accessible(page, "feedback form set-up")

    page.get_by_role("link", name="Show the QR code on screen").click()
    big = page.get_by_role("img", name="QR code for the feedback form")
    expect(big).to_be_visible()
    assert big.bounding_box()["height"] >= 600, "the on-screen QR code should fill most of the screen"
    expect(page.get_by_text(f"/f/{workshop['code']}")).to_be_visible()
    page.screenshot(path=str(shots / "feedback-screen.png"))
    assert_accessible(page, "QR code on screen")

    page.goto(f"/sessions/{workshop['session_id']}/feedback/results")
    row = page.get_by_role("row", name=re.compile("^The programme"))
    expect(row).to_contain_text("2.6")
    expect(row).to_contain_text("3.4")
    expect(row).to_contain_text("+30.8%")
    expect(page.get_by_text("More sessions on Saturdays")).to_be_visible()
    page.screenshot(path=str(shots / "feedback-results.png"), full_page=True)
    assert_accessible(page, "feedback results")
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the results table should scroll on its own, not widen the page"
    assert blocked == [], f"the Content Security Policy blocked something: {blocked}"
