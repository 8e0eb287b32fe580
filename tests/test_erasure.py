"""Erasure: anonymising a person removes everything that identifies them, keeps the statistics,
cannot be undone, is confirmed and audited without the erased values."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import func, select

from crm import create_app
from crm.config import TestConfig
from crm.extensions import db
from crm.models import (
    Affiliation,
    AuditEvent,
    Consent,
    Contribution,
    EqualityMonitoring,
    OutboxMessage,
    Participation,
    Person,
    Session,
    Ward,
    person_tags,
)
from crm.models.enums import (
    AgeBand,
    AuditAction,
    ContributionKind,
    FollowUpStatus,
    MessageKind,
    MessageStatus,
    ParticipationSource,
    ParticipationStatus,
    PersonType,
    Role,
)
from crm.periods import Period
from crm.queries.participation_report import participation_report
from crm.services.erasure import HANDLED, erase_person
from crm.services.errors import InvalidInput
from crm.services.invitations import invite_people
from crm.services.subject_access import collect, linked_tables
from crm.services.users import create_api_token
from tests.conftest import csrf_token
from tests.factories import ConsentFactory, OrganisationFactory, PersonFactory, SessionFactory, TagFactory, UserFactory

# Every identifying value the fixture gives the person; none may survive anonymisation.
SECRETS = (
    "Marguerite",
    "Featherstonehaugh",
    "Maggie",
    "marguerite.f@example.com",
    "+447700900321",
    "SS1 2AB",
    "Lives with her mum on Elm Road",
    "Wheelchair user",
    "No nuts",
    "Portuguese",
    "Lead midwife",
    "Nursery rhymes in Portuguese",
    "Ages 2 and 4",
    "Running late, sorry",
    "Dear Maggie",
    "Marguerite's own words",
    "Featherstonehaugh Trust",
)


@pytest.fixture
def person(db):
    ward = db.session.scalar(select(Ward).order_by(Ward.id))
    person = PersonFactory(
        first_name="Marguerite",
        last_name="Featherstonehaugh",
        preferred_name="Maggie",
        email="marguerite.f@example.com",
        phone="+447700900321",
        postcode="SS1 2AB",
        notes="Lives with her mum on Elm Road",
        other_needs="Wheelchair user",
        needs_step_free=True,
        dietary_needs="No nuts",
        interpreter_language="Portuguese",
        ward_id=ward.id,
        types=[PersonType.PARENT_CHAMPION, PersonType.VOLUNTEER],
    )
    person.tags = [TagFactory(name="Nursery rhymes")]
    organisation = OrganisationFactory(name="Southend Hospital")
    db.session.add(Affiliation(person_id=person.id, organisation_id=organisation.id, job_title="Lead midwife"))
    ConsentFactory(person=person, wording="Marguerite's own words")
    ConsentFactory(person=person, purpose="sharing", partner_name="Featherstonehaugh Trust", wording="Share")
    db.session.add(EqualityMonitoring(person_id=person.id, age_band=AgeBand.AGE_35_44))
    for day, status in ((dt.date(2025, 5, 6), ParticipationStatus.ATTENDED), (dt.date(2025, 9, 2), "no_show")):
        session = SessionFactory(date=day)
        participation = Participation(
            session_id=session.id,
            person_id=person.id,
            status=status,
            source=ParticipationSource.REGISTER,
            minutes=90,
            creche_children=2,
            creche_ages="Ages 2 and 4",
            reply_note="Running late, sorry",
        )
        db.session.add(participation)
        db.session.flush()
    db.session.add(
        Contribution(
            participation_id=participation.id,
            kind=ContributionKind.IDEA,
            summary="Nursery rhymes in Portuguese",
            follow_up=FollowUpStatus.ACTED_ON,
            follow_up_note="Added the rhymes Ana sang to the welcome pack",
        )
    )
    future = SessionFactory()
    db.session.add(
        OutboxMessage(
            kind=MessageKind.INVITATION,
            person_id=person.id,
            session_id=future.id,
            to_address=person.email,
            subject="You're invited",
            body_text="Dear Maggie, come along",
        )
    )
    # Someone else at the same session, who must be untouched.
    other = PersonFactory(first_name="Untouched", email="untouched@example.com", notes="Keep me")
    db.session.add(
        Participation(
            session_id=session.id,
            person_id=other.id,
            status=ParticipationStatus.ATTENDED,
            source=ParticipationSource.REGISTER,
            reply_note="Other's note",
        )
    )
    db.session.commit()
    return person


def attended_counts(db):
    """Attended participations per session, person type and ward: what the statistics count."""
    from crm.models import PersonTypeLink

    return sorted(
        db.session.execute(
            select(
                Participation.session_id,
                PersonTypeLink.type,
                Person.ward_id,
                func.count(),
                func.sum(Participation.minutes),
            )
            .join(Person, Person.id == Participation.person_id)
            .join(PersonTypeLink, PersonTypeLink.person_id == Person.id)
            .group_by(Participation.session_id, PersonTypeLink.type, Person.ward_id, Participation.status)
        ).all()
    )


def test_an_anonymised_name_leaves_nothing_in_sqlites_search_index(fresh_database_url):
    """SQLite's full-text index keeps a removed name's trigrams, marked deleted, until its parts
    are merged: anonymising merges them, so not one trigram of the old name is left. (Real
    commits in a database of its own: within one transaction SQLite never writes them.)"""
    if not fresh_database_url.startswith("sqlite"):
        pytest.skip("SQLite's full-text table; PostgreSQL's index is kept by PostgreSQL")
    app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=fresh_database_url))
    trigrams = [b"qzj", b"zjx", b"jxk", b"xkv", b"wqp", b"qpm", b"pmv", b"mvb"]

    def left() -> list[bytes]:
        blocks = b"".join(block or b"" for block in db.session.scalars(sa.text("SELECT block FROM people_search_data")))
        return [trigram for trigram in trigrams if trigram in blocks]

    with app.app_context():
        upgrade()
        # Enough people that SQLite does not happen to merge the index's parts on the next write.
        db.session.execute(sa.insert(Person), [{"first_name": f"Someone{n}", "last_name": "Else"} for n in range(3000)])
        person = Person(first_name="Qzjxkv", last_name="Wqpmvb")
        db.session.add(person)
        admin = UserFactory(role=Role.ADMIN)
        db.session.commit()
        assert left()  # the index holds the name
        erase_person(person, admin)
        db.session.commit()
        assert left() == []
        db.engine.dispose()


def test_every_table_linking_to_people_has_an_erasure_rule():
    found = {link.table.name for link in linked_tables()}
    assert sorted(found - set(HANDLED)) == [], "Decide what anonymisation does to these tables (HANDLED in erasure.py)"


def test_nothing_identifying_survives_and_the_statistics_do_not_change(db, person):
    period = Period.of(2025, "calendar")
    report_before = participation_report(period)
    counts_before = attended_counts(db)
    assert report_before["attendances"] == 2 and report_before["by_organisation"] == {"Southend Hospital": 1}

    erase_person(person, UserFactory(role=Role.ADMIN))
    db.session.commit()

    assert participation_report(period) == report_before
    assert attended_counts(db) == counts_before
    exported = json.dumps(collect(person).as_json())
    for secret in SECRETS:
        assert secret not in exported, secret
    db.session.refresh(person)
    assert person.full_name == "Anonymised person" and person.erased_at is not None
    assert person.types == [PersonType.PARENT_CHAMPION, PersonType.VOLUNTEER]
    assert person.ward_id is not None
    assert db.session.get(EqualityMonitoring, person.id) is None
    assert (
        db.session.scalar(select(func.count()).select_from(person_tags).where(person_tags.c.person_id == person.id))
        == 0
    )
    consents = db.session.scalars(select(Consent).where(Consent.person_id == person.id)).all()
    assert all(c.withdrawn_at is not None and c.partner_name is None for c in consents)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.person_id == person.id))
    assert message.status == MessageStatus.FAILED and message.to_address == ""
    contribution = db.session.scalar(select(Contribution))
    assert contribution.kind == ContributionKind.IDEA and contribution.follow_up == FollowUpStatus.ACTED_ON
    assert contribution.follow_up_note is None
    participations = db.session.scalars(select(Participation).where(Participation.person_id == person.id)).all()
    assert sorted((p.status.value, p.minutes, p.creche_children) for p in participations) == [
        ("attended", 90, 2),
        ("no_show", 90, 2),
    ]
    # The other person at the session is untouched.
    other = db.session.scalar(select(Person).where(Person.first_name == "Untouched"))
    assert other.notes == "Keep me" and other.email == "untouched@example.com"
    assert (
        db.session.scalar(select(Participation.reply_note).where(Participation.person_id == other.id)) == "Other's note"
    )


def test_the_confirmation_page_needs_the_typed_word(client, login_as, post_form, db, person):
    user = login_as(Role.ADMIN)
    profile = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert f'href="/people/{person.id}/anonymise">Anonymise this person</a>' in profile
    page = client.get(f"/people/{person.id}/anonymise").get_data(as_text=True)
    assert "This cannot be undone." in page and "Type ANONYMISE to confirm" in page

    wrong = post_form(f"/people/{person.id}/anonymise", {"confirm": "yes please"})
    assert "Type ANONYMISE in capitals to confirm" in wrong.get_data(as_text=True)
    assert db.session.get(Person, person.id).erased_at is None

    done = post_form(f"/people/{person.id}/anonymise", {"confirm": "ANONYMISE"})
    assert done.status_code == 302
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "The person has been anonymised" in shown
    assert "Anonymised person" in shown and "Marguerite" not in shown
    assert "Edit details" not in shown and "Record consent" not in shown
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.ERASE)).all()
    assert [(e.user_id, e.entity_type, e.entity_id) for e in events] == [(user.id, "people", person.id)]
    assert "first_name" in events[0].changed_fields and "email" in events[0].changed_fields
    recorded = json.dumps([e.changed_fields for e in events]) + (events[0].detail or "")
    assert not any(secret in recorded for secret in SECRETS)
    # Asking again only says it is done.
    again = client.get(f"/people/{person.id}/anonymise", follow_redirects=True).get_data(as_text=True)
    assert "already been anonymised" in again


def test_an_anonymised_person_cannot_be_found_edited_or_invited(client, login_as, people_search, db, person):
    erase_person(person, None)
    db.session.commit()
    login_as(Role.ADMIN)
    for old in ("Featherstonehaugh", "Marguerite", "marguerite.f@example.com", "07700 900321"):
        assert "Anonymised person" not in people_search(old).get_data(as_text=True), old
    assert "Anonymised person" in people_search("Anonymised").get_data(as_text=True)
    edit = client.get(f"/people/{person.id}/edit", follow_redirects=True).get_data(as_text=True)
    assert "This person has been anonymised, so their record cannot be changed." in edit
    token = create_api_token(UserFactory(role=Role.ADMIN))
    db.session.commit()
    patched = client.patch(
        f"/api/v1/people/{person.id}", json={"first_name": "Marguerite"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert patched.status_code == 422
    assert db.session.get(Person, person.id).first_name == "Anonymised"
    result = invite_people(SessionFactory(), [person.id], UserFactory(role=Role.COORDINATOR))
    assert result.invited == 0 and [c.name for c in result.no_consent] == ["Anonymised person"]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.COORDINATOR])
def test_only_admins_can_anonymise(client, login_as, db, person, role):
    login_as(role)
    assert client.get(f"/people/{person.id}/anonymise").status_code == 403
    assert "Anonymise this person" not in client.get(f"/people/{person.id}").get_data(as_text=True)


def test_anonymising_without_a_csrf_token_is_refused(client, login_as, db, person):
    login_as(Role.ADMIN)
    assert client.post(f"/people/{person.id}/anonymise", data={"confirm": "ANONYMISE"}).status_code == 400
    assert db.session.get(Person, person.id).erased_at is None


def test_erase_person_command_needs_yes(runner, db, person):
    refused = runner.invoke(args=["crm", "erase-person", str(person.id)])
    assert refused.exit_code == 1 and "Run again with --yes" in refused.output
    assert db.session.get(Person, person.id).erased_at is None

    done = runner.invoke(args=["crm", "erase-person", str(person.id), "--yes"])
    assert done.exit_code == 0, done.output
    assert f"Person {person.id} has been anonymised" in done.output
    db.session.expire_all()
    assert db.session.get(Person, person.id).full_name == "Anonymised person"
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == AuditAction.ERASE))
    assert audit.user_id is None and "command line" in audit.detail

    twice = runner.invoke(args=["crm", "erase-person", str(person.id), "--yes"])
    assert twice.exit_code == 1 and "already been anonymised" in twice.output
    missing = runner.invoke(args=["crm", "erase-person", "987654321", "--yes"])
    assert missing.exit_code == 1 and "no person with id 987654321" in missing.output


def test_erasing_twice_is_refused(db, person):
    erase_person(person, None)
    db.session.refresh(person)
    with pytest.raises(InvalidInput, match="already been anonymised"):
        erase_person(person, None)


def test_an_anonymised_persons_equality_page_has_nothing_to_show_or_record(client, login_as, post_form, db, person):
    erase_person(person, None)
    db.session.commit()
    login_as(Role.MANAGER)
    page = client.get(f"/people/{person.id}/equality").get_data(as_text=True)
    assert "Their equality monitoring answers were deleted" in page and "Save answers" not in page
    profile = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "Equality monitoring" not in profile and "Subject access export" in profile
    response = client.post(
        f"/people/{person.id}/equality",
        data={"csrf_token": csrf_token(client.get(f"/people/{person.id}")), "gender": "man"},
    )
    assert "nothing about them can be recorded" in response.get_data(as_text=True)
    assert db.session.get(EqualityMonitoring, person.id) is None


def test_feedback_signed_with_the_persons_name_is_in_their_export_and_unsigned_by_erasure(db, person):
    from crm.models import FeedbackRating, FeedbackResponse
    from tests.factories import FeedbackFormFactory

    session_id = db.session.scalar(select(Participation.session_id).where(Participation.person_id == person.id))
    theirs = FeedbackFormFactory(session=db.session.get(Session, session_id))
    elsewhere = FeedbackFormFactory()  # a session they were not at
    signed = [
        FeedbackResponse(form_id=form.id, respondent_name=name, take_away=f"Answer {number}")
        for number, (form, name) in enumerate(
            (
                (theirs, "Marguerite Featherstonehaugh"),
                (theirs, "  maggie FEATHERSTONEHAUGH. "),
                (theirs, "Marguerite"),
                (theirs, "Jo Featherstonehaugh"),
                (theirs, None),
                (elsewhere, "Marguerite Featherstonehaugh"),
            )
        )
    ]
    db.session.add_all(signed)
    db.session.flush()
    topic = theirs.topics[0]
    db.session.add(FeedbackRating(response_id=signed[0].id, topic_id=topic.id, knowledge_before=2, knowledge_after=4))
    # Someone with no last name: a first name alone is never taken as theirs.
    sam = PersonFactory(first_name="Sam", last_name="", preferred_name=None)
    db.session.add(
        Participation(
            session_id=session_id,
            person_id=sam.id,
            status=ParticipationStatus.ATTENDED,
            source=ParticipationSource.REGISTER,
        )
    )
    only_first = FeedbackResponse(form_id=theirs.id, respondent_name="Sam", take_away="Sam's answer")
    db.session.add(only_first)
    db.session.commit()

    export = {section["table"]: section for section in collect(person).as_json()["sections"]}
    rows = export["feedback_responses"]["rows"]
    assert [row["take_away"] for row in rows] == ["Answer 0", "Answer 1"]
    assert rows[0]["session"].startswith(db.session.get(Session, session_id).title)
    assert rows[0]["ratings"] == [{"topic": topic.label, "knowledge_before": 2, "knowledge_after": 4}]
    assert "signed" in export["feedback_responses"]["title"]
    sams = {section["table"]: section for section in collect(sam).as_json()["sections"]}
    assert sams["feedback_responses"]["rows"] == []

    erase_person(person, UserFactory(role=Role.ADMIN))
    erase_person(sam, UserFactory(role=Role.ADMIN))
    db.session.commit()
    db.session.expire_all()
    # Their full and preferred names are gone from what they signed at their session; the answers
    # stay. A first name alone, someone else's name, or a form for a session they were not at is
    # not theirs to remove.
    assert [(r.respondent_name, r.take_away) for r in signed] == [
        (None, "Answer 0"),
        (None, "Answer 1"),
        ("Marguerite", "Answer 2"),
        ("Jo Featherstonehaugh", "Answer 3"),
        (None, "Answer 4"),
        ("Marguerite Featherstonehaugh", "Answer 5"),
    ]
    assert only_first.respondent_name == "Sam"
    erased = db.session.scalar(select(AuditEvent.changed_fields).where(AuditEvent.action == AuditAction.ERASE).limit(1))
    assert "feedback_signatures" in erased
