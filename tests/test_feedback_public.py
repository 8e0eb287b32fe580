"""The public feedback form: opened without an account from the short link, anonymous unless a
name is given, checked, spam-limited (honeypot and rate limit), and closed when staff close it."""

from __future__ import annotations

import pytest

from crm.models import AuditEvent, FeedbackRating, FeedbackResponse
from crm.models.base import utcnow
from crm.views.feedback_public import SEND_LIMIT
from tests.conftest import csrf_token
from tests.factories import FeedbackFormFactory, SessionFactory


@pytest.fixture
def feedback(db):
    form = FeedbackFormFactory(session=SessionFactory(title="Parent panel"), topics=["The programme", "Play"])
    db.session.commit()
    return form


def answers(feedback, **changes) -> dict:
    programme, play = feedback.topics
    data = {
        f"before_{programme.id}": "2",
        f"after_{programme.id}": "4",
        f"before_{play.id}": "",
        f"after_{play.id}": "",
        "take_away": "Other parents have the same worries",
        "change": "",
        "respondent_name": "",
        "website": "",
    }
    return data | changes


def send(client, feedback, data, **kwargs):
    url = f"/f/{feedback.code}"
    return client.post(url, data={"csrf_token": csrf_token(client.get(url)), **data}, **kwargs)


def test_anyone_can_open_the_form_without_an_account(client, feedback):
    page = client.get(f"/f/{feedback.code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Tell us what you think" in html and "Parent panel" in html
    assert "The programme" in html and "Play" in html
    programme = feedback.topics[0]
    assert html.count(f'name="before_{programme.id}"') == 5 and html.count(f'name="after_{programme.id}"') == 5
    assert "What will you take away from this session?" in html and "What should we change?" in html
    assert "Your name (optional)" in html and "your answers are anonymous" in html
    # A code typed from the screen in capitals works too.
    assert client.get(f"/f/{feedback.code.upper()}").status_code == 200


def test_a_response_is_stored_anonymously_and_thanked(client, feedback, db):
    response = send(client, feedback, answers(feedback))
    assert response.status_code == 302
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you for your feedback" in thanks
    stored = db.session.query(FeedbackResponse).one()
    assert stored.respondent_name is None
    assert stored.take_away == "Other parents have the same worries" and stored.change is None
    rating = db.session.query(FeedbackRating).one()  # the unrated topic has no row
    assert (rating.topic_id, rating.knowledge_before, rating.knowledge_after) == (feedback.topics[0].id, 2, 4)
    assert db.session.query(AuditEvent).count() == 0


def test_a_name_is_kept_when_given(client, feedback, db):
    send(client, feedback, answers(feedback, respondent_name="  Amina Begum "))
    assert db.session.query(FeedbackResponse).one().respondent_name == "Amina Begum"


def test_a_filled_honeypot_is_dropped_but_looks_successful(client, feedback, db):
    response = send(client, feedback, answers(feedback, website="https://cheap-pills.example"))
    assert response.status_code == 302
    assert "Thank you for your feedback" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.query(FeedbackResponse).count() == 0


def test_the_honeypot_is_hidden_from_people(client, feedback):
    html = client.get(f"/f/{feedback.code}").get_data(as_text=True)
    assert '<div hidden>\n        <label for="website">Leave this empty</label>' in html
    assert 'name="website" value="" tabindex="-1" autocomplete="off"' in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"after": "9"}, "Choose a number from 1 to 5 for “The programme” after the session"),
        ({"before": "0"}, "Choose a number from 1 to 5 for “The programme” before the session"),
        ({"before": "lots"}, "Choose a number from 1 to 5"),
        ({"after": ""}, "Rate “The programme” after the session too, or leave both empty"),
        ({"before": ""}, "Rate “The programme” before the session too, or leave both empty"),
        ({"respondent_name": "x" * 201}, "Your answer must be 200 characters or fewer"),
    ],
)
def test_bad_answers_get_a_clear_message_and_nothing_is_stored(client, feedback, db, changes, message):
    programme = feedback.topics[0]
    data = answers(feedback)
    for key, value in changes.items():
        data[f"{key}_{programme.id}" if key in ("before", "after") else key] = value
    page = send(client, feedback, data)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert message in html
    assert "There is a problem" in html
    # What they chose is still chosen.
    assert 'value="Other parents have the same worries"' in html or "Other parents have the same worries" in html
    assert db.session.query(FeedbackResponse).count() == 0


def test_an_empty_response_is_refused(client, feedback, db):
    programme = feedback.topics[0]
    data = answers(feedback, take_away="  ", respondent_name="Only my name")
    data |= {f"before_{programme.id}": "", f"after_{programme.id}": ""}
    html = send(client, feedback, data).get_data(as_text=True)
    assert "Rate at least one topic or answer one of the questions before sending" in html
    assert db.session.query(FeedbackResponse).count() == 0


def test_written_answers_alone_are_enough(client, feedback, db):
    programme = feedback.topics[0]
    data = answers(feedback, change="Hold it after school pick-up")
    data |= {f"before_{programme.id}": "", f"after_{programme.id}": "", "take_away": ""}
    assert send(client, feedback, data).status_code == 302
    assert db.session.query(FeedbackResponse).one().change == "Hold it after school pick-up"
    assert db.session.query(FeedbackRating).count() == 0


def test_a_closed_form_says_so_and_takes_nothing(client, feedback, db):
    token = csrf_token(client.get(f"/f/{feedback.code}"))
    feedback.is_open = False
    db.session.commit()
    page = client.get(f"/f/{feedback.code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "This feedback form is closed" in html and "Parent panel" in html
    assert 'name="take_away"' not in html
    client.post(f"/f/{feedback.code}", data={"csrf_token": token, **answers(feedback)})
    assert db.session.query(FeedbackResponse).count() == 0


def test_a_cancelled_session_takes_no_feedback(client, feedback, db):
    feedback.session.cancelled_at = utcnow()
    db.session.commit()
    assert "Parent panel was cancelled" in client.get(f"/f/{feedback.code}").get_data(as_text=True)


def test_an_unknown_code_is_not_found(client, db):
    page = client.get("/f/nosuchcode")
    assert page.status_code == 404
    assert "This feedback link does not work" in page.get_data(as_text=True)
    assert client.get("/f/" + "x" * 40).status_code == 404
    assert client.get("/f/nosuchcode/thanks").status_code == 404


def test_responses_need_a_csrf_token(client, feedback, db):
    response = client.post(f"/f/{feedback.code}", data=answers(feedback))
    assert response.status_code == 400
    assert db.session.query(FeedbackResponse).count() == 0


def test_responses_are_rate_limited_per_address(app, client, feedback, db):
    per_minute = int(SEND_LIMIT.split()[0])
    token = csrf_token(client.get(f"/f/{feedback.code}"))
    statuses = [
        client.post(f"/f/{feedback.code}", data={"csrf_token": token, **answers(feedback)}).status_code
        for _ in range(per_minute)
    ]
    assert statuses == [302] * per_minute
    refused = client.post(f"/f/{feedback.code}", data={"csrf_token": token, **answers(feedback)})
    assert refused.status_code == 429
    assert "Too many responses" in refused.get_data(as_text=True)
    assert db.session.query(FeedbackResponse).count() == per_minute
    # Another address is not held back, and the form still opens for reading.
    other = app.test_client()
    page = other.get(f"/f/{feedback.code}", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    token = csrf_token(page)
    sent = other.post(
        f"/f/{feedback.code}",
        data={"csrf_token": token, **answers(feedback)},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert sent.status_code == 302
    assert client.get(f"/f/{feedback.code}").status_code == 200
