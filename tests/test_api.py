"""The JSON API: token auth, permissions, the promised shapes, validation, filters, pagination
and the OpenAPI document."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import event, select

from crm.api.serialise import person_json
from crm.extensions import db as _db
from crm.models import AuditEvent, Consent, Organisation, Person, Session, Tag, Theme, Ward
from crm.models.enums import ConsentMethod, ConsentPurpose, PersonType, Role, TagCategory
from crm.services.users import set_enabled
from tests.factories import (
    ConsentFactory,
    OrganisationFactory,
    PersonFactory,
    SessionFactory,
    TagFactory,
    UserFactory,
)

PERSON_KEYS = {
    "id",
    "first_name",
    "last_name",
    "preferred_name",
    "email",
    "phone",
    "postcode",
    "ward",
    "person_types",
    "tags",
    "status",
    "consent_to_contact",
    "needs",
    "affiliations",
    "created_at",
    "updated_at",
}
SESSION_KEYS = {
    "id",
    "title",
    "event_id",
    "date",
    "start_time",
    "end_time",
    "format",
    "kind",
    "theme",
    "involvement_level",
    "location",
    "organiser_organisation_id",
    "capacity",
    "creche_places",
    "cancelled",
}


def count(db, model) -> int:
    return db.session.query(model).count()


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields"}
    return error


def ward(db, name: str) -> Ward:
    return db.session.scalar(select(Ward).where(Ward.name == name))


# --- Who may ask -----------------------------------------------------------------------------


def test_no_token_or_a_bad_token_is_401_json(client, api_as):
    api_as(Role.ADMIN)
    for headers in ({}, {"Authorization": "Bearer crm_not-a-real-token"}, {"Authorization": "Basic eDp5"}):
        response = client.get("/api/v1/people", headers=headers)
        error = error_of(response, 401)
        assert error["code"] == "unauthorized"
        assert "Authorization: Bearer" in error["message"]
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_disabled_users_token_stops_working(api_as, db):
    api = api_as(Role.ADMIN)
    assert api.get("/api/v1/people").status_code == 200
    set_enabled(api.user, False, UserFactory(role=Role.ADMIN))
    db.session.commit()
    assert error_of(api.get("/api/v1/people"), 401)["code"] == "unauthorized"


def test_a_sign_in_cookie_is_not_enough_and_the_token_decides_who_acts(client, login_as, api_as, db):
    login_as(Role.ADMIN)
    assert error_of(client.get("/api/v1/people"), 401)["code"] == "unauthorized"
    response = client.post("/api/v1/organisations", json={"name": "Mallory Ltd", "type": "business"})
    assert error_of(response, 401)["code"] == "unauthorized"
    assert count(db, Organisation) == 0

    champion = api_as(Role.CHAMPION)  # the same client, still holding the admin's cookie
    response = champion.post("/api/v1/organisations", json={"name": "Mallory Ltd", "type": "business"})
    assert error_of(response, 403)["code"] == "forbidden"


def test_a_champion_may_not_add_organisations_or_sessions(api_as, db):
    api = api_as(Role.CHAMPION)
    before = count(db, AuditEvent)
    response = api.post("/api/v1/organisations", json={"name": "Southend YMCA", "type": "voluntary"})
    error = error_of(response, 403)
    assert error["code"] == "forbidden"
    assert "role does not allow" in error["message"]
    response = api.post("/api/v1/sessions", json=_session_body())
    assert error_of(response, 403)["code"] == "forbidden"
    assert count(db, Organisation) == 0
    assert count(db, Session) == 0
    assert count(db, AuditEvent) == before
    # What a champion may do still works.
    assert api.get("/api/v1/organisations").status_code == 200
    assert api.post("/api/v1/people", json={"first_name": "Aisha"}).status_code == 201


def test_unknown_ids_are_404_json(api_as):
    api = api_as(Role.ADMIN)
    error = error_of(api.get("/api/v1/people/987654"), 404)
    assert error == {"code": "not_found", "message": "There is no person with id 987654.", "fields": {}}
    assert error_of(api.patch("/api/v1/people/987654", json={"first_name": "X"}), 404)["code"] == "not_found"
    assert "no session with id 987654" in error_of(api.get("/api/v1/sessions/987654"), 404)["message"]
    assert error_of(api.get("/api/v1/nothing-here"), 404)["code"] == "not_found"
    # Ids past what the database holds are simply not there (not a database error).
    huge = 10**25
    assert error_of(api.get(f"/api/v1/people/{huge}"), 404)["code"] == "not_found"
    assert error_of(api.patch(f"/api/v1/people/{huge}", json={}), 404)["code"] == "not_found"
    assert error_of(api.get(f"/api/v1/sessions/{huge}"), 404)["code"] == "not_found"
    assert error_of(api.open("DELETE", "/api/v1/people/1"), 405)["code"] == "method_not_allowed"


# --- People: shape and round trip ------------------------------------------------------------


def test_a_person_posted_comes_back_in_the_promised_shape(api_as, db):
    organisation = OrganisationFactory(name="Southend Council")
    TagFactory(category=TagCategory.INTEREST, name="Cooking")
    TagFactory(category=TagCategory.LANGUAGE, name="Polish")
    db.session.commit()
    api = api_as(Role.CHAMPION)
    body = {
        "first_name": " Aisha ",
        "last_name": "Khan",
        "preferred_name": "Ash",
        "email": "Aisha.Khan@Example.com",
        "phone": "07911 123456",
        "postcode": "ss1 2ab",
        "ward": "milton",
        "person_types": ["parent_champion", "volunteer"],
        "tags": [{"category": "language", "name": "Polish"}, {"category": "interest", "name": "cooking"}],
        "status": "active",
        "consent_to_contact": True,
        "needs": {"creche": True, "step_free": False, "interpreter_language": "Polish", "other": None},
        "affiliations": [{"organisation_id": organisation.id, "job_title": "Family worker"}],
    }
    created = api.post("/api/v1/people", json=body)
    assert created.status_code == 201, created.get_json()
    person = created.get_json()
    assert created.headers["Location"].endswith(f"/api/v1/people/{person['id']}")

    fetched = api.get(f"/api/v1/people/{person['id']}")
    assert fetched.status_code == 200
    assert fetched.get_json() == person
    assert set(person) == PERSON_KEYS
    created_at, updated_at = person.pop("created_at"), person.pop("updated_at")
    assert datetime.fromisoformat(created_at).utcoffset().total_seconds() == 0
    assert datetime.fromisoformat(updated_at) >= datetime.fromisoformat(created_at)
    assert person == {
        "id": person["id"],
        "first_name": "Aisha",
        "last_name": "Khan",
        "preferred_name": "Ash",
        "email": "aisha.khan@example.com",
        "phone": "+447911123456",
        "postcode": "SS1 2AB",
        "ward": "Milton",
        "person_types": ["parent_champion", "volunteer"],
        "tags": [{"category": "interest", "name": "Cooking"}, {"category": "language", "name": "Polish"}],
        "status": "active",
        "consent_to_contact": True,
        "needs": {"creche": True, "step_free": False, "interpreter_language": "Polish", "other": None},
        "affiliations": [{"organisation_id": organisation.id, "job_title": "Family worker"}],
    }
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "people")).one()
    assert audit.user_id == api.user.id


def test_the_fewest_fields_make_a_person_with_empty_defaults(api_as):
    api = api_as(Role.CHAMPION)
    person = api.post("/api/v1/people", json={"first_name": "Bo"}).get_json()
    assert person["last_name"] == ""
    assert person["person_types"] == [] and person["tags"] == [] and person["affiliations"] == []
    assert person["ward"] is None and person["email"] is None
    assert person["status"] == "active"
    assert person["consent_to_contact"] is False
    assert person["needs"] == {"creche": False, "step_free": False, "interpreter_language": None, "other": None}


def test_patch_changes_only_the_fields_sent(api_as, db):
    api = api_as(Role.CHAMPION)
    body = {
        "first_name": "Aisha",
        "last_name": "Khan",
        "email": "aisha@example.com",
        "phone": "07911 123456",
        "ward": "Leigh",
        "person_types": ["parent_carer"],
        "needs": {"creche": True, "interpreter_language": "Urdu"},
    }
    person = api.post("/api/v1/people", json=body).get_json()

    response = api.patch(f"/api/v1/people/{person['id']}", json={"preferred_name": "Ash", "needs": {"step_free": True}})
    assert response.status_code == 200, response.get_json()
    changed = response.get_json()
    assert changed["preferred_name"] == "Ash"
    assert changed["needs"] == {"creche": True, "step_free": True, "interpreter_language": "Urdu", "other": None}
    unchanged = {k: v for k, v in person.items() if k not in ("preferred_name", "needs", "updated_at")}
    assert {k: changed[k] for k in unchanged} == unchanged
    assert changed["updated_at"] >= person["updated_at"]

    response = api.patch(
        f"/api/v1/people/{person['id']}", json={"ward": None, "person_types": ["volunteer", "parent_carer"]}
    )
    assert response.get_json()["ward"] is None
    assert response.get_json()["person_types"] == ["parent_carer", "volunteer"]
    assert db.session.get(Person, person["id"]).ward_id is None


def test_what_get_returns_can_be_sent_back_unchanged(api_as, db):
    organisation = OrganisationFactory()
    TagFactory(category=TagCategory.SKILL, name="Facilitation")
    db.session.commit()
    api = api_as(Role.CHAMPION)
    person = api.post(
        "/api/v1/people",
        json={
            "first_name": "Aisha",
            "phone": "07911 123456",
            "postcode": "SS1 2AB",
            "ward": "Kursaal",
            "tags": [{"category": "skill", "name": "Facilitation"}],
            "consent_to_contact": True,
            "affiliations": [{"organisation_id": organisation.id, "job_title": None}],
        },
    ).get_json()
    before = count(db, AuditEvent)
    body = {k: v for k, v in person.items() if k not in ("id", "created_at", "updated_at")}
    response = api.patch(f"/api/v1/people/{person['id']}", json=body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == person
    assert count(db, AuditEvent) == before  # nothing changed, so nothing to audit


def test_consent_to_contact_records_and_withdraws_a_consent_given_via_the_api(api_as, db):
    api = api_as(Role.CHAMPION)
    person = api.post("/api/v1/people", json={"first_name": "Aisha"}).get_json()
    assert person["consent_to_contact"] is False
    assert count(db, Consent) == 0

    response = api.patch(f"/api/v1/people/{person['id']}", json={"consent_to_contact": True})
    assert response.get_json()["consent_to_contact"] is True
    consent = db.session.scalars(select(Consent)).one()
    assert consent.purpose == ConsentPurpose.CONTACT
    assert consent.method == ConsentMethod.API
    assert consent.recorded_by_id == api.user.id
    assert "via the API" in consent.wording
    assert consent.withdrawn_at is None

    # Saying it again changes nothing.
    api.patch(f"/api/v1/people/{person['id']}", json={"consent_to_contact": True})
    assert count(db, Consent) == 1

    response = api.patch(f"/api/v1/people/{person['id']}", json={"consent_to_contact": False})
    assert response.get_json()["consent_to_contact"] is False
    db.session.refresh(consent)
    assert consent.withdrawn_at is not None
    assert consent.withdrawn_by_id == api.user.id
    assert api.get(f"/api/v1/people/{person['id']}").get_json()["consent_to_contact"] is False


def test_a_withdrawn_or_other_purpose_consent_is_not_consent_to_contact(api_as, db):
    withdrawn = ConsentFactory(withdrawn_at=datetime(2024, 1, 1))
    photos = ConsentFactory(purpose=ConsentPurpose.PHOTOS)
    current = ConsentFactory()
    db.session.commit()
    people = {p["id"]: p for p in api_as().get("/api/v1/people").get_json()["items"]}
    assert people[withdrawn.person_id]["consent_to_contact"] is False
    assert people[photos.person_id]["consent_to_contact"] is False
    assert people[current.person_id]["consent_to_contact"] is True


# --- People: bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"first_name": "A", "email": "not-an-email"}, "email", "like name@example.com"),
        ({"first_name": "A", "phone": "12"}, "phone", "07911 123456"),
        ({"first_name": "A", "postcode": "XX"}, "postcode", "real UK postcode"),
        ({"first_name": "A", "person_types": ["wizard"]}, "person_types", "parent_champion"),
        ({"first_name": "A", "nickname": "Al"}, "nickname", "Unknown field"),
        ({"first_name": "A", "id": 5}, "id", "cannot be sent"),
        ({"first_name": "A", "ward": "Atlantis"}, "ward", "no ward called 'Atlantis'"),
        ({"first_name": "A", "status": "gone"}, "status", "active, inactive, left"),
        (
            {"first_name": "A", "tags": [{"category": "interest", "name": "Knitting"}]},
            "tags",
            "no interest tag called 'Knitting'",
        ),
        ({"first_name": "A", "tags": ["interest:Knitting", 5]}, "tags", '"category", "name"'),
        (
            {"first_name": "A", "affiliations": [{"organisation_id": 987654}]},
            "affiliations",
            "no organisation with id 987654",
        ),
        ({"first_name": "A", "needs": {"creche": "yes"}}, "needs.creche", "true or false"),
        ({"first_name": "A", "needs": {"pets": True}}, "needs.pets", "Unknown field"),
        ({"first_name": "A", "consent_to_contact": "yes"}, "consent_to_contact", "true or false"),
        ({"first_name": 7}, "first_name", "Must be text"),
        ({"first_name": "A" * 101}, "first_name", "100 characters or fewer"),
        (
            {"first_name": "A", "affiliations": [{"organisation_id": 10**20}]},
            "affiliations",
            "organisation_id: Must be a whole number",
        ),
        ({"last_name": "Khan"}, "first_name", "Enter a first name"),
        ({"first_name": "Ai\x00sha"}, "first_name", "Remove the unusual character"),
        ({"first_name": "A", "last_name": "bell\x07"}, "last_name", "Remove the unusual character"),
    ],
)
def test_bad_person_input_is_422_naming_the_field_and_nothing_is_written(api_as, db, body, field, words):
    api = api_as(Role.CHAMPION)
    before = count(db, AuditEvent)
    error = error_of(api.post("/api/v1/people", json=body), 422)
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert words in error["fields"][field]
    assert field in error["message"] and words in error["message"]
    assert count(db, Person) == 0
    assert count(db, AuditEvent) == before


def test_text_with_a_nul_character_is_refused_everywhere_in_the_api(api_as, db):
    api = api_as(Role.MANAGER)
    error = error_of(api.post("/api/v1/organisations", json={"name": "Acme\x00 Ltd"}), 422)
    assert error["fields"] == {"name": "Remove the unusual character from this field"}
    error = error_of(api.get("/api/v1/people", query_string={"q": "Ai\x00sha"}), 422)
    assert "Remove the unusual character" in error["fields"]["q"]
    # Tabs and line breaks are ordinary text.
    response = api.post("/api/v1/people", json={"first_name": "Aisha", "preferred_name": "Ai\tsha\r\n"})
    assert response.status_code == 201, response.get_json()


def test_every_bad_field_is_named_at_once(api_as, db):
    api = api_as(Role.CHAMPION)
    body = {"first_name": "A", "email": "nope", "phone": "12", "ward": "Atlantis", "colour": "red"}
    error = error_of(api.post("/api/v1/people", json=body), 422)
    assert set(error["fields"]) == {"email", "phone", "ward", "colour"}
    assert count(db, Person) == 0


def test_a_bad_patch_changes_nothing(api_as, db):
    api = api_as(Role.CHAMPION)
    person = PersonFactory(first_name="Aisha", email="aisha@example.com")
    db.session.commit()
    response = api.patch(
        f"/api/v1/people/{person.id}", json={"first_name": "Changed", "email": "bad", "consent_to_contact": True}
    )
    assert set(error_of(response, 422)["fields"]) == {"email"}
    db.session.expire_all()
    assert db.session.get(Person, person.id).first_name == "Aisha"
    assert count(db, Consent) == 0


def test_a_duplicate_email_is_422(api_as, db):
    PersonFactory(email="aisha@example.com")
    db.session.commit()
    error = error_of(api_as().post("/api/v1/people", json={"first_name": "A", "email": "AISHA@example.com"}), 422)
    assert "already in the CRM" in error["fields"]["email"]


@pytest.mark.parametrize(
    ("data", "content_type", "words"),
    [
        ("{not json", "application/json", "not valid JSON"),
        ('["a list"]', "application/json", "JSON object"),
        ("first_name=Aisha", "application/x-www-form-urlencoded", "Content-Type: application/json"),
        ("", None, "Content-Type: application/json"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_400_json(api_as, db, data, content_type, words):
    response = api_as().post("/api/v1/people", data=data, content_type=content_type)
    error = error_of(response, 400)
    assert words in error["message"]
    assert count(db, Person) == 0


# --- People: filters and pagination ----------------------------------------------------------


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.get_json()
    return {p["id"] for p in response.get_json()["items"]}


def test_filters_return_the_right_people(api_as, db):
    cooking = TagFactory(category=TagCategory.INTEREST, name="Cooking")
    autism = TagFactory(category=TagCategory.LIVED_EXPERIENCE, name="Autism")
    council = OrganisationFactory(name="Southend Council")
    a = PersonFactory(
        first_name="Ann", types=[PersonType.PARENT_CHAMPION], ward_id=ward(db, "Milton").id, needs_creche=True
    )
    b = PersonFactory(
        first_name="Ben", types=[PersonType.VOLUNTEER], ward_id=ward(db, "Leigh").id, interpreter_language="Urdu"
    )
    c = PersonFactory(
        first_name="Cat",
        types=[PersonType.PARENT_CHAMPION, PersonType.VOLUNTEER],
        needs_step_free=True,
        status="inactive",
    )
    a.tags = [cooking, autism]
    b.tags = [cooking]
    c.tags = [autism]
    ConsentFactory(person=b)
    from crm.models import Affiliation

    _db.session.add(Affiliation(person_id=c.id, organisation_id=council.id))
    db.session.commit()
    api = api_as(Role.CHAMPION)

    def find(query: str) -> set[int]:
        return _ids(api.get(f"/api/v1/people?{query}"))

    assert find("") == {a.id, b.id, c.id}
    assert find("type=parent_champion") == {a.id, c.id}
    assert find("type=volunteer&type=parent_champion") == {a.id, b.id, c.id}
    assert find("tag=interest:Cooking") == {a.id, b.id}
    assert find("tag=interest:cooking&tag=lived_experience:Autism") == {a.id, b.id, c.id}
    assert find("tag=interest:cooking&tag=lived_experience:Autism&tag_mode=any") == {a.id, b.id, c.id}
    assert find("tag=interest:Cooking&tag=lived_experience:Autism&tag_mode=all") == {a.id}
    assert find("ward=Milton") == {a.id}
    assert find("ward=milton&ward=Leigh") == {a.id, b.id}
    assert find("needs=creche") == {a.id}
    assert find("needs=step_free") == {c.id}
    assert find("needs=interpreter") == {b.id}
    assert find("consent=contact") == {b.id}
    assert find("status=inactive") == {c.id}
    assert find(f"organisation_id={council.id}") == {c.id}
    assert find("q=ben") == {b.id}
    assert find("type=volunteer&tag=interest:Cooking") == {b.id}
    assert find("sort=name&type=volunteer") == {b.id, c.id}


def test_participation_history_filters_and_sorts_match_the_find_people_screen(api_as, db):
    from tests.test_find_people import build_people, days_ago

    people = build_people(db)
    api = api_as(Role.COORDINATOR)

    def names(query: str) -> list[str]:
        response = api.get(f"/api/v1/people?per_page=200&{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return [p["first_name"] for p in response.get_json()["items"]]

    assert set(names("attended_min=2")) == {"Amy"}
    assert set(names(f"attended_min=1&attended_from={days_ago(100)}")) == {"Amy", "Ben"}
    assert set(names("never_attended=1")) == {"Cara", "Dan", "Fay", "Gus", "Zed"}
    assert set(names("theme=Communication and language")) == {"Amy", "Ben"}
    assert set(names("level_min=co_designing")) == {"Amy", "Ben"}
    assert set(names(f"last_attended_before={days_ago(30)}")) == {"Ben", "Eve"}
    assert set(names(f"last_attended_after={days_ago(30)}")) == {"Amy"}
    assert set(names("not_invited_days=50")) == {"Ben", "Cara", "Dan", "Fay", "Gus", "Zed"}
    assert set(names("no_show_min=2")) == {"Ben"}
    assert names("sort=fair") == ["Zed", "Dan", "Fay", "Gus", "Cara", "Ben", "Eve", "Amy"]
    assert names("sort=engaged&attended_min=1") == ["Amy", "Ben", "Eve"]
    assert names("sort=recent&type=parent_champion") == ["Amy", "Eve"]
    page = api.get("/api/v1/people?sort=fair&per_page=3&page=2").get_json()
    assert (page["total"], [p["first_name"] for p in page["items"]]) == (8, ["Gus", "Cara", "Ben"])
    last = api.get("/api/v1/people?sort=fair&per_page=3&page=3").get_json()
    assert [p["first_name"] for p in last["items"]] == ["Eve", "Amy"]
    beyond = api.get("/api/v1/people?sort=fair&per_page=3&page=4").get_json()
    assert (beyond["page"], beyond["total"], beyond["items"]) == (4, 8, [])
    assert people.amy.id in {
        p["id"] for p in api.get("/api/v1/people?consent=contact&needs=creche").get_json()["items"]
    }


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("type=wizard", "type", "parent_champion"),
        ("tag=Cooking", "tag", "category:name"),
        ("tag=interest:Knitting", "tag", "no interest tag called 'Knitting'"),
        ("tag_mode=some", "tag_mode", "any, all"),
        ("ward=Atlantis", "ward", "no ward called 'Atlantis'"),
        ("organisation_id=abc", "organisation_id", "whole number"),
        (f"organisation_id={10**25}", "organisation_id", "whole number"),
        ("organisation_id=987654", "organisation_id", "no organisation with id 987654"),
        ("status=gone", "status", "active"),
        ("status=active&status=left", "status", "once"),
        ("consent=photos", "consent", "consent=contact"),
        ("needs=pets", "needs", "creche"),
        ("sort=age", "sort", "name"),
        ("sort=oldest", "sort", "name, engaged, recent, fair"),
        ("attended_min=two", "attended_min", "whole number"),
        ("attended_min=-1", "attended_min", "whole number"),
        ("attended_from=2024-13-01", "attended_from", "YYYY-MM-DD"),
        ("attended_from=2024-05-01&attended_to=2024-04-01", "attended_to", "after"),
        ("never_attended=yes", "never_attended", "never_attended=1"),
        ("last_attended_before=yesterday", "last_attended_before", "YYYY-MM-DD"),
        ("last_attended_after=2024-02-30", "last_attended_after", "YYYY-MM-DD"),
        ("no_show_min=1.5", "no_show_min", "whole number"),
        ("not_invited_days=x", "not_invited_days", "whole number"),
        ("theme=Astrology", "theme", "no theme called 'Astrology'"),
        ("level_min=top", "level_min", "co_producing"),
        ("types=volunteer", "types", "Unknown parameter"),
        ("per_page=0", "per_page", "from 1 to 200"),
        ("per_page=abc", "per_page", "from 1 to 200"),
        ("per_page=201", "per_page", "from 1 to 200"),
        ("page=0", "page", "whole number"),
        ("page=-1", "page", "whole number"),
    ],
)
def test_bad_filters_are_422_naming_the_parameter(api_as, query, field, words):
    error = error_of(api_as().get(f"/api/v1/people?{query}"), 422)
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert words in error["fields"][field]


def test_lists_are_paginated_with_totals(api_as, db):
    for n in range(7):
        PersonFactory(first_name=f"P{n}", last_name=f"Surname{n}")
    db.session.commit()
    api = api_as()
    first = api.get("/api/v1/people?per_page=3").get_json()
    assert (first["page"], first["pages"], first["total"], len(first["items"])) == (1, 3, 7, 3)
    assert [p["last_name"] for p in first["items"]] == ["Surname0", "Surname1", "Surname2"]
    last = api.get("/api/v1/people?per_page=3&page=3").get_json()
    assert (last["page"], last["pages"], last["total"], [p["last_name"] for p in last["items"]]) == (
        3,
        3,
        7,
        ["Surname6"],
    )
    beyond = api.get("/api/v1/people?per_page=3&page=9").get_json()
    assert beyond["items"] == [] and beyond["total"] == 7
    default = api.get("/api/v1/people").get_json()
    assert default["pages"] == 1 and len(default["items"]) == 7


def test_the_people_list_costs_the_same_queries_for_3_or_30_people(api_as, db, app):
    organisation = OrganisationFactory()
    tag = TagFactory()
    db.session.commit()
    api = api_as()

    def add(n):
        from crm.models import Affiliation

        for _ in range(n):
            person = PersonFactory(types=[PersonType.VOLUNTEER, PersonType.PARENT_CARER])
            person.tags = [tag]
            _db.session.add(Affiliation(person_id=person.id, organisation_id=organisation.id))
            ConsentFactory(person=person)
        db.session.commit()

    def queries() -> int:
        statements = []

        def record(*args):
            statements.append(args[2])

        event.listen(_db.engine, "before_cursor_execute", record)
        try:
            response = api.get("/api/v1/people?per_page=200")
        finally:
            event.remove(_db.engine, "before_cursor_execute", record)
        assert response.status_code == 200
        return len(statements)

    add(3)
    with_three = queries()
    add(27)
    assert queries() == with_three
    assert with_three <= 10


# --- Organisations ---------------------------------------------------------------------------


def test_organisations_are_added_and_listed_by_name(api_as, db):
    api = api_as(Role.COORDINATOR)
    response = api.post("/api/v1/organisations", json={"name": "YMCA Southend", "type": "voluntary"})
    assert response.status_code == 201
    created = response.get_json()
    assert set(created) == {"id", "name", "type", "created_at"}
    assert (created["name"], created["type"]) == ("YMCA Southend", "voluntary")
    OrganisationFactory(name="Anglia Ruskin University")
    db.session.commit()
    listing = api.get("/api/v1/organisations").get_json()
    assert [o["name"] for o in listing["items"]] == ["Anglia Ruskin University", "YMCA Southend"]
    assert listing["total"] == 2
    assert listing["items"][1] == created


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"name": "X"}, "type", "council, nhs"),
        ({"name": "X", "type": "club"}, "type", "council, nhs"),
        ({"type": "nhs"}, "name", "Enter the organisation's name"),
        ({"name": "X", "type": "nhs", "website": "x.org"}, "website", "Unknown field"),
    ],
)
def test_bad_organisation_input_is_422(api_as, db, body, field, words):
    error = error_of(api_as().post("/api/v1/organisations", json=body), 422)
    assert list(error["fields"]) == [field]
    assert words in error["fields"][field]
    assert count(db, Organisation) == 0


def test_a_duplicate_organisation_name_is_422(api_as, db):
    OrganisationFactory(name="Southend Council")
    db.session.commit()
    error = error_of(api_as().post("/api/v1/organisations", json={"name": "southend council", "type": "council"}), 422)
    assert "already exists" in error["fields"]["name"]


# --- Sessions --------------------------------------------------------------------------------


def _session_body(**changes):
    return {
        "title": "Talking with toddlers",
        "date": "2025-03-14",
        "start_time": "10:00",
        "end_time": "12:30",
        "format": "in_person",
        "kind": "co_design_workshop",
        "involvement_level": "co_designing",
        **changes,
    }


def test_a_session_posted_comes_back_in_the_promised_shape(api_as, db):
    organiser = OrganisationFactory()
    db.session.commit()
    api = api_as(Role.COORDINATOR)
    body = _session_body(
        theme="communication and language",
        location="Kent Elms Library",
        organiser_organisation_id=organiser.id,
        capacity=20,
        creche_places=6,
    )
    response = api.post("/api/v1/sessions", json=body)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/sessions/{created['id']}")
    assert created == api.get(f"/api/v1/sessions/{created['id']}").get_json()
    assert set(created) == SESSION_KEYS
    assert created == {
        "id": created["id"],
        "title": "Talking with toddlers",
        "event_id": None,
        "date": "2025-03-14",
        "start_time": "10:00",
        "end_time": "12:30",
        "format": "in_person",
        "kind": "co_design_workshop",
        "theme": "Communication and language",
        "involvement_level": "co_designing",
        "location": "Kent Elms Library",
        "organiser_organisation_id": organiser.id,
        "capacity": 20,
        "creche_places": 6,
        "cancelled": False,
    }


def test_sessions_are_listed_earliest_first_and_show_cancellation(api_as, db):
    from datetime import date, time

    from crm.models.base import utcnow

    later = SessionFactory(date=date(2025, 5, 1), theme_id=db.session.scalar(select(Theme.id).limit(1)))
    earlier = SessionFactory(date=date(2025, 4, 1), start_time=time(9, 0), end_time=time(9, 30), cancelled_at=utcnow())
    db.session.commit()
    items = api_as(Role.CHAMPION).get("/api/v1/sessions").get_json()["items"]
    assert [s["id"] for s in items] == [earlier.id, later.id]
    assert items[0]["cancelled"] is True and items[1]["cancelled"] is False
    assert (items[0]["start_time"], items[0]["end_time"]) == ("09:00", "09:30")
    assert items[1]["theme"] == later.theme.name


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"end_time": "09:00"}, "end_time", "after the start time"),
        ({"end_time": "10:00"}, "end_time", "after the start time"),
        ({"date": "14/03/2025"}, "date", "YYYY-MM-DD"),
        ({"date": "2025-02-30"}, "date", "YYYY-MM-DD"),
        ({"start_time": "10am"}, "start_time", "HH:MM"),
        ({"format": "carrier_pigeon"}, "format", "in_person, online, hybrid"),
        ({"theme": "Astrology"}, "theme", "no theme called 'Astrology'"),
        ({"capacity": -1}, "capacity", "0"),
        ({"capacity": "ten"}, "capacity", "whole number"),
        ({"event_id": 987654}, "event_id", "no event with id 987654"),
        ({"cancelled": True}, "cancelled", "cannot be sent"),
        ({"title": ""}, "title", "Enter a title"),
    ],
)
def test_bad_session_input_is_422_naming_the_field(api_as, db, changes, field, words):
    error = error_of(api_as().post("/api/v1/sessions", json=_session_body(**changes)), 422)
    assert list(error["fields"]) == [field]
    assert words in error["fields"][field]
    assert count(db, Session) == 0


def test_a_session_without_its_required_fields_names_each_one(api_as):
    error = error_of(api_as().post("/api/v1/sessions", json={}), 422)
    assert set(error["fields"]) == {"title", "date", "start_time", "end_time", "format", "kind", "involvement_level"}


# --- The OpenAPI document --------------------------------------------------------------------


def _document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


def test_the_openapi_document_is_public_and_describes_every_api_route(app, client):
    document = _document(client)
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from `flask crm create-token EMAIL`.",
    }
    prefix = document["servers"][0]["url"]
    undocumented = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = rule.rule.removeprefix(prefix)
        for argument in rule.arguments:
            path = path.replace(f"<int:{argument}>", f"{{{argument}}}").replace(f"<{argument}>", f"{{{argument}}}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in document["paths"].get(path, {}):
                undocumented.append(f"{method} {rule.rule}")
    assert undocumented == []
    for schema in ("Person", "Organisation", "Session", "Error", "PersonList", "SessionList", "OrganisationList"):
        assert schema in document["components"]["schemas"]


def test_every_reference_in_the_openapi_document_resolves(client):
    document = _document(client)

    def refs(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for item in node:
                yield from refs(item)

    found = list(refs(document))
    assert len(found) > 20
    for ref in found:
        node = document
        for part in ref.removeprefix("#/").split("/"):
            assert part in node, f"{ref} does not resolve"
            node = node[part]


def test_the_documented_shapes_match_what_the_api_returns(client, api_as, db):
    document = _document(client)
    schemas = document["components"]["schemas"]
    person = PersonFactory()
    session = SessionFactory()
    organisation = OrganisationFactory()
    db.session.commit()
    api = api_as()
    shown = {
        "Person": api.get(f"/api/v1/people/{person.id}").get_json(),
        "Session": api.get(f"/api/v1/sessions/{session.id}").get_json(),
        "Organisation": api.get("/api/v1/organisations").get_json()["items"][0],
    }
    assert shown["Organisation"]["id"] == organisation.id
    for name, value in shown.items():
        assert set(schemas[name]["properties"]) == set(value), name
        assert set(schemas[name]["required"]) == set(value), name
    # Everything the API accepts on POST is documented, and nothing more.
    assert set(schemas["PersonInput"]["properties"]) == PERSON_KEYS - {"id", "created_at", "updated_at"}
    assert set(schemas["SessionInput"]["properties"]) == SESSION_KEYS - {"id", "cancelled"}
    documented_filters = {p["name"] for p in document["paths"]["/people"]["get"]["parameters"] if "name" in p}
    assert {
        "q",
        "type",
        "tag",
        "tag_mode",
        "ward",
        "organisation_id",
        "status",
        "consent",
        "needs",
        "sort",
        "attended_min",
    } <= documented_filters


def test_person_json_needs_no_extra_queries_when_loaded_for_the_api(db):
    """A guard for the serialiser: it reads only what the API's loader fetched."""
    from crm.queries.api_filters import person_for_api

    person = PersonFactory()
    db.session.commit()
    db.session.expire_all()
    loaded = person_for_api(person.id)
    assert person_json(loaded, False)["id"] == person.id


def test_tags_in_a_person_are_category_and_name(api_as, db):
    tag = TagFactory(category=TagCategory.SKILL, name="Facilitation")
    person = PersonFactory()
    person.tags = [tag]
    db.session.commit()
    shown = api_as().get(f"/api/v1/people/{person.id}").get_json()
    assert shown["tags"] == [{"category": "skill", "name": "Facilitation"}]
    assert db.session.scalar(select(Tag.id).where(Tag.name == "Facilitation")) == tag.id
