"""Reading organisations: the list with people counts, and what a profile shows."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from crm.extensions import db
from crm.models import Affiliation, Organisation, Person, Session
from crm.models.enums import OrganisationType
from crm.queries.people import name_order


def search_organisations(q: str | None = None, *, type: str | None = None) -> Select:
    """Rows of (Organisation, people, sessions) by name. Both counts are correlated subqueries
    (one index range each), so paging by the organisation's id (`paginate(..., key=)`) counts
    for the page's organisations only, not for every affiliation in the database."""
    people = (
        select(func.count())
        .select_from(Affiliation)
        .where(Affiliation.organisation_id == Organisation.id)
        .correlate(Organisation)
        .scalar_subquery()
    )
    sessions = (
        select(func.count(Session.id))
        .where(Session.organiser_organisation_id == Organisation.id)
        .correlate(Organisation)
        .scalar_subquery()
    )
    query = select(Organisation, people.label("people"), sessions.label("sessions"))
    text = (q or "").strip().lower()
    if text:
        for word in text.split():
            pattern = f"%{_escape(word)}%"
            query = query.where(func.lower(Organisation.name).like(pattern, escape="\\"))
    if type and type in OrganisationType.values():
        query = query.where(Organisation.type == type)
    return query.order_by(func.lower(Organisation.name), Organisation.id)


def organisation_people(organisation_id: int) -> Select:
    """Rows of (Person, job_title) for the people affiliated with an organisation, by name."""
    return (
        select(Person, Affiliation.job_title)
        .join(Affiliation, Affiliation.person_id == Person.id)
        .where(Affiliation.organisation_id == organisation_id)
        .order_by(*name_order())
    )


def organised_sessions(organisation_id: int, limit: int = 20) -> tuple[list[Session], int]:
    """The most recent sessions an organisation organised, and how many it organised in all."""
    where = Session.organiser_organisation_id == organisation_id
    total = db.session.scalar(select(func.count(Session.id)).where(where)) or 0
    recent = db.session.scalars(
        select(Session).where(where).order_by(Session.date.desc(), Session.start_time.desc()).limit(limit)
    ).all()
    return list(recent), total


def organisation_choices() -> list[tuple[int, str]]:
    return [
        tuple(row)
        for row in db.session.execute(
            select(Organisation.id, Organisation.name).order_by(func.lower(Organisation.name))
        )
    ]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
