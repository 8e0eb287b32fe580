"""People: list with filters, read, create and change."""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for
from flask_login import current_user

from crm.api import api
from crm.api.errors import ApiError, not_found
from crm.api.inputs import (
    MAX_INTEGER,
    check_types,
    enum_problem,
    id_by_name,
    json_object,
    page_args,
    page_json,
    query_args,
    run_service,
    unexpected_fields,
)
from crm.api.serialise import person_json
from crm.extensions import db
from crm.models import Ward
from crm.models.enums import PersonStatus, PersonType
from crm.permissions import PEOPLE_CREATE, PEOPLE_EDIT, PEOPLE_VIEW, requires
from crm.queries.api_filters import (
    FILTER_NAMES,
    parse_people_filters,
    person_for_api,
    tags_named,
    with_api_loading,
)
from crm.queries.find_people import find_people_page
from crm.queries.people import contact_consent_ids
from crm.services import people as people_service
from crm.services.merge import survivor_of

FIELD_KINDS = {
    "first_name": "text",
    "last_name": "text_or_null",
    "preferred_name": "text_or_null",
    "email": "text_or_null",
    "phone": "text_or_null",
    "postcode": "text_or_null",
    "ward": "text_or_null",
    "person_types": "list",
    "tags": "list",
    "status": "text",
    "consent_to_contact": "bool",
    "needs": "object",
    "affiliations": "list",
}
READ_ONLY = ("id", "created_at", "updated_at")
NEEDS_KINDS = {"creche": "bool", "step_free": "bool", "interpreter_language": "text_or_null", "other": "text_or_null"}
# Where the service's field names differ from the API's, so errors name what the client sent.
_SERVICE_TO_API = {
    "ward_id": "ward",
    "needs_creche": "needs.creche",
    "needs_step_free": "needs.step_free",
    "interpreter_language": "needs.interpreter_language",
    "other_needs": "needs.other",
}
_NEEDS_TO_SERVICE = {
    "creche": "needs_creche",
    "step_free": "needs_step_free",
    "interpreter_language": "interpreter_language",
    "other": "other_needs",
}
TAG_KINDS = {"category": "text", "name": "text"}
AFFILIATION_KINDS = {"organisation_id": "int", "job_title": "text_or_null"}


@api.get("/people")
@requires(PEOPLE_VIEW)
def list_people():
    args = query_args(FILTER_NAMES)
    page_number, per_page = page_args(args)
    filters = parse_people_filters(args)
    page = find_people_page(filters, page_number, per_page, clamp=False, loading=with_api_loading)
    consenting = contact_consent_ids([person.id for person in page.items])
    return page_json(page, [person_json(p, p.id in consenting) for p in page.items])


@api.get("/people/<int:person_id>")
@requires(PEOPLE_VIEW)
def get_person(person_id: int):
    person = person_for_api(person_id) if person_id <= MAX_INTEGER else None
    if person is None:
        survivor = survivor_of(person_id) if person_id <= MAX_INTEGER else None
        if survivor is not None:
            return _merged(person_id, survivor)
        raise not_found("person", person_id)
    return jsonify(person_json(person, person.id in contact_consent_ids([person.id])))


def _merged(person_id: int, survivor_id: int):
    """A merged-away id: 308 Permanent Redirect to the person it was merged into, with the
    survivor's id in the body for clients that do not follow redirects."""
    location = url_for("api.get_person", person_id=survivor_id)
    response = jsonify(
        error={
            "code": "merged",
            "message": f"Person {person_id} was merged into person {survivor_id}; use {location}.",
            "fields": {},
        },
        survivor_id=survivor_id,
    )
    response.status_code = 308
    response.headers["Location"] = location
    return response


@api.post("/people")
@requires(PEOPLE_CREATE)
def create_person():
    body = json_object()
    data, problems = _service_data(body)
    person = run_service(problems, lambda: people_service.create_person(data, current_user), _SERVICE_TO_API)
    if "consent_to_contact" in body:
        people_service.set_contact_consent(person, body["consent_to_contact"], current_user)
    db.session.commit()
    response = _person_response(person.id)
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_person", person_id=person.id)
    return response


