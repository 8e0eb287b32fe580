"""People filters as the API names them (`GET /api/v1/people`). They are the find-people
filters (crm/queries/find_people.py): the same names, checks and SQL as the screen."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import raiseload, selectinload

from crm.extensions import db
from crm.models import Affiliation, Person
from crm.queries.find_people import FILTER_NAMES, NEEDS, Filters, parse_filters, tags_named
from crm.services.errors import InvalidInput

__all__ = [
    "FILTER_NAMES",
    "NEEDS",
    "parse_people_filters",
    "person_for_api",
    "tags_named",
    "with_api_loading",
]


def parse_people_filters(args) -> Filters:
    """Read the filters from query parameters (a MultiDict); InvalidInput names each bad one."""
    filters, errors = parse_filters(args)
    if errors:
        raise InvalidInput(errors)
    return filters


def with_api_loading(query: Select) -> Select:
    """Load what a person's JSON needs in a fixed number of queries, however many people."""
    return query.options(
        selectinload(Person.type_links),
        selectinload(Person.tags),
        selectinload(Person.affiliations).options(raiseload(Affiliation.organisation)),
    )


def person_for_api(person_id: int) -> Person | None:
    return db.session.scalar(with_api_loading(select(Person).where(Person.id == person_id)))
