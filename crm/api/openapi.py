"""The OpenAPI 3.1 document for the API, served at /api/v1/openapi.json.

A test checks that every API route appears here, so a new route cannot go undocumented.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify

from crm.api import api
from crm.api.inputs import DEFAULT_PER_PAGE
from crm.models.enums import (
    InvolvementLevel,
    OrganisationType,
    ParticipationRole,
    ParticipationSource,
    ParticipationStatus,
    PersonStatus,
    PersonType,
    SessionFormat,
    SessionKind,
    TagCategory,
)
from crm.permissions import public
from crm.queries.api_filters import NEEDS
from crm.queries.pagination import MAX_PER_PAGE


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


def _enum(values: list[str], **extra: Any) -> dict[str, Any]:
    return {"type": "string", "enum": values, **extra}


def _page_of(name: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "page", "pages", "total"],
        "properties": {
            "items": {"type": "array", "items": _ref(name)},
            "page": {"type": "integer", "minimum": 1, "description": "This page's number."},
            "pages": {"type": "integer", "minimum": 1, "description": "How many pages there are."},
            "total": {"type": "integer", "minimum": 0, "description": "How many items match."},
        },
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(name: str, description: str) -> dict[str, Any]:
    return {"required": True, "description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _query(name: str, schema: dict[str, Any], description: str, *, repeatable: bool = False):
    if repeatable:
        schema = {"type": "array", "items": schema}
    parameter = {"name": name, "in": "query", "required": False, "schema": schema, "description": description}
    if repeatable:
        parameter |= {"style": "form", "explode": True}
    return parameter


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(status): {"$ref": f"#/components/responses/{_ERROR_RESPONSES[status]}"} for status in statuses}


_ERROR_RESPONSES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    422: "Invalid",
}

_TIMESTAMP = {"type": "string", "format": "date-time", "description": "ISO 8601, UTC."}
_PAGING = [{"$ref": "#/components/parameters/page"}, {"$ref": "#/components/parameters/per_page"}]

PERSON_FILTERS = [
    _query("q", {"type": "string"}, "Words in the name or email, or part of a phone number."),
    _query("type", _enum(PersonType.values()), "Has any of these person types.", repeatable=True),
    _query(
        "tag",
        {"type": "string", "pattern": "^[a-z_]+:.+$"},
        "A tag as `category:name`, like `interest:Cooking`.",
        repeatable=True,
    ),
    _query("tag_mode", _enum(["any", "all"], default="any"), "Whether people need any of the `tag`s, or all of them."),
    _query("ward", {"type": "string"}, "Lives in any of these wards (by name).", repeatable=True),
    _query("organisation_id", {"type": "integer"}, "Affiliated with this organisation."),
    _query("status", _enum(PersonStatus.values()), "Has this status."),
    _query("consent", _enum(["contact"]), "`contact`: only people who currently consent to be contacted."),
    _query("needs", _enum(list(NEEDS)), "Has this need (all given must apply).", repeatable=True),
    _query(
        "attended_min",
        {"type": "integer", "minimum": 0},
        "Attended at least this many sessions (not cancelled), within `attended_from`/`attended_to` if given.",
    ),
    _query("attended_from", {"type": "string", "format": "date"}, "Count attendances from this date."),
    _query("attended_to", {"type": "string", "format": "date"}, "Count attendances up to this date."),
    _query("theme", {"type": "string"}, "Attended a session with this theme (by name)."),
    _query("level_min", _enum(InvolvementLevel.values()), "Attended a session at this involvement level or higher."),
    _query("last_attended_before", {"type": "string", "format": "date"}, "Last attended before this date."),
    _query("last_attended_after", {"type": "string", "format": "date"}, "Attended after this date."),
    _query("never_attended", _enum(["1"]), "`1`: only people who have never attended a session."),
    _query("not_invited_days", {"type": "integer", "minimum": 0}, "Not invited to anything in this many days."),
    _query("no_show_min", {"type": "integer", "minimum": 0}, "Did not come at least this many times."),
    _query(
        "sort",
        _enum(["name", "engaged", "recent", "fair"], default="name"),
        "Order: `name` (last, then first name); `engaged` (most sessions attended first); `recent` (latest "
        "attendance first, never attended last); `fair` (least recently invited or attended first). Ties by name.",
    ),
]

_TAG = {
    "type": "object",
    "required": ["category", "name"],
    "additionalProperties": False,
    "properties": {"category": _enum(TagCategory.values()), "name": {"type": "string"}},
}
_NEEDS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "creche": {"type": "boolean", "description": "Needs a creche place."},
        "step_free": {"type": "boolean", "description": "Needs step-free access."},
        "interpreter_language": _nullable(
            "string", maxLength=60, description="Needs an interpreter for this language."
        ),
        "other": _nullable("string", description="Any other need, in words."),
    },
}
_AFFILIATION = {
    "type": "object",
    "required": ["organisation_id"],
    "additionalProperties": False,
    "properties": {
        "organisation_id": {"type": "integer"},
        "job_title": _nullable("string", maxLength=150),
    },
}
_PERSON_FIELDS = {
    "first_name": {"type": "string", "minLength": 1, "maxLength": 100},
    "last_name": _nullable("string", maxLength=100),
    "preferred_name": _nullable("string", maxLength=100),
    "email": _nullable("string", format="email", description="Unique; stored lower-cased."),
    "phone": _nullable("string", description="UK or international (+); returned in E.164 form, like +447911123456."),
    "postcode": _nullable("string", description="A UK postcode; returned like `SS1 2AB`."),
    "ward": _nullable("string", description="The ward's name, from the administrator's list."),
    "person_types": {"type": "array", "items": _enum(PersonType.values()), "uniqueItems": True},
    "tags": {
        "type": "array",
        "items": _TAG,
        "description": "Tags from the administrator's list; sending the list replaces it.",
    },
    "status": _enum(PersonStatus.values()),
    "consent_to_contact": {
        "type": "boolean",
        "description": "Whether the person currently consents to be contacted about "
        "opportunities. Sending true records a consent given via the API; false withdraws it.",
    },
    "needs": {**_NEEDS, "description": "In a PATCH, only the needs sent change."},
    "affiliations": {
        "type": "array",
        "items": _AFFILIATION,
        "description": "Sending the list replaces the person's affiliations.",
    },
}
_SESSION_FIELDS = {
    "title": {"type": "string", "minLength": 1, "maxLength": 200},
    "event_id": _nullable("integer"),
    "date": {"type": "string", "format": "date", "description": "YYYY-MM-DD."},
    "start_time": {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$", "description": "HH:MM."},
    "end_time": {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$", "description": "HH:MM, after the start time."},
    "format": _enum(SessionFormat.values()),
    "kind": _enum(SessionKind.values()),
    "theme": _nullable("string", description="The theme's name, from the administrator's list."),
    "involvement_level": _enum(InvolvementLevel.values(), description="The ladder of co-production, lowest first."),
    "location": _nullable("string", maxLength=300),
    "organiser_organisation_id": _nullable("integer"),
    "capacity": _nullable("integer", minimum=0),
    "creche_places": {"type": "integer", "minimum": 0, "default": 0},
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "fields"],
                "properties": {
                    "code": {"type": "string", "examples": ["invalid", "not_found"]},
                    "message": {"type": "string", "description": "What went wrong and what to do."},
                    "fields": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                        "description": "For 422: each field (or query parameter) to fix, with "
                        "what to change. Nested fields are dotted, like `needs.creche`.",
                    },
                },
            }
        },
    },
    "Person": {
        "type": "object",
        "required": ["id", *_PERSON_FIELDS, "created_at", "updated_at"],
        "properties": {
            "id": {"type": "integer"},
            **_PERSON_FIELDS,
            "last_name": {"type": "string", "maxLength": 100},
            "needs": {**_NEEDS, "required": list(_NEEDS["properties"])},
            "affiliations": {
                "type": "array",
                "items": {**_AFFILIATION, "required": ["organisation_id", "job_title"]},
            },
            "created_at": _TIMESTAMP,
            "updated_at": _TIMESTAMP,
        },
    },
    "PersonInput": {
        "type": "object",
        "required": ["first_name"],
        "additionalProperties": False,
        "properties": _PERSON_FIELDS,
    },
    "PersonChanges": {
        "type": "object",
        "additionalProperties": False,
        "description": "Only the fields sent change.",
        "properties": _PERSON_FIELDS,
    },
    "Organisation": {
        "type": "object",
        "required": ["id", "name", "type", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "type": _enum(OrganisationType.values()),
            "created_at": _TIMESTAMP,
        },
    },
    "OrganisationInput": {
        "type": "object",
        "required": ["name", "type"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 200, "description": "Unique, ignoring case."},
            "type": _enum(OrganisationType.values()),
        },
    },
    "Session": {
        "type": "object",
        "required": ["id", *_SESSION_FIELDS, "cancelled"],
        "properties": {
            "id": {"type": "integer"},
            **_SESSION_FIELDS,
            "cancelled": {"type": "boolean"},
        },
    },
    "SessionInput": {
        "type": "object",
        "required": ["title", "date", "start_time", "end_time", "format", "kind", "involvement_level"],
        "additionalProperties": False,
        "properties": _SESSION_FIELDS,
    },
    "PersonList": _page_of("Person"),
    "OrganisationList": _page_of("Organisation"),
    "SessionList": _page_of("Session"),
}

_ERROR_DESCRIPTIONS = {
    "BadRequest": "The body is not a JSON object sent as application/json.",
    "Unauthorized": "No valid API token was sent.",
    "Forbidden": "The token's user's role does not allow this.",
    "NotFound": "There is nothing with that id.",
    "Conflict": "Someone else changed the record at the same time; fetch it and try again.",
    "Invalid": "Some fields or parameters are not valid; `fields` names each one.",
}

_COUNT = {"type": "integer", "minimum": 0}
SCHEMAS["Participation"] = {
    "type": "object",
    "required": ["person_id", "session_id", "status", "role", "minutes", "creche_children", "source"],
    "properties": {
        "person_id": {"type": "integer"},
        "session_id": {"type": "integer"},
        "status": _enum(ParticipationStatus.values()),
        "role": _enum(ParticipationRole.values()),
        "minutes": _nullable("integer", minimum=0, description="Minutes attended; null means the whole session."),
        "creche_children": {"type": "integer", "minimum": 0},
        "source": _enum(ParticipationSource.values()),
    },
}
SCHEMAS["ParticipationInput"] = {
    "type": "object",
    "required": ["status"],
    "additionalProperties": False,
    "properties": {
        "status": _enum(ParticipationStatus.values()),
        "role": _enum(ParticipationRole.values()),
        "minutes": _nullable("integer", minimum=0, maximum=1440),
        "creche_children": {"type": "integer", "minimum": 0, "maximum": 20},
    },
}
SCHEMAS["ParticipationList"] = _page_of("Participation")
_COUNTS_BY_NAME = {"type": "object", "additionalProperties": _COUNT}
_SESSIONS_AND_ATTENDANCES = {
    "type": "object",
    "required": ["sessions", "attendances"],
    "properties": {"sessions": _COUNT, "attendances": _COUNT},
}
SCHEMAS["ParticipationReport"] = {
    "type": "object",
    "required": [
        "period",
        "sessions_held",
        "attendances",
        "unique_participants",
        "new_participants",
        "returning_participants",
        "retained_from_previous",
        "hours",
        "no_show_rate",
        "by_month",
        "by_person_type",
        "by_ward",
        "by_organisation",
        "by_theme",
        "by_involvement_level",
        "contributions",
    ],
    "properties": {
        "period": {
            "type": "object",
            "required": ["start", "end", "basis", "label"],
            "properties": {
                "start": {"type": "string", "format": "date"},
                "end": {"type": "string", "format": "date"},
                "basis": _enum(["calendar", "financial"]),
                "label": {"type": "string", "examples": ["2024/25"]},
            },
        },
        "sessions_held": _COUNT,
        "attendances": _COUNT,
        "unique_participants": _COUNT,
        "new_participants": _COUNT,
        "returning_participants": _COUNT,
        "retained_from_previous": {
            "type": "object",
            "required": ["previous_unique", "retained", "rate"],
            "properties": {"previous_unique": _COUNT, "retained": _COUNT, "rate": {"type": "number"}},
        },
        "hours": {"type": "number", "minimum": 0},
        "no_show_rate": {"type": "number", "minimum": 0, "maximum": 1},
        "by_month": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["month", "sessions", "attendances", "unique_participants"],
                "properties": {
                    "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                    "sessions": _COUNT,
                    "attendances": _COUNT,
                    "unique_participants": _COUNT,
                },
            },
        },
        "by_person_type": _COUNTS_BY_NAME,
        "by_ward": _COUNTS_BY_NAME,
        "by_organisation": _COUNTS_BY_NAME,
        "by_theme": {"type": "object", "additionalProperties": _SESSIONS_AND_ATTENDANCES},
        "by_involvement_level": {"type": "object", "additionalProperties": _SESSIONS_AND_ATTENDANCES},
        "contributions": {
            "type": "object",
            "required": ["total", "by_kind", "acted_on", "not_taken_forward", "open"],
            "properties": {
                "total": _COUNT,
                "by_kind": _COUNTS_BY_NAME,
                "acted_on": _COUNT,
                "not_taken_forward": _COUNT,
                "open": _COUNT,
            },
        },
    },
}

PATHS: dict[str, Any] = {
    "/people": {
        "get": {
            "operationId": "listPeople",
            "summary": "List and filter people",
            "description": "Needs the people.view permission. Filters combine with AND.",
            "tags": ["People"],
            "parameters": [*PERSON_FILTERS, *_PAGING],
            "responses": {"200": _json(_ref("PersonList"), "A page of people."), **_errors(401, 403, 422)},
        },
        "post": {
            "operationId": "createPerson",
            "summary": "Add a person",
            "description": "Needs the people.create permission.",
            "tags": ["People"],
            "requestBody": _body("PersonInput", "The new person."),
            "responses": {"201": _json(_ref("Person"), "The person as stored."), **_errors(400, 401, 403, 422)},
        },
    },
    "/people/{person_id}": {
        "parameters": [{"$ref": "#/components/parameters/person_id"}],
        "get": {
            "operationId": "getPerson",
            "summary": "One person",
            "description": (
                "Needs the people.view permission. The id of a person merged into another (on the "
                "duplicates screen) answers 308 Permanent Redirect to the person it was merged into."
            ),
            "tags": ["People"],
            "responses": {
                "200": _json(_ref("Person"), "The person."),
                "308": {
                    "description": (
                        "This person was merged into another: `Location` is the survivor's URL; the body is an "
                        "error with code `merged` and `survivor_id`."
                    ),
                    "headers": {"Location": {"schema": {"type": "string"}, "description": "The survivor's URL."}},
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["error", "survivor_id"],
                                "properties": {"error": {"type": "object"}, "survivor_id": {"type": "integer"}},
                            }
                        }
                    },
                },
                **_errors(401, 403, 404),
            },
        },
        "patch": {
            "operationId": "updatePerson",
            "summary": "Change some of a person's details",
            "description": (
                "Needs the people.edit permission. Fields not sent keep their values. A merged-away id "
                "answers 404 with code `merged`, naming the person it was merged into (not redirected)."
            ),
            "tags": ["People"],
            "requestBody": _body("PersonChanges", "The fields to change."),
            "responses": {
                "200": _json(_ref("Person"), "The person after the change."),
                **_errors(400, 401, 403, 404, 409, 422),
            },
        },
    },
    "/organisations": {
        "get": {
            "operationId": "listOrganisations",
            "summary": "List organisations, by name",
            "description": "Needs the organisations.view permission.",
            "tags": ["Organisations"],
            "parameters": _PAGING,
            "responses": {"200": _json(_ref("OrganisationList"), "A page of organisations."), **_errors(401, 403, 422)},
        },
        "post": {
            "operationId": "createOrganisation",
            "summary": "Add an organisation",
            "description": "Needs the organisations.edit permission.",
            "tags": ["Organisations"],
            "requestBody": _body("OrganisationInput", "The new organisation."),
            "responses": {
                "201": _json(_ref("Organisation"), "The organisation as stored."),
                **_errors(400, 401, 403, 422),
            },
        },
    },
    "/sessions": {
        "get": {
            "operationId": "listSessions",
            "summary": "List sessions, earliest first",
            "description": "Needs the sessions.view permission.",
            "tags": ["Sessions"],
            "parameters": _PAGING,
            "responses": {"200": _json(_ref("SessionList"), "A page of sessions."), **_errors(401, 403, 422)},
        },
        "post": {
            "operationId": "createSession",
            "summary": "Add a session",
            "description": "Needs the sessions.edit permission.",
            "tags": ["Sessions"],
            "requestBody": _body("SessionInput", "The new session."),
            "responses": {"201": _json(_ref("Session"), "The session as stored."), **_errors(400, 401, 403, 422)},
        },
    },
    "/sessions/{session_id}": {
        "parameters": [{"$ref": "#/components/parameters/session_id"}],
        "get": {
            "operationId": "getSession",
            "summary": "One session",
            "description": "Needs the sessions.view permission.",
            "tags": ["Sessions"],
            "responses": {"200": _json(_ref("Session"), "The session."), **_errors(401, 403, 404)},
        },
    },
    "/sessions/{session_id}/participants": {
        "parameters": [{"$ref": "#/components/parameters/session_id"}],
        "get": {
            "operationId": "listParticipants",
            "summary": "A session's participation rows, by person id",
            "description": "Needs the sessions.view permission.",
            "tags": ["Sessions"],
            "parameters": _PAGING,
            "responses": {
                "200": _json(_ref("ParticipationList"), "A page of participation rows."),
                **_errors(401, 403, 404, 422),
            },
        },
    },
    "/sessions/{session_id}/participants/{person_id}": {
        "parameters": [
            {"$ref": "#/components/parameters/session_id"},
            {"$ref": "#/components/parameters/person_id"},
        ],
        "put": {
            "operationId": "putParticipant",
            "summary": "Record one person's participation in a session (idempotent)",
            "description": (
                "Needs the attendance.record permission. `status` is required; `role`, `minutes` "
                "(null: the whole session) and `creche_children` are left as stored when not sent. "
                "201 when the row is new, 200 otherwise; sending the same body again changes nothing. "
                "Refused (422) for a cancelled session, for attended/apologies/no_show before the "
                "session's day, and for leaving attended when contributions are recorded."
            ),
            "tags": ["Sessions"],
            "requestBody": _body("ParticipationInput", "What to record."),
            "responses": {
                "200": _json(_ref("Participation"), "The participation as stored (it existed)."),
                "201": _json(_ref("Participation"), "The participation as stored (new)."),
                **_errors(400, 401, 403, 404, 422),
            },
        },
    },
    "/reports/participation": {
        "get": {
            "operationId": "getParticipationReport",
            "summary": "The annual participation report",
            "description": (
                "Needs the reports.view permission. All counts are over sessions dated in the period "
                "that are not cancelled; attended means status `attended`. The same JSON as "
                "`flask crm report participation`."
            ),
            "tags": ["Reports"],
            "parameters": [
                _query(
                    "year",
                    {"type": "string", "pattern": "^[0-9]{4}$"},
                    "The year (a financial year is named by the year it starts in); default the current one.",
                ),
                _query("basis", _enum(["calendar", "financial"], default="calendar"), "Calendar or financial year."),
            ],
            "responses": {"200": _json(_ref("ParticipationReport"), "The report."), **_errors(401, 403, 422)},
        },
    },
    "/openapi.json": {
        "get": {
            "operationId": "getOpenApiDocument",
            "summary": "This document",
            "tags": ["Documentation"],
            "security": [],
            "responses": {
                "200": {
                    "description": "The OpenAPI document.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        },
    },
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Co-production CRM API",
        "version": "1.0.0",
        "description": (
            "People, organisations and sessions of a co-production programme.\n\n"
            "Send `Authorization: Bearer <token>` with every request; an administrator makes a "
            "token with `flask crm create-token EMAIL`. The token's user's role decides what it "
            "may do. Lists are paginated with `page` and `per_page` (default "
            f"{DEFAULT_PER_PAGE}, at most {MAX_PER_PAGE}). Errors are JSON: "
            '`{"error": {"code", "message", "fields"}}`.'
        ),
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearerAuth": []}],
    "tags": [
        {"name": "People"},
        {"name": "Organisations"},
        {"name": "Sessions"},
        {"name": "Reports"},
        {"name": "Documentation"},
    ],
    "paths": PATHS,
    "components": {
        "securitySchemes": {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token from `flask crm create-token EMAIL`.",
            },
        },
        "parameters": {
            "page": {
                "name": "page",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            "per_page": {
                "name": "per_page",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
            },
            "person_id": {"name": "person_id", "in": "path", "required": True, "schema": {"type": "integer"}},
            "session_id": {"name": "session_id", "in": "path", "required": True, "schema": {"type": "integer"}},
        },
        "responses": {name: _json(_ref("Error"), _ERROR_DESCRIPTIONS[name]) for name in _ERROR_RESPONSES.values()},
        "schemas": SCHEMAS,
    },
}


@api.get("/openapi.json")
@public
def openapi_document():
    return jsonify(DOCUMENT)
