"""Creating and changing partner organisations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Organisation
from crm.models.enums import AuditAction, OrganisationType
from crm.services import audit
from crm.services.errors import InvalidInput
from crm.validation import InvalidValue, normalise_web_address

FIELDS = ("name", "type", "website", "notes")


def _clean(data: Mapping[str, Any], organisation: Organisation | None) -> dict[str, Any]:
    problems: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for key in FIELDS:
        if key not in data:
            continue
        value = data[key]
        value = value.strip() if isinstance(value, str) else value
        if key == "type":
            try:
                value = OrganisationType(value)
            except ValueError:
                problems["type"] = "Choose the type of organisation"
                continue
        if key == "website":
            try:
                value = normalise_web_address(value)
            except InvalidValue as error:
                problems["website"] = str(error)
                continue
            if value and len(value) > 300:
                problems["website"] = "Website must be 300 characters or fewer"
                continue
        clean[key] = value or None
    if organisation is None or "name" in clean:
        name = clean.get("name")
        if not name:
            problems["name"] = "Enter the organisation's name"
        elif len(name) > 200:
            problems["name"] = "Name must be 200 characters or fewer"
        else:
            query = select(Organisation.id).where(func.lower(Organisation.name) == name.lower())
            if organisation is not None and organisation.id is not None:
                query = query.where(Organisation.id != organisation.id)
            if db.session.scalar(query) is not None:
                problems["name"] = "An organisation with this name already exists"
    if organisation is None and "type" not in clean and "type" not in problems:
        problems["type"] = "Choose the type of organisation"
    if problems:
        raise InvalidInput(problems)
    return clean


def create_organisation(data: Mapping[str, Any], actor) -> Organisation:
    clean = _clean(data, None)
    organisation = Organisation(**clean)
    db.session.add(organisation)
    db.session.flush()
    audit.record(actor, AuditAction.CREATE, organisation, [k for k, v in clean.items() if v])
    return organisation


def update_organisation(organisation: Organisation, data: Mapping[str, Any], actor) -> list[str]:
    for key, value in _clean(data, organisation).items():
        setattr(organisation, key, value)
    fields = audit.changed_fields(organisation)
    if fields:
        audit.record(actor, AuditAction.UPDATE, organisation, fields)
    return fields
