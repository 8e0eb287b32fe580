"""The public reply page: signed personal links, replies, needs, tampered and expired links."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from crm import invitation_links
from crm.invitation_links import make_reply_token
from crm.models import AuditEvent, Participation
from crm.models.base import utcnow
from crm.models.enums import ParticipationStatus, ReplyAnswer
from crm.services.invitations import invite_people
from tests.conftest import csrf_token
from tests.factories import ConsentFactory, PersonFactory, SessionFactory, UserFactory


@pytest.fixture
def invitation(db):
    """A person invited to a session with a creche; returns (session, person, participation, url)."""
    session = SessionFactory(title="Baby talk workshop", creche_places=6, location="Milton Hall")
    person = PersonFactory(first_name="Leila", last_name="Rahman", email="leila@example.com")
    ConsentFactory(person=person)
    invite_people(session, [person.id], UserFactory())
    participation = db.session.scalar(select(Participation).where(Participation.person_id == person.id))
    db.session.commit()
    return session, person, participation, f"/reply/{make_reply_token(participation.id)}"


def reply(client, url, **data):
    page = client.get(url)
    return client.post(url, data={"csrf_token": csrf_token(page), **data})


def test_the_reply_page_shows_the_session_and_only_the_first_name(client, invitation):
    session, person, _, url = invitation
    page = client.get(url).get_data(as_text=True)
    assert "Hello Leila, can you come?" in page
    assert "Baby talk workshop" in page and "Milton Hall" in page
    assert "Rahman" not in page and "leila@example.com" not in page


def test_replying_yes_registers_and_records_needs(client, invitation, db):
    session, person, participation, url = invitation
    response = reply(
        client,
        url,
        answer="yes",
        creche_children="2",
        creche_ages="2 and 4",
        step_free="y",
        interpreter_language="Bengali",
        dietary_needs="Halal",
        note="Looking forward to it",
    )
    assert "Thank you, Leila: you are coming" in response.get_data(as_text=True)
    db.session.refresh(participation)
    db.session.refresh(person)
    assert participation.status == ParticipationStatus.REGISTERED
    assert participation.reply == ReplyAnswer.YES
    assert (participation.creche_children, participation.creche_ages) == (2, "2 and 4")
    assert participation.reply_note == "Looking forward to it"
    assert participation.replied_at is not None
    assert person.needs_creche and person.needs_step_free
    assert (person.interpreter_language, person.dietary_needs) == ("Bengali", "Halal")
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "participations", AuditEvent.detail == "reply via link")
    ).one()
    assert audit.action.value == "update" and audit.user_id is None
    assert {"status", "reply", "creche_children", "replied_at"} <= set(audit.changed_fields)


def test_replying_again_updates_the_same_participation(client, invitation, db):
    session, person, participation, url = invitation
    reply(client, url, answer="yes", creche_children="1", creche_ages="3")
    second = reply(client, url, answer="no")
    assert "sorry you cannot come" in second.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Participation.id)).where(Participation.session_id == session.id)) == 1
    db.session.refresh(participation)
    assert participation.status == ParticipationStatus.DECLINED
    assert (participation.reply, participation.creche_children) == (ReplyAnswer.NO, 0)
    assert "You replied" in client.get(url).get_data(as_text=True)

    reply(client, url, answer="maybe")
    db.session.refresh(participation)
    assert (participation.status, participation.reply) == (ParticipationStatus.INVITED, ReplyAnswer.MAYBE)


def test_needs_are_added_to_never_blanked(client, invitation, db):
    _, person, _, url = invitation
    person.interpreter_language = "Polish"
    person.other_needs = "Hearing loop"
    person.dietary_needs = "Vegetarian"
    person.needs_step_free = True
    db.session.commit()

    reply(client, url, answer="yes", creche_children="0", other_needs="A quiet room", dietary_needs="")

    db.session.refresh(person)
    assert person.interpreter_language == "Polish"
    assert person.needs_step_free is True
    assert person.other_needs == "Hearing loop\nA quiet room"
    assert person.dietary_needs == "Vegetarian"
    assert person.needs_creche is False


def test_bad_answers_show_a_message_and_change_nothing(client, invitation, db):
    _, person, participation, url = invitation
    too_many = reply(client, url, answer="yes", creche_children="9")
    no_ages = reply(client, url, answer="yes", creche_children="2")
    no_answer = reply(client, url)
    assert "Enter a number of children from 0 to 6" in too_many.get_data(as_text=True)
    assert "Enter the ages of the children" in no_ages.get_data(as_text=True)
    assert "Tell us whether you can come" in no_answer.get_data(as_text=True)
    db.session.refresh(participation)
    assert (participation.status, participation.reply) == (ParticipationStatus.INVITED, None)


def test_a_tampered_link_gets_a_clear_page(client, invitation):
    *_, url = invitation
    tampered = url[:-3] + ("aaa" if not url.endswith("aaa") else "bbb")
    response = client.get(tampered)
    assert response.status_code == 400
    assert "This link does not work" in response.get_data(as_text=True)
    assert client.get("/reply/not-a-token").status_code == 400


def test_a_link_expires_after_the_session_day(client, invitation, monkeypatch, db):
    session, _, participation, url = invitation
    monkeypatch.setattr(invitation_links, "today", lambda: session.date)
    assert client.get(url).status_code == 200

    monkeypatch.setattr(invitation_links, "today", lambda: session.date + dt.timedelta(days=1))
    response = client.get(url)
    assert response.status_code == 410
    assert "This link has expired" in response.get_data(as_text=True)
    assert client.post(url, data={"answer": "yes"}).status_code in (400, 410)
    db.session.refresh(participation)
    assert participation.reply is None


def test_an_old_signature_expires_too(client, invitation, monkeypatch):
    *_, url = invitation
    monkeypatch.setattr(invitation_links, "MAX_AGE", -1)
    assert client.get(url).status_code == 410


def test_a_cancelled_session_says_so(client, invitation, db):
    session, _, participation, url = invitation
    session.cancelled_at = utcnow()
    db.session.commit()
    page = client.get(url)
    assert page.status_code == 200
    assert "this session has been cancelled" in page.get_data(as_text=True)
    assert 'name="answer"' not in page.get_data(as_text=True)


def test_replies_need_a_csrf_token_and_are_rate_limited(client, invitation, db):
    *_, url = invitation
    assert client.post(url, data={"answer": "yes"}).status_code == 400
    statuses = [client.get(url).status_code for _ in range(25)]
    assert statuses.count(429) >= 1
    limited = client.get(url)
    assert limited.status_code == 429
    page = limited.get_data(as_text=True)
    assert "Too many attempts" in page
    assert "too many replies from your connection. Wait an hour and try again." in page
