"""Partner organisations: list and create."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from sqlalchemy import func, select

from crm.api import api
from crm.api.inputs import (
    check_types,
    enum_problem,
    json_object,
    page_args,
    page_json,
    query_args,
    run_service,
    unexpected_fields,
)
from crm.api.serialise import organisation_json
from crm.extensions import db
from crm.models import Organisation
from crm.models.enums import OrganisationType
from crm.permissions import ORGANISATIONS_EDIT, ORGANISATIONS_VIEW, requires
from crm.queries.pagination import paginate
from crm.services import organisations as organisations_service

FIELD_KINDS = {"name": "text", "type": "text"}
READ_ONLY = ("id", "created_at")


@api.get("/organisations")
@requires(ORGANISATIONS_VIEW)
def list_organisations():
    page_number, per_page = page_args(query_args(()))
    query = select(Organisation).order_by(func.lower(Organisation.name), Organisation.id)
    page = paginate(query, page_number, per_page, clamp=False)
    return page_json(page, [organisation_json(o) for o in page.items])


@api.post("/organisations")
@requires(ORGANISATIONS_EDIT)
def create_organisation():
    body = json_object()
    problems = unexpected_fields(body, FIELD_KINDS, READ_ONLY)
    problems.update(check_types(body, FIELD_KINDS))
    if "type" not in problems:
        problem = enum_problem(body.get("type"), OrganisationType.values())
        if problem:
            problems["type"] = problem
    data = {key: value for key, value in body.items() if key in FIELD_KINDS and key not in problems}
    organisation = run_service(problems, lambda: organisations_service.create_organisation(data, current_user))
    db.session.commit()
    response = jsonify(organisation_json(organisation))
    response.status_code = 201
    return response
