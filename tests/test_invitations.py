"""Inviting people to a session: who gets a participation, who gets an email, who to phone."""

from __future__ import annotations

import datetime as dt

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from crm.invitation_links import load_reply_target
from crm.models import AuditEvent, OutboxMessage, Participation
from crm.models.base import utcnow
from crm.models.enums import (
    MessageKind,
    MessageStatus,
    ParticipationSource,
    ParticipationStatus,
    PersonType,
    ReplyAnswer,
    Role,
)
from crm.services.errors import InvalidInput
from crm.services.invitations import invite_people
from tests.conftest import count_queries, csrf_token
from tests.factories import ConsentFactory, PersonFactory, SessionFactory, UserFactory


def consenting(**kwargs):
    person = PersonFactory(**kwargs)
    ConsentFactory(person=person)
    return person


def participations(db, session):
    return {
        p.person_id: p for p in db.session.scalars(select(Participation).where(Participation.session_id == session.id))
    }


def messages(db, **filters):
    return db.session.scalars(select(OutboxMessage).filter_by(**filters).order_by(OutboxMessage.id)).all()


def test_invite_emails_those_who_consent_lists_phones_and_leaves_out_those_without_consent(db):
    actor = UserFactory(role=Role.COORDINATOR)
    session = SessionFactory(title="Talking with toddlers")
    emailable = consenting(first_name="Amira", last_name="Khan", email="amira@example.com")
    no_consent = PersonFactory(first_name="Ben", last_name="Osei", email="ben@example.com", phone="+447700900123")
    no_email = consenting(first_name="Cara", last_name="Doyle", email=None, phone="+447700900789")
    withdrawn = PersonFactory(first_name="Dev", last_name="Patel", phone="+447700900456")
    ConsentFactory(person=withdrawn, withdrawn_at=utcnow())

    result = invite_people(session, [emailable.id, no_consent.id, no_email.id, withdrawn.id], actor)

    assert (result.invited, result.emailed, result.already_on_list) == (2, 1, 0)
    assert [(c.name, c.phone) for c in result.to_phone] == [("Cara Doyle", "+447700900789")]
    # No current consent to contact: not invited at all, by email or by phone.
    assert [c.name for c in result.no_consent] == ["Ben Osei", "Dev Patel"]
    rows = participations(db, session)
    assert set(rows) == {emailable.id, no_email.id}
    assert {p.status for p in rows.values()} == {ParticipationStatus.INVITED}
    assert all(p.invited_at is not None for p in rows.values())
    sent = messages(db, session_id=session.id)
    assert [(m.person_id, m.kind, m.status, m.to_address) for m in sent] == [
        (emailable.id, MessageKind.INVITATION, MessageStatus.QUEUED, "amira@example.com")
    ]
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "participations")).all()
    assert len(audit) == 1
    assert "2 invited" in audit[0].detail and "1 by email" in audit[0].detail
    assert "2 not invited (no consent)" in audit[0].detail
    assert "Amira" not in audit[0].detail and "Khan" not in audit[0].detail


def test_inviting_again_never_duplicates_or_downgrades(db):
    actor = UserFactory(role=Role.COORDINATOR)
    session = SessionFactory()
    invited = consenting()
    registered = consenting()
    declined = consenting()
    for person, status in ((registered, ParticipationStatus.REGISTERED), (declined, ParticipationStatus.DECLINED)):
        db.session.add(
            Participation(session_id=session.id, person_id=person.id, status=status, source=ParticipationSource.MANUAL)
        )
    db.session.flush()

    first = invite_people(session, [invited.id, registered.id, declined.id], actor)
    second = invite_people(session, [invited.id, registered.id, declined.id, invited.id], actor)

    assert (first.invited, first.emailed, first.already_on_list) == (1, 1, 2)
    assert (second.invited, second.emailed, second.already_on_list) == (0, 0, 3)
    rows = participations(db, session)
    assert len(rows) == 3
    assert rows[registered.id].status == ParticipationStatus.REGISTERED
    assert rows[declined.id].status == ParticipationStatus.DECLINED
    assert rows[registered.id].invited_at is None
    assert len(messages(db, session_id=session.id)) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cancelled_at": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)}, "was cancelled"),
        ({"date": dt.date.today() - dt.timedelta(days=1)}, "already taken place"),
    ],
)
def test_cancelled_and_past_sessions_are_refused(db, changes, message):
    session = SessionFactory(**changes)
    person = consenting()
    with pytest.raises(InvalidInput) as error:
        invite_people(session, [person.id], UserFactory())
    assert message in error.value.message
    assert participations(db, session) == {}
    assert messages(db) == []


