"""Equality monitoring: managers and admins only, every view and change audited without values,
never in people exports or the API."""

from __future__ import annotations

import csv
import io

import pytest
from flask import request
from sqlalchemy import insert, select

from crm.models import AuditEvent, EqualityMonitoring
from crm.models.enums import AgeBand, AuditAction, Disability, Ethnicity, Gender, Role
from crm.services import equality
from crm.services.equality import update_equality
from crm.services.errors import InvalidInput
from crm.services.users import create_api_token
from tests.conftest import csrf_token
from tests.factories import ConsentFactory, PersonFactory, UserFactory


def audit_rows(db, person, action=None):
    query = select(AuditEvent).where(AuditEvent.entity_type == "people", AuditEvent.entity_id == person.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query.order_by(AuditEvent.id)).all()


@pytest.fixture
def answered(db):
    person = PersonFactory(first_name="Halima", last_name="Begum")
    db.session.add(
        EqualityMonitoring(
            person_id=person.id,
            age_band=AgeBand.AGE_25_34,
            ethnicity=Ethnicity.BANGLADESHI,
            disability=Disability.YES,
            gender=Gender.WOMAN,
        )
    )
    db.session.commit()
    return person


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_managers_and_admins_see_the_answers_and_each_viewing_is_audited(client, login_as, db, answered, role):
    user = login_as(role)
    page = client.get(f"/people/{answered.id}/equality").get_data(as_text=True)
    assert "Equality monitoring" in page and "Halima Begum" in page
    assert 'value="25_34" checked' in page
    assert '<option value="asian_bangladeshi" selected>Asian: Bangladeshi</option>' in page
    assert "Prefer not to say" in page
    client.get(f"/people/{answered.id}/equality")
    views = audit_rows(db, answered, AuditAction.VIEW)
    assert len(views) == 2
    assert {(v.user_id, v.detail, tuple(v.changed_fields)) for v in views} == {(user.id, "equality monitoring", ())}


@pytest.mark.parametrize("role", [Role.CHAMPION, Role.COORDINATOR])
def test_other_roles_cannot_see_the_answers_or_the_link(client, login_as, db, answered, role):
    login_as(role)
    assert client.get(f"/people/{answered.id}/equality").status_code == 403
    profile = client.get(f"/people/{answered.id}").get_data(as_text=True)
    assert "Halima Begum" in profile
    assert "Equality monitoring" not in profile and "Bangladeshi" not in profile
    assert audit_rows(db, answered, AuditAction.VIEW) == []


def test_the_profile_links_to_it_for_managers_without_auditing_the_profile_view(client, login_as, db, answered):
    login_as(Role.MANAGER)
    profile = client.get(f"/people/{answered.id}").get_data(as_text=True)
    assert f'href="/people/{answered.id}/equality">Equality monitoring</a>' in profile
    assert "Bangladeshi" not in profile
    assert audit_rows(db, answered, AuditAction.VIEW) == []


def test_saving_answers_audits_the_field_names_only(client, login_as, post_form, db):
    user = login_as(Role.MANAGER)
    person = PersonFactory(first_name="Tomasz")
    db.session.commit()
    url = f"/people/{person.id}/equality"
    response = post_form(
        url, {"age_band": "35_44", "ethnicity": "white_other", "disability": "prefer_not_to_say", "gender": ""}
    )
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).get_data(as_text=True).count("Equality monitoring answers saved.")
    answers = db.session.get(EqualityMonitoring, person.id)
    assert (answers.age_band, answers.ethnicity, answers.disability, answers.gender) == (
        AgeBand.AGE_35_44,
        Ethnicity.WHITE_OTHER,
        Disability.PREFER_NOT_TO_SAY,
        None,
    )
    assert answers.updated_by_id == user.id
    created = audit_rows(db, person, AuditAction.CREATE)
    assert [(c.changed_fields, c.detail) for c in created] == [
        (["age_band", "disability", "ethnicity"], "equality monitoring")
    ]

    post_form(url, {"age_band": "35_44", "ethnicity": "white_other", "disability": "no", "gender": "man"})
    updated = audit_rows(db, person, AuditAction.UPDATE)
    assert [u.changed_fields for u in updated] == [["disability", "gender"]]
    every = " ".join(f"{e.changed_fields} {e.detail}" for e in audit_rows(db, person))
    for value in ("35_44", "white_other", "Any other White", "prefer_not_to_say", "man", "no'"):
        assert value not in every


def test_a_double_submit_of_the_first_answers_saves_without_an_error(client, login_as, post_form, db, monkeypatch):
    login_as(Role.MANAGER)
    person = PersonFactory(first_name="Tomasz")
    db.session.commit()
    load = equality.equality_answers

    def load_then_the_other_submit_saves(someone):
        found = load(someone)
        if request.method == "POST":
            # The first of two submits commits its new row after this one found none.
            db.session.execute(insert(EqualityMonitoring).values(person_id=someone.id, age_band=AgeBand.AGE_35_44))
        return found

    monkeypatch.setattr(equality, "equality_answers", load_then_the_other_submit_saves)
    answers = {"age_band": "35_44", "ethnicity": "white_other", "disability": "", "gender": ""}
    response = post_form(f"/people/{person.id}/equality", answers)
    assert response.status_code == 302
    assert "Equality monitoring answers saved." in client.get(response.headers["Location"]).get_data(as_text=True)
    answers = db.session.get(EqualityMonitoring, person.id)
    assert (answers.age_band, answers.ethnicity) == (AgeBand.AGE_35_44, Ethnicity.WHITE_OTHER)
    assert [e.changed_fields for e in audit_rows(db, person, AuditAction.UPDATE)] == [["ethnicity"]]


def test_a_bad_answer_is_refused_with_a_message_and_nothing_saved(client, login_as, post_form, db):
    login_as(Role.ADMIN)
    person = PersonFactory()
    db.session.commit()
    response = post_form(f"/people/{person.id}/equality", {"ethnicity": "martian", "age_band": "200"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and "Choose an answer from the list" in page
    assert db.session.get(EqualityMonitoring, person.id) is None
    with pytest.raises(InvalidInput) as error:
        update_equality(person, {"gender": "martian"}, UserFactory())
    assert error.value.fields == {"gender": "Choose an answer from the list"}


def test_saving_without_a_csrf_token_is_refused(client, login_as, db, answered):
    login_as(Role.ADMIN)
    response = client.post(f"/people/{answered.id}/equality", data={"gender": "man"})
    assert response.status_code == 400
    assert db.session.get(EqualityMonitoring, answered.id).gender == Gender.WOMAN


def test_never_in_people_exports(client, login_as, db, answered):
    ConsentFactory(person=answered)
    db.session.commit()
    login_as(Role.ADMIN)
    token = csrf_token(client.get("/find"))
    body = client.post("/find/export.csv", data={"csrf_token": token}).data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert any("Halima Begum" in row for row in rows)
    text = body.lower()
    for word in ("bangladeshi", "asian", "25 to 34", "25_34", "woman", "disab", "ethnic", "gender", "age band"):
        assert word not in text


def test_never_in_the_api_person_json(client, db, answered):
    user = UserFactory(role=Role.ADMIN)
    token = create_api_token(user)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    one = client.get(f"/api/v1/people/{answered.id}", headers=headers)
    assert one.status_code == 200 and one.get_json()["first_name"] == "Halima"
    listed = client.get("/api/v1/people", headers=headers).get_data(as_text=True)
    for text in (one.get_data(as_text=True).lower(), listed.lower()):
        for word in ("bangladeshi", "25_34", "woman", "disab", "ethnic", "gender", "age_band", "equality"):
            assert word not in text