@api.patch("/people/<int:person_id>")
@requires(PEOPLE_EDIT)
def update_person(person_id: int):
    person = person_for_api(person_id) if person_id <= MAX_INTEGER else None
    if person is None:
        survivor = survivor_of(person_id) if person_id <= MAX_INTEGER else None
        if survivor is not None:
            # Not redirected: a change meant for one record is not silently applied to another.
            message = f"Person {person_id} was merged into person {survivor}; fetch that person and change it."
            raise ApiError(404, "merged", message)
        raise not_found("person", person_id)
    body = json_object()
    data, problems = _service_data(body)
    run_service(problems, lambda: people_service.update_person(person, data, current_user), _SERVICE_TO_API)
    if "consent_to_contact" in body:
        people_service.set_contact_consent(person, body["consent_to_contact"], current_user)
    db.session.commit()
    return _person_response(person_id)


def _person_response(person_id: int):
    person = person_for_api(person_id) if person_id <= MAX_INTEGER else None
    if person is None:
        raise not_found("person", person_id)
    return jsonify(person_json(person, person.id in contact_consent_ids([person.id])))


def _service_data(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The body in the service's terms, and the problems found before the service sees it."""
    problems = unexpected_fields(body, FIELD_KINDS, READ_ONLY)
    problems.update(check_types(body, FIELD_KINDS))
    data = {key: value for key, value in body.items() if key in FIELD_KINDS and key not in problems}
    data.pop("consent_to_contact", None)

    if "ward" in data:
        name = (data.pop("ward") or "").strip()
        data["ward_id"] = None
        if name:
            data["ward_id"], problem = id_by_name(Ward, name, "ward")
            if problem:
                problems["ward"] = problem

    needs = data.pop("needs", None)
    if needs is not None:
        needs_problems = unexpected_fields(needs, NEEDS_KINDS)
        needs_problems.update(check_types(needs, NEEDS_KINDS))
        problems.update({f"needs.{key}": message for key, message in needs_problems.items()})
        for key, value in needs.items():
            if key in NEEDS_KINDS and f"needs.{key}" not in problems:
                data[_NEEDS_TO_SERVICE[key]] = value

    if "person_types" in data:
        unknown = [t for t in data["person_types"] if t not in PersonType.values()]
        if unknown:
            problems["person_types"] = f"Unknown person type {unknown[0]!r}; use {', '.join(PersonType.values())}"
            del data["person_types"]
    if "status" in data:
        problem = enum_problem(data["status"], PersonStatus.values())
        if problem:
            problems["status"] = problem
            del data["status"]
    for key, item_kinds, required in (
        ("tags", TAG_KINDS, {"category", "name"}),
        ("affiliations", AFFILIATION_KINDS, {"organisation_id"}),
    ):
        if key in data:
            problem = _list_problem(data[key], item_kinds, required)
            if problem:
                problems[key] = problem
                del data[key]
    if "tags" in data:
        # Matched ignoring case, as the filters do; the service takes the Tag objects as they are.
        data["tags"], problem = tags_named([(t["category"], t["name"]) for t in data["tags"]])
        if problem:
            problems["tags"] = problem
            del data["tags"]
    if "last_name" in data and data["last_name"] is None:
        data["last_name"] = ""
    return data, problems


def _list_problem(items: list[Any], kinds: dict[str, str], required: set[str]) -> str | None:
    """What is wrong with a list of objects with these keys, or None when every item fits."""
    example = ", ".join(f'"{key}"' for key in kinds)
    for item in items:
        if not isinstance(item, dict) or not required <= set(item) <= set(kinds):
            return f"Give each item as an object with {example}"
        for key, problem in check_types(item, kinds).items():
            return f"{key}: {problem}"
    return None
