"""Models as the JSON shapes the API promises (see the OpenAPI document's components)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm.models import Organisation, Person, Session


def timestamp(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def person_json(person: Person, consent_to_contact: bool) -> dict[str, Any]:
    """Needs `ward`, `type_links`, `tags` and `affiliations` loaded (see queries.api_filters)."""
    tags = sorted(person.tags, key=lambda tag: (tag.category.value, tag.name.lower()))
    affiliations = sorted(person.affiliations, key=lambda a: a.organisation_id)
    return {
        "id": person.id,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "preferred_name": person.preferred_name,
        "email": person.email,
        "phone": person.phone,
        "postcode": person.postcode,
        "ward": person.ward.name if person.ward else None,
        "person_types": [t.value for t in person.types],
        "tags": [{"category": tag.category.value, "name": tag.name} for tag in tags],
        "status": person.status.value,
        "consent_to_contact": consent_to_contact,
        "needs": {
            "creche": person.needs_creche,
            "step_free": person.needs_step_free,
            "interpreter_language": person.interpreter_language,
            "other": person.other_needs,
        },
        "affiliations": [{"organisation_id": a.organisation_id, "job_title": a.job_title} for a in affiliations],
        "created_at": timestamp(person.created_at),
        "updated_at": timestamp(person.updated_at),
    }


def organisation_json(organisation: Organisation) -> dict[str, Any]:
    return {
        "id": organisation.id,
        "name": organisation.name,
        "type": organisation.type.value,
        "created_at": timestamp(organisation.created_at),
    }


def session_json(session: Session) -> dict[str, Any]:
    """Needs `theme` loaded (it is joined by default)."""
    return {
        "id": session.id,
        "title": session.title,
        "event_id": session.event_id,
        "date": session.date.isoformat(),
        "start_time": session.start_time.strftime("%H:%M"),
        "end_time": session.end_time.strftime("%H:%M"),
        "format": session.format.value,
        "kind": session.kind.value,
        "theme": session.theme.name if session.theme else None,
        "involvement_level": session.involvement_level.value,
        "location": session.location,
        "organiser_organisation_id": session.organiser_organisation_id,
        "capacity": session.capacity,
        "creche_places": session.creche_places,
        "cancelled": session.cancelled,
    }
