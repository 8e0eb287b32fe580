"""Merging two records of one person: what moves, what wins, what is recorded, and what is refused."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from crm.extensions import db as _db
from crm.models import (
    Affiliation,
    AuditEvent,
    Consent,
    Contribution,
    EqualityMonitoring,
    OutboxMessage,
    Participation,
    Person,
    PersonMerge,
    PersonTypeLink,
    person_tags,
)
from crm.models.enums import (
    AgeBand,
    AuditAction,
    ContributionKind,
    Gender,
    MessageKind,
    ParticipationSource,
    ParticipationStatus,
    PersonType,
    Role,
)
from crm.services import merge as merge_service
from crm.services.errors import Conflict
from crm.services.merge import merge_people
from crm.services.people import update_person
from tests.conftest import csrf_token
from tests.factories import ConsentFactory, OrganisationFactory, PersonFactory, SessionFactory, TagFactory, UserFactory


def _participation(person, session, status, minutes=None, **extra):
    row = Participation(
        person_id=person.id, session_id=session.id, status=status, source=ParticipationSource.MANUAL, minutes=minutes
    )
    for key, value in extra.items():
        setattr(row, key, value)
    _db.session.add(row)
    _db.session.flush()
    return row


def _contribution(participation, summary):
    row = Contribution(participation_id=participation.id, kind=ContributionKind.IDEA, summary=summary)
    _db.session.add(row)
    _db.session.flush()
    return row


def _count(db, model, **where):
    query = select(func.count()).select_from(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return db.session.scalar(query)


def test_every_table_that_refers_to_people_has_a_merge_rule():
    """A new table with a foreign key to people fails here until merge_people says what to do with it."""
    references = merge_service.references_to_people()
    assert ("participations", "person_id") in references
    assert merge_service.unhandled_references() == set(), "add a rule to REFERENCE_RULES in crm/services/merge.py"
    assert set(merge_service.REFERENCE_RULES) <= references, "a rule for a table that no longer refers to people"


def test_worked_example_attended_beats_no_show_in_the_same_session(db):
    """Jo was marked no-show on one record and attended (90 minutes, with an idea) on the other:
    after the merge there is one participation, attended, 90 minutes, with the idea."""
    actor = UserFactory(role=Role.MANAGER)
    keep, drop = PersonFactory(first_name="Jo"), PersonFactory(first_name="Joanne")
    workshop = SessionFactory()
    kept = _participation(keep, workshop, ParticipationStatus.NO_SHOW)
    _contribution(kept, "Earlier note")
    moved = _participation(drop, workshop, ParticipationStatus.ATTENDED, minutes=90)
    _contribution(moved, "Longer opening hours")
    result = merge_people(keep, drop, {}, actor)
    rows = db.session.scalars(select(Participation).where(Participation.session_id == workshop.id)).all()
    assert len(rows) == 1
    assert (rows[0].person_id, rows[0].status, rows[0].minutes) == (keep.id, ParticipationStatus.ATTENDED, 90)
    summaries = db.session.scalars(select(Contribution.summary).where(Contribution.participation_id == rows[0].id))
    assert sorted(summaries) == ["Earlier note", "Longer opening hours"]
    assert result.counts["participations_combined"] == 1


@pytest.mark.parametrize(
    ("mine", "theirs", "winner"),
    [
        (ParticipationStatus.APOLOGIES, ParticipationStatus.NO_SHOW, ParticipationStatus.APOLOGIES),
        (ParticipationStatus.INVITED, ParticipationStatus.REGISTERED, ParticipationStatus.REGISTERED),
        (ParticipationStatus.DECLINED, ParticipationStatus.INVITED, ParticipationStatus.INVITED),
        (ParticipationStatus.ATTENDED, ParticipationStatus.APOLOGIES, ParticipationStatus.ATTENDED),
    ],
)
def test_the_stronger_status_wins_and_the_larger_minutes_stay(db, mine, theirs, winner):
    keep, drop = PersonFactory(), PersonFactory()
    session = SessionFactory()
    _participation(keep, session, mine, minutes=30)
    _participation(drop, session, theirs, minutes=None)
    merge_people(keep, drop, {}, None)
    row = db.session.scalar(select(Participation).where(Participation.session_id == session.id))
    assert (row.status, row.minutes) == (winner, 30)


def test_everything_moves_to_the_survivor(db):
    actor = UserFactory(role=Role.MANAGER)
    keep = PersonFactory(types=[PersonType.PARENT_CARER])
    drop = PersonFactory(types=[PersonType.VOLUNTEER, PersonType.PARENT_CARER])
    shared_tag, their_tag = TagFactory(), TagFactory()
    keep.tags = [shared_tag]
    drop.tags = [shared_tag, their_tag]
    both_org, their_org = OrganisationFactory(), OrganisationFactory()
    db.session.add_all(
        [
            Affiliation(person_id=keep.id, organisation_id=both_org.id, job_title=None),
            Affiliation(person_id=drop.id, organisation_id=both_org.id, job_title="Family worker"),
            Affiliation(person_id=drop.id, organisation_id=their_org.id, job_title="Trustee"),
            EqualityMonitoring(person_id=drop.id, age_band=AgeBand.AGE_25_34, gender=Gender.WOMAN),
            OutboxMessage(
                kind=MessageKind.INVITATION, person_id=drop.id, to_address="x@example.com", subject="S", body_text="B"
            ),
        ]
    )
    ConsentFactory(person=drop)
    only_theirs = _participation(drop, SessionFactory(), ParticipationStatus.ATTENDED)
    _contribution(only_theirs, "A story")
    db.session.add(AuditEvent(action=AuditAction.UPDATE, entity_type="people", entity_id=drop.id, changed_fields=["x"]))
    earlier = PersonFactory()
    db.session.add(PersonMerge(merged_id=earlier.id + 1000, survivor_id=drop.id))
    db.session.flush()
    keep_id, drop_id = keep.id, drop.id

    result = merge_people(keep, drop, {}, actor)
    db.session.expire_all()

    assert db.session.get(Person, drop_id) is None
    survivor = db.session.get(Person, keep_id)
    assert sorted(t.value for t in survivor.types) == ["parent_carer", "volunteer"]
    assert {t.id for t in survivor.tags} == {shared_tag.id, their_tag.id}
    affiliations = {a.organisation_id: a.job_title for a in db.session.scalars(select(Affiliation))}
    assert affiliations == {both_org.id: "Family worker", their_org.id: "Trustee"}
    assert db.session.get(EqualityMonitoring, keep_id).age_band == AgeBand.AGE_25_34
    assert _count(db, OutboxMessage, person_id=keep_id) == 1
    assert _count(db, Consent, person_id=keep_id) == 1
    assert db.session.get(Participation, only_theirs.id).person_id == keep_id
    assert _count(db, AuditEvent, entity_type="people", entity_id=drop_id) == 0
    assert _count(db, AuditEvent, entity_type="people", entity_id=keep_id, action=AuditAction.UPDATE) >= 1
    assert db.session.get(PersonMerge, earlier.id + 1000).survivor_id == keep_id
    assert db.session.get(PersonMerge, drop_id).survivor_id == keep_id
    assert (
        db.session.scalar(select(func.count()).select_from(person_tags).where(person_tags.c.person_id == drop_id)) == 0
    )
    assert _count(db, PersonTypeLink, person_id=drop_id) == 0
    merged = db.session.scalar(select(AuditEvent).where(AuditEvent.action == AuditAction.MERGE))
    assert (merged.entity_id, merged.user_id) == (keep_id, actor.id)
    assert f"merged person {drop_id} into {keep_id}" in merged.detail
    assert "participations 1" in merged.detail
    assert result.counts["person_tags"] == 1


def test_the_survivor_keeps_its_own_equality_answers(db):
    keep, drop = PersonFactory(), PersonFactory()
    db.session.add_all(
        [
            EqualityMonitoring(person_id=keep.id, gender=Gender.MAN),
            EqualityMonitoring(person_id=drop.id, gender=Gender.WOMAN),
        ]
    )
    db.session.flush()
    merge_people(keep, drop, {}, None)
    rows = db.session.scalars(select(EqualityMonitoring)).all()
    assert [(r.person_id, r.gender) for r in rows] == [(keep.id, Gender.MAN)]


def test_values_are_chosen_field_by_field_and_the_audit_holds_no_values(db):
    keep = PersonFactory(first_name="Jo", email="jo@example.com", phone=None, notes="Prefers mornings")
    drop = PersonFactory(first_name="Joanne", email="joanne@example.com", phone="+447911123456", notes="Has a buggy")
    merge_people(keep, drop, {"first_name": "drop", "email": "drop", "notes": "both"}, None)
    db.session.expire_all()
    survivor = db.session.get(Person, keep.id)
    assert survivor.first_name == "Joanne"
    assert survivor.email == "joanne@example.com"
    assert survivor.phone == "+447911123456"  # empty on the survivor, so the other's
    assert survivor.notes == "Prefers mornings\n\nHas a buggy"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == AuditAction.MERGE))
    assert event.changed_fields == ["email", "first_name", "notes", "phone"]
    assert "joanne" not in (event.detail or "").lower()


def test_a_record_changed_since_the_page_was_shown_is_not_merged(db):
    keep, drop = PersonFactory(), PersonFactory()
    shown = (keep.version, drop.version)
    update_person(drop, {"last_name": "Changed"}, None)
    with pytest.raises(Conflict):
        merge_people(keep, drop, {}, None, expected_versions=shown)


def _merge_page(client, first, second):
    page = client.get(f"/people/merge/{first.id}/{second.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    versions = dict(re.findall(r'name="(first_version|second_version)" type="hidden" value="(\d+)"', html))
    return html, {"csrf_token": csrf_token(page), **versions}


def test_merging_from_the_page(client, login_as, db):
    login_as(Role.MANAGER)
    first = PersonFactory(first_name="Amira", last_name="Khan", email="amira@example.com", postcode=None)
    second = PersonFactory(first_name="Amira", last_name="Khan", email="a.khan@example.com", postcode="SS1 1AA")
    workshop = SessionFactory()
    _participation(first, workshop, ParticipationStatus.NO_SHOW)
    _participation(second, workshop, ParticipationStatus.ATTENDED, minutes=45)
    db.session.commit()
    second_id = second.id
    html, data = _merge_page(client, first, second)
    assert "amira@example.com" in html and "a.khan@example.com" in html
    # The postcode only one record has is chosen to start with.
    assert re.search(r'id="postcode-second" name="postcode" type="radio" value="second" checked', html)
    response = client.post(
        f"/people/merge/{first.id}/{second.id}", data={**data, "keep": "first", "email": "second", "postcode": "second"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/people/{first.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Record {second_id} now leads here" in page
    assert "sessions both records had, combined: 1" in page
    survivor = db.session.get(Person, first.id)
    assert (survivor.email, survivor.postcode) == ("a.khan@example.com", "SS1 1AA")
    row = db.session.scalar(select(Participation).where(Participation.session_id == workshop.id))
    assert (row.person_id, row.status, row.minutes) == (first.id, ParticipationStatus.ATTENDED, 45)


def test_the_merged_away_id_leads_to_the_survivor(client, login_as, db):
    login_as(Role.CHAMPION)
    keep, drop = PersonFactory(first_name="Kept"), PersonFactory()
    drop_id = drop.id
    merge_people(keep, drop, {}, None)
    db.session.commit()
    response = client.get(f"/people/{drop_id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/people/{keep.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Record {drop_id} was merged into this one" in page
    assert client.get("/people/987654").status_code == 404


def test_a_merged_away_id_is_never_given_to_someone_new(client, login_as, db):
    """The newest record merged away: the next person added gets a new id, and the old one
    still leads to the survivor (SQLite would otherwise hand out max(id) + 1 again)."""
    login_as(Role.CHAMPION)
    keep, drop = PersonFactory(first_name="Kept"), PersonFactory()
    drop_id = drop.id
    merge_people(keep, drop, {}, None)
    db.session.commit()
    newcomer = PersonFactory(first_name="Newcomer")
    db.session.commit()
    assert newcomer.id > drop_id
    response = client.get(f"/people/{drop_id}")
    assert response.headers["Location"].endswith(f"/people/{keep.id}")
    # And the newcomer can itself be merged away later.
    merge_people(keep, newcomer, {}, None)
    db.session.commit()


def test_the_api_redirects_a_merged_away_id(client, db):
    from crm.services.users import create_api_token

    user = UserFactory(role=Role.COORDINATOR)
    keep, drop = PersonFactory(), PersonFactory()
    drop_id = drop.id
    merge_people(keep, drop, {}, None)
    token = create_api_token(user, None)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    response = client.get(f"/api/v1/people/{drop_id}", headers=headers)
    assert response.status_code == 308
    assert response.headers["Location"].endswith(f"/api/v1/people/{keep.id}")
    assert response.get_json()["survivor_id"] == keep.id
    assert response.get_json()["error"]["code"] == "merged"
    assert client.get(f"/api/v1/people/{keep.id}", headers=headers).get_json()["id"] == keep.id
    refused = client.patch(f"/api/v1/people/{drop_id}", json={"last_name": "Changed"}, headers=headers)
    assert refused.status_code == 404
    assert f"merged into person {keep.id}" in refused.get_json()["error"]["message"]


def test_a_stale_merge_page_is_refused_and_nothing_changes(client, login_as, db):
    login_as(Role.ADMIN)
    first, second = PersonFactory(last_name="Before"), PersonFactory()
    db.session.commit()
    _html, data = _merge_page(client, first, second)
    update_person(second, {"last_name": "Meanwhile"}, None)
    db.session.commit()
    response = client.post(f"/people/merge/{first.id}/{second.id}", data={**data, "keep": "first"})
    assert response.status_code == 409
    assert "Someone else changed one of these records" in response.get_data(as_text=True)
    assert db.session.get(Person, second.id) is not None
    assert db.session.scalar(select(func.count()).select_from(PersonMerge)) == 0


def test_merging_needs_permission_and_a_csrf_token(client, login_as, db):
    first, second = PersonFactory(), PersonFactory()
    db.session.commit()
    login_as(Role.COORDINATOR)
    assert client.get(f"/people/merge/{first.id}/{second.id}").status_code == 403
    login_as(Role.MANAGER)
    response = client.post(f"/people/merge/{first.id}/{second.id}", data={"keep": "first"})
    assert response.status_code == 400
    assert db.session.get(Person, second.id) is not None


def test_not_the_same_person_answers_carry_over_to_the_survivor(db):
    from crm.models import DuplicateDismissal

    keep, drop, other = PersonFactory(), PersonFactory(), PersonFactory()
    merge_service.dismiss_pair(drop, other, None)
    merge_service.dismiss_pair(keep, drop, None)
    merge_people(keep, drop, {}, None)
    pairs = {(d.person_low_id, d.person_high_id) for d in db.session.scalars(select(DuplicateDismissal))}
    assert pairs == {tuple(sorted((keep.id, other.id)))}


def test_an_anonymised_record_cannot_be_merged(db):
    from crm.models.base import utcnow
    from crm.services.errors import InvalidInput

    keep, drop = PersonFactory(), PersonFactory()
    drop.erased_at = utcnow()
    db.session.flush()
    with pytest.raises(InvalidInput):
        merge_people(keep, drop, {}, None)
    assert db.session.get(Person, drop.id) is not None


def test_an_old_link_to_a_merged_pair_leads_to_the_survivor(client, login_as, db):
    login_as(Role.MANAGER)
    keep, drop = PersonFactory(), PersonFactory()
    keep_id, drop_id = keep.id, drop.id
    merge_people(keep, drop, {}, None)
    db.session.commit()
    response = client.get(f"/people/merge/{keep_id}/{drop_id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/people/{keep_id}")


def test_whole_session_attendance_is_not_shortened_by_a_merge(db):
    # None means the whole session: 120 minutes here, more than the duplicate's 30.
    keep, drop = PersonFactory(), PersonFactory()
    session = SessionFactory()
    _participation(keep, session, ParticipationStatus.ATTENDED, minutes=None)
    _participation(drop, session, ParticipationStatus.ATTENDED, minutes=30)
    merge_people(keep, drop, {}, None)
    row = db.session.scalar(select(Participation).where(Participation.session_id == session.id))
    assert (row.status, row.minutes) == (ParticipationStatus.ATTENDED, None)


def test_two_current_contact_consents_become_one_so_a_withdrawal_stops_contact(db):
    from crm.models.enums import ConsentPurpose
    from crm.services.people import current_consent, set_contact_consent

    keep, drop = PersonFactory(), PersonFactory()
    ConsentFactory(person=keep)
    ConsentFactory(person=drop)
    merge_people(keep, drop, {}, None)
    current = db.session.scalars(
        select(Consent).where(Consent.person_id == keep.id, Consent.withdrawn_at.is_(None))
    ).all()
    assert len(current) == 1

    set_contact_consent(keep, False, None)
    assert current_consent(keep.id, ConsentPurpose.CONTACT) is None