def test_the_email_carries_the_session_details_wording_and_reply_link(db, app):
    session = SessionFactory(
        title="Speech & language",
        date=dt.date(2099, 3, 2),
        location="Kursaal Library",
        creche_places=8,
        invitation_subject="Come and shape our <speech> service",
        invitation_text="We are redesigning <b>speech</b> support.\nYour views matter.",
    )
    person = consenting(first_name="Jo", preferred_name="Joanne")
    invite_people(session, [person.id], UserFactory())
    (message,) = messages(db)
    assert message.subject == "Come and shape our <speech> service"
    assert "Hello Joanne," in message.body_text
    assert "We are redesigning <b>speech</b> support." in message.body_text
    assert "Monday 2 March 2099, 10am to 12pm" in message.body_text
    assert "Where: Kursaal Library" in message.body_text
    assert "A free creche is available (8 places)" in message.body_text
    assert f"{app.config['BASE_URL']}/reply/" in message.body_text
    assert "&lt;b&gt;speech&lt;/b&gt;" in message.body_html and "<b>speech" not in message.body_html
    assert "Speech &amp; language" in message.body_html
    assert "/reply/" in message.body_html


def test_standard_wording_is_used_when_the_session_has_none(db):
    session = SessionFactory(
        title="Healthy eating panel", creche_places=0, location=None, meeting_link="https://meet.example/x"
    )
    invite_people(session, [consenting().id], UserFactory())
    (message,) = messages(db)
    assert message.subject == "You're invited: Healthy eating panel"
    assert "We would like to invite you to Healthy eating panel." in message.body_text
    assert "Online: https://meet.example/x" in message.body_text
    assert "There is no creche at this session." in message.body_text


def test_invite_from_the_results_shows_what_happened(client, login_as, post_form, db):
    login_as(Role.COORDINATOR)
    session = SessionFactory(title="Dads' voices")
    emailable = consenting(first_name="Sam", last_name="Hill")
    phone_only = consenting(first_name="Ravi", last_name="Shah", email=None, phone="+447700900123")
    db.session.commit()

    response = post_form(
        "/find/invite",
        {"session_id": session.id, "person_id": [emailable.id, phone_only.id]},
        form_url=f"/sessions/{session.id}/invitations",
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Invited 2 people" in page
    assert "Ravi Shah" in page and "07700 900123" in page
    assert "Sam Hill" not in page  # emailed, not on the phone list
    assert len(participations(db, session)) == 2
    assert len(messages(db, session_id=session.id)) == 1


def test_invite_everyone_a_filter_matches(client, login_as, post_form, db):
    login_as(Role.COORDINATOR)
    session = SessionFactory()
    champion = consenting(types=[PersonType.PARENT_CHAMPION])
    other = consenting(types=[PersonType.PROFESSIONAL])
    db.session.commit()

    response = post_form(
        "/find/invite",
        {"session_id": session.id, "all": "1", "type": "parent_champion"},
        form_url=f"/sessions/{session.id}/invitations",
    )

    assert "Invited 1 person" in response.get_data(as_text=True)
    assert set(participations(db, session)) == {champion.id}
    assert other.id not in participations(db, session)


def test_invite_with_nobody_chosen_or_a_bad_filter_writes_nothing(client, login_as, post_form, db):
    login_as(Role.COORDINATOR)
    session = SessionFactory()
    db.session.commit()
    url = f"/sessions/{session.id}/invitations"

    nobody = post_form("/find/invite", {"session_id": session.id}, form_url=url)
    bad_filter = post_form("/find/invite", {"session_id": session.id, "all": "1", "type": "wizard"}, form_url=url)
    no_session = post_form("/find/invite", {"person_id": consenting().id}, form_url=url)

    assert "Choose at least one person to invite." in nobody.get_data(as_text=True)
    assert "The search filters are not valid" in bad_filter.get_data(as_text=True)
    assert "Choose the session to invite people to." in no_session.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Participation.id))) == 0
    assert messages(db) == []


