"""Setting up a session's feedback form: suggested topics, changing, ordering and removing them,
locking rated topics, opening and closing, the link and QR code, permissions and the audit log."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from crm.models import AuditEvent, FeedbackForm, FeedbackRating, FeedbackResponse
from crm.models.base import utcnow
from crm.models.enums import AuditAction, Role
from crm.services import feedback as feedback_service
from crm.services.errors import InvalidInput
from tests.factories import FeedbackFormFactory, SessionFactory

LAST_WEEK = dt.date.today() - dt.timedelta(days=7)


@pytest.fixture
def coordinator(login_as):
    return login_as(Role.COORDINATOR)


@pytest.fixture
def session(db):
    made = SessionFactory(title="Parent panel", date=LAST_WEEK)
    db.session.commit()
    return made


def set_up(post_form, session):
    return post_form(f"/sessions/{session.id}/feedback/set-up", form_url=f"/sessions/{session.id}/feedback")


def form_of(db, session) -> FeedbackForm:
    return db.session.query(FeedbackForm).filter_by(session_id=session.id).one()


def labels(db, session) -> list[str]:
    db.session.expire_all()
    return [topic.label for topic in form_of(db, session).topics]


def test_set_up_starts_with_the_suggested_topics_and_is_audited_without_values(
    client, coordinator, session, post_form, db
):
    page = client.get(f"/sessions/{session.id}/feedback").get_data(as_text=True)
    assert "Set up the feedback form" in page
    response = set_up(post_form, session)
    assert response.status_code == 302
    form = form_of(db, session)
    assert labels(db, session) == ["The use of lived experience", "The programme", "Co-production"]
    assert form.is_open
    assert re.fullmatch(f"[{feedback_service.CODE_ALPHABET}]{{10}}", form.code)
    audit = db.session.query(AuditEvent).filter_by(entity_type="feedback_forms").one()
    assert audit.action == AuditAction.CREATE and audit.user_id == coordinator.id
    assert audit.changed_fields == ["code", "is_open", "session_id", "topics"]
    assert audit.detail == "3 topics"
    assert form.code not in (audit.detail or "")
    # Setting up again keeps the same form.
    set_up(post_form, session)
    assert db.session.query(FeedbackForm).filter_by(session_id=session.id).count() == 1


def test_codes_are_random_and_unguessable():
    codes = {feedback_service.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(code) == 10 and not set(code) & set("01ilo") for code in codes)


def test_the_page_shows_the_link_and_a_qr_code_that_needs_no_inline_style(client, coordinator, session, post_form, db):
    set_up(post_form, session)
    form = form_of(db, session)
    page = client.get(f"/sessions/{session.id}/feedback").get_data(as_text=True)
    assert f"http://127.0.0.1:5000/f/{form.code}" in page
    svg = re.search(r"<svg .*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg and "<title>QR code for the feedback form</title>" in svg
    assert "style" not in svg
    screen = client.get(f"/sessions/{session.id}/feedback/screen").get_data(as_text=True)
    assert f"127.0.0.1:5000<wbr>/f/{form.code}" in screen  # breaks before /f/ when it must
    assert "app-qr--screen" in screen and "Tell us what you think" in screen


def test_the_link_uses_the_configured_base_url(app, client, coordinator, session, post_form, db, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://crm.example.org")
    set_up(post_form, session)
    page = client.get(f"/sessions/{session.id}/feedback").get_data(as_text=True)
    assert f"https://crm.example.org/f/{form_of(db, session).code}" in page


def test_topics_can_be_added_reworded_reordered_and_removed(client, coordinator, session, post_form, db):
    set_up(post_form, session)
    base = f"/sessions/{session.id}/feedback"
    response = post_form(f"{base}/topics", {"label": "  Speech   and language "}, form_url=base)
    assert response.status_code == 302
    assert labels(db, session)[-1] == "Speech and language"

    form = form_of(db, session)
    programme = form.topics[1]
    edit = f"{base}/topics/{programme.id}"
    assert 'value="The programme"' in client.get(edit).get_data(as_text=True)
    assert post_form(edit, {"label": "The Better Start programme"}).status_code == 302
    assert labels(db, session)[1] == "The Better Start programme"

    speech = form_of(db, session).topics[3]
    post_form(f"{base}/topics/{speech.id}/move", {"direction": "up"}, form_url=base)
    assert labels(db, session) == [
        "The use of lived experience",
        "The Better Start programme",
        "Speech and language",
        "Co-production",
    ]
    post_form(f"{base}/topics/{speech.id}/move", {"direction": "down"}, form_url=base)
    assert labels(db, session)[-1] == "Speech and language"

    lived = form_of(db, session).topics[0]
    post_form(f"{base}/topics/{lived.id}/remove", form_url=base)
    assert labels(db, session) == ["The Better Start programme", "Co-production", "Speech and language"]
    assert [t.position for t in form_of(db, session).topics] == [0, 1, 2]
    details = [e.detail for e in db.session.query(AuditEvent).filter_by(action=AuditAction.UPDATE)]
    assert details == [
        "Topic added (4 topics)",
        "Topic reworded (4 topics)",
        "Topics reordered (4 topics)",
        "Topics reordered (4 topics)",
        "Topic removed (3 topics)",
    ]
    assert all(
        "Speech" not in (e.detail or "") and "programme" not in (e.detail or "") for e in db.session.query(AuditEvent)
    )


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("", "Enter the topic people will rate"),
        ("co-PRODUCTION", "This form already has the topic “co-PRODUCTION”"),
        ("x" * 201, "Topic must be 200 characters or fewer"),
    ],
)
def test_a_bad_topic_is_refused_with_a_message(client, coordinator, session, post_form, db, label, message):
    set_up(post_form, session)
    base = f"/sessions/{session.id}/feedback"
    page = post_form(f"{base}/topics", {"label": label}, form_url=base)
    assert page.status_code == 200
    assert message in page.get_data(as_text=True)
    assert len(labels(db, session)) == 3


def test_a_form_has_at_most_ten_topics(db):
    form = FeedbackFormFactory(topics=[f"Topic {n}" for n in range(10)])
    with pytest.raises(InvalidInput, match="up to 10 topics"):
        feedback_service.add_topic(form, "One more", None)


def test_rated_topics_are_locked_but_can_still_be_moved(client, coordinator, session, post_form, db):
    set_up(post_form, session)
    form = form_of(db, session)
    lived, programme, _ = form.topics
    db.session.add(
        FeedbackResponse(
            form_id=form.id, ratings=[FeedbackRating(topic_id=programme.id, knowledge_before=2, knowledge_after=4)]
        )
    )
    db.session.commit()
    base = f"/sessions/{session.id}/feedback"
    page = client.get(base).get_data(as_text=True)
    assert "Rated in 1 response · locked" in page
    assert "cannot be reworded or removed" in page
    assert f"{base}/topics/{programme.id}/remove" not in page
    assert f"{base}/topics/{lived.id}/remove" in page

    removed = post_form(f"{base}/topics/{programme.id}/remove", form_url=base, follow_redirects=True)
    assert "People have already rated this topic, so it cannot be changed or removed" in removed.get_data(as_text=True)
    locked = client.get(f"{base}/topics/{programme.id}").get_data(as_text=True)
    assert "so it is locked" in locked and 'name="label"' not in locked
    reworded = post_form(f"{base}/topics/{programme.id}", {"label": "Something else"}, form_url=base)
    assert "People have already rated this topic" in reworded.get_data(as_text=True)
    assert labels(db, session)[1] == "The programme"
    assert db.session.query(FeedbackRating).count() == 1

    post_form(f"{base}/topics/{programme.id}/move", {"direction": "up"}, form_url=base)
    assert labels(db, session)[0] == "The programme"


def test_closing_and_opening_the_form(client, coordinator, session, post_form, db):
    set_up(post_form, session)
    base = f"/sessions/{session.id}/feedback"
    code = form_of(db, session).code
    closed = post_form(f"{base}/close", form_url=base, follow_redirects=True).get_data(as_text=True)
    assert "The feedback form is closed: no more responses can be sent." in closed
    assert "Open the form" in closed
    assert "This feedback form is closed" in client.get(f"/f/{code}").get_data(as_text=True)
    audit = db.session.query(AuditEvent).filter_by(action=AuditAction.UPDATE).one()
    assert (audit.changed_fields, audit.detail) == (["is_open"], "Closed")
    post_form(f"{base}/open", form_url=base)
    assert form_of(db, session).is_open
    assert "Tell us what you think" in client.get(f"/f/{code}").get_data(as_text=True)


def test_a_cancelled_session_cannot_have_a_form(client, coordinator, post_form, db):
    session = SessionFactory(cancelled_at=utcnow())
    db.session.commit()
    page = client.get(f"/sessions/{session.id}/feedback").get_data(as_text=True)
    assert "This session was cancelled, so it cannot have a feedback form." in page
    assert "Set up the feedback form" not in page
    response = post_form(f"/sessions/{session.id}/feedback/set-up", form_url=f"/sessions/{session.id}/feedback")
    assert response.status_code == 302
    assert db.session.query(FeedbackForm).count() == 0


def test_only_coordinators_and_above_manage_feedback(client, login_as, db):
    form = FeedbackFormFactory()
    db.session.commit()
    login_as(Role.CHAMPION)
    assert client.get(f"/sessions/{form.session_id}/feedback").status_code == 403
    assert client.get(f"/sessions/{form.session_id}/feedback/results").status_code == 403
    assert "Feedback form and results" not in client.get(f"/sessions/{form.session_id}").get_data(as_text=True)
    login_as(Role.COORDINATOR)
    assert "Feedback form and results" in client.get(f"/sessions/{form.session_id}").get_data(as_text=True)
    assert client.get(f"/sessions/{form.session_id}/feedback").status_code == 200


def test_a_topic_of_another_session_is_not_found(client, coordinator, db, post_form):
    mine = FeedbackFormFactory()
    other = FeedbackFormFactory()
    db.session.commit()
    url = f"/sessions/{mine.session_id}/feedback/topics/{other.topics[0].id}"
    assert client.get(url).status_code == 404
    assert post_form(f"{url}/remove", form_url=f"/sessions/{mine.session_id}/feedback").status_code == 404
    assert len(other.topics) == 2