def test_a_champion_may_not_invite(client, login_as, db):
    login_as(Role.CHAMPION)
    session = SessionFactory()
    db.session.commit()
    assert client.get(f"/sessions/{session.id}/invitations").status_code == 403


def test_invitations_page_shows_replies_capacity_creche_and_the_phone_list(client, login_as, db):
    actor = login_as(Role.COORDINATOR)
    session = SessionFactory(capacity=10, creche_places=4)
    yes = consenting(first_name="Yara", last_name="Ali")
    phone = consenting(first_name="Pat", last_name="Jones", email=None, phone="+447700900999")
    invite_people(session, [yes.id, phone.id], actor)
    rows = participations(db, session)
    rows[yes.id].reply = ReplyAnswer.YES
    rows[yes.id].replied_at = utcnow()
    rows[yes.id].creche_children = 3
    rows[yes.id].status = ParticipationStatus.REGISTERED
    db.session.commit()

    page = client.get(f"/sessions/{session.id}/invitations").get_data(as_text=True)

    assert "1 of 10 places" in page
    assert "3 of 4 available" in page
    assert "Yes, I&#39;ll come" in page or "Yes, I'll come" in page
    assert "Pat Jones: 07700 900999" in page
    assert "Send a reminder to the" not in page  # the only emailed person has replied


def test_reminder_goes_once_to_people_who_have_not_replied(client, login_as, post_form, db):
    actor = login_as(Role.COORDINATOR)
    session = SessionFactory()
    waiting = consenting()
    replied = consenting()
    phone_only = PersonFactory()
    invite_people(session, [waiting.id, replied.id, phone_only.id], actor)
    participations(db, session)[replied.id].reply = ReplyAnswer.NO
    db.session.commit()
    url = f"/sessions/{session.id}/invitations"
    assert "Send a reminder to the 1 person who have not replied" in client.get(url).get_data(as_text=True)

    first = post_form(f"{url}/remind", form_url=url, follow_redirects=True)
    second = post_form(f"{url}/remind", form_url=url, follow_redirects=True)

    assert "Reminder queued for 1 person." in first.get_data(as_text=True)
    assert "No reminders sent." in second.get_data(as_text=True)
    reminders = messages(db, kind=MessageKind.REMINDER)
    assert [m.person_id for m in reminders] == [waiting.id]
    assert reminders[0].subject.startswith("Reminder:")
    assert participations(db, session)[waiting.id].reminded_at is not None


def test_wording_can_be_changed_and_reset_to_standard(client, login_as, post_form, db):
    login_as(Role.COORDINATOR)
    session = SessionFactory()
    db.session.commit()
    url = f"/sessions/{session.id}/invitations/wording"

    saved = post_form(url, {"invitation_subject": "Join us", "invitation_text": "Please come."}, follow_redirects=True)
    db.session.refresh(session)
    assert "Invitation wording saved." in saved.get_data(as_text=True)
    assert (session.invitation_subject, session.invitation_text) == ("Join us", "Please come.")

    too_long = post_form(url, {"invitation_subject": "x" * 201})
    assert "Subject must be 200 characters or fewer" in too_long.get_data(as_text=True)

    post_form(url, {"invitation_subject": "", "invitation_text": "  "})
    db.session.refresh(session)
    assert (session.invitation_subject, session.invitation_text) == (None, None)


def test_the_invitations_page_makes_as_many_queries_for_30_invitees_as_for_3(client, login_as, db):
    actor = login_as(Role.COORDINATOR)
    session = SessionFactory(date=dt.date.today() + dt.timedelta(days=10), creche_places=4)

    def add(count: int) -> None:
        people = [
            consenting(first_name=f"Invitee{n}", email=f"invitee{n}-{session.id}@example.com")
            if n % 3
            else consenting(first_name=f"Invitee{n}", email=None, phone="07400 123456")
            for n in range(len(participations(db, session)), len(participations(db, session)) + count)
        ]
        invite_people(session, [person.id for person in people], actor)
        db.session.commit()

    def open_page() -> None:
        page = client.get(f"/sessions/{session.id}/invitations")
        assert page.status_code == 200

    add(3)
    with_three = count_queries(db, open_page)
    add(27)
    with_thirty = count_queries(db, open_page)
    assert with_three == with_thirty
    page = client.get(f"/sessions/{session.id}/invitations").get_data(as_text=True)
    assert page.count("Not replied") >= 30


def test_the_outbox_makes_as_many_queries_for_30_messages_as_for_3(client, login_as, db):
    actor = login_as(Role.COORDINATOR)
    sessions = [SessionFactory(date=dt.date.today() + dt.timedelta(days=days)) for days in (3, 6, 9)]
    made = 0

    def add(count: int) -> None:
        nonlocal made
        for n in range(made, made + count):
            person = consenting(email=f"outbox{n}@example.com")
            invite_people(sessions[n % len(sessions)], [person.id], actor)
        made += count
        db.session.commit()

    def open_outbox() -> None:
        assert client.get("/invitations/outbox?per_page=50").status_code == 200

    add(3)
    with_three = count_queries(db, open_outbox)
    add(27)
    with_thirty = count_queries(db, open_outbox)
    assert with_three == with_thirty
    page = client.get("/invitations/outbox?per_page=50").get_data(as_text=True)
    assert all(f"outbox{n}@example.com" in page for n in range(30))


def test_inviting_40_people_makes_as_many_statements_as_inviting_5(client, login_as, db):
    login_as(Role.COORDINATOR)

    def invite(count: int):
        """Invite `count` people from the find-people list: most are emailed, every fourth has
        no email (to phone), every fifth has not agreed to be contacted, one is already listed."""
        session = SessionFactory(title=f"Workshop for {count}")
        people = []
        for n in range(count):
            if n % 5 == 4:
                people.append(PersonFactory(first_name=f"Quiet{n}"))
            elif n % 4 == 3:
                people.append(consenting(first_name=f"Phone{n}", email=None, phone="+447700900321"))
            else:
                people.append(consenting(first_name=f"Mail{n}"))
        db.session.add(
            Participation(
                session_id=session.id,
                person_id=people[0].id,
                status=ParticipationStatus.REGISTERED,
                source=ParticipationSource.MANUAL,
            )
        )
        db.session.commit()
        token = csrf_token(client.get(f"/sessions/{session.id}/invitations"))
        data = {"csrf_token": token, "session_id": session.id, "person_id": [p.id for p in people]}
        responses = []
        statements = count_queries(db, lambda: responses.append(client.post("/find/invite", data=data)))
        return session, people, responses[0].get_data(as_text=True), statements

    few_session, few, few_page, with_five = invite(5)
    many_session, many, many_page, with_forty = invite(40)

    assert with_five == with_forty
    for session, people, page in ((few_session, few, few_page), (many_session, many, many_page)):
        emailed = [p for p in people[1:] if p.first_name.startswith("Mail")]
        to_phone = [p for p in people[1:] if p.first_name.startswith("Phone")]
        quiet = [p for p in people if p.first_name.startswith("Quiet")]
        assert f"Invited {len(emailed) + len(to_phone)} people" in page
        # As the page writes them: O'Brien is O&#39;Brien in the HTML.
        assert all(str(escape(p.full_name)) in page for p in to_phone + quiet)
        sent = messages(db, session_id=session.id)
        assert sorted(m.person_id for m in sent) == sorted(p.id for p in emailed)
        by_person = {m.person_id: m for m in sent}
        for person in emailed:
            message = by_person[person.id]
            assert message.to_address == person.email and message.status == MessageStatus.QUEUED
            assert f"Hello {person.first_name}," in message.body_text
            assert message.subject == f"You're invited: {session.title}"
            link = message.body_text.split("/reply/", 1)[1].split()[0]
            target = load_reply_target(link)
            assert (target.person.id, target.session.id) == (person.id, session.id)
        rows = participations(db, session)
        assert set(rows) == {p.id for p in people if p not in quiet}
        assert rows[people[0].id].status == ParticipationStatus.REGISTERED
        audit = db.session.scalar(
            select(AuditEvent.detail).where(
                AuditEvent.entity_type == "participations", AuditEvent.entity_id == session.id
            )
        )
        assert audit == (
            f"Invitations: {len(emailed) + len(to_phone)} invited ({len(emailed)} by email, {len(to_phone)} to phone), "
            f"1 already on the list, {len(quiet)} not invited (no consent)"
        )
