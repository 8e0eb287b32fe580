"""People filters as the API names them (`GET /api/v1/people`), checked and turned into one
SQL query. The names match the find-people screen and saved searches."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import raiseload, selectinload

from crm.extensions import db
from crm.models import Affiliation, Organisation, Person, Tag, Ward, person_tags
from crm.models.enums import PersonStatus, PersonType, TagCategory
from crm.queries.people import search_people
from crm.services.errors import InvalidInput

SIMPLE_FILTERS = (
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
)
REPEATABLE = {"type", "tag", "ward", "needs"}
NEEDS = ("creche", "step_free", "interpreter")
SORTS = ("name",)

_NOT_YET = "Not available yet: filtering by participation history needs attendance records"
# Filters and sorts that depend on participation history, which the CRM does not record yet.
# Refusing them is safer than ignoring them: an ignored filter would return everyone.
HISTORY_FILTERS = {
    name: _NOT_YET
    for name in (
        "attended_min",
        "attended_from",
        "attended_to",
        "theme",
        "level_min",
        "last_attended_before",
        "last_attended_after",
        "never_attended",
        "not_invited_days",
        "no_show_min",
    )
}
HISTORY_SORTS = ("engaged", "recent", "fair")
_MAX_ID = 2**31 - 1


@dataclass
class PeopleFilters:
    q: str | None = None
    types: list[str] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    tag_mode: str = "any"
    ward_ids: list[int] = field(default_factory=list)
    organisation_id: int | None = None
    status: str | None = None
    consent_contact: bool = False
    needs: list[str] = field(default_factory=list)
    sort: str = "name"


def parse_people_filters(args) -> PeopleFilters:
    """Read the filters from query parameters (a MultiDict); InvalidInput names each bad one."""
    problems: dict[str, str] = {}
    filters = PeopleFilters()

    def values(name: str) -> list[str]:
        found = [v.strip() for v in args.getlist(name) if v.strip()]
        if name not in REPEATABLE and len(found) > 1:
            problems[name] = "Give this parameter once"
            return []
        return found

    filters.q = next(iter(values("q")), None)

    filters.types = values("type")
    unknown = [t for t in filters.types if t not in PersonType.values()]
    if unknown:
        problems["type"] = f"Unknown person type {unknown[0]!r}; use {', '.join(PersonType.values())}"

    tag_values = values("tag")
    if tag_values:
        try:
            filters.tags = _tags(tag_values)
        except InvalidInput as error:
            problems.update(error.fields)

    for name, allowed, attribute in (
        ("tag_mode", ("any", "all"), "tag_mode"),
        ("status", tuple(PersonStatus.values()), "status"),
        ("sort", SORTS, "sort"),
    ):
        given = values(name)
        if not given:
            continue
        if name == "sort" and given[0] in HISTORY_SORTS:
            problems[name] = f"Not available yet: sort={given[0]} needs attendance records; use sort=name"
        elif given[0] not in allowed:
            problems[name] = f"Use one of {', '.join(allowed)}"
        else:
            setattr(filters, attribute, given[0])

    ward_names = values("ward")
    if ward_names:
        try:
            filters.ward_ids = _ward_ids(ward_names)
        except InvalidInput as error:
            problems.update(error.fields)

    organisation = values("organisation_id")
    if organisation:
        if not (organisation[0].isascii() and organisation[0].isdigit()) or int(organisation[0]) > _MAX_ID:
            problems["organisation_id"] = "Must be an organisation's id, a whole number"
        elif db.session.get(Organisation, int(organisation[0])) is None:
            problems["organisation_id"] = f"There is no organisation with id {organisation[0]}"
        else:
            filters.organisation_id = int(organisation[0])

    consent = values("consent")
    if consent:
        if consent[0] != "contact":
            problems["consent"] = "Use consent=contact"
        filters.consent_contact = consent[0] == "contact"

    filters.needs = values("needs")
    unknown = [n for n in filters.needs if n not in NEEDS]
    if unknown:
        problems["needs"] = f"Unknown need {unknown[0]!r}; use {', '.join(NEEDS)}"

    if problems:
        raise InvalidInput(problems)
    return filters


def _tags(values: list[str]) -> list[Tag]:
    pairs = []
    for value in values:
        category, _, name = value.partition(":")
        if category not in TagCategory.values() or not name.strip():
            raise InvalidInput(
                {
                    "tag": f"Give tags as category:name, like interest:Cooking, where "
                    f"category is one of {', '.join(TagCategory.values())}"
                }
            )
        pairs.append((category, name))
    tags, problem = tags_named(pairs)
    if problem:
        raise InvalidInput({"tag": problem})
    return tags


def tags_named(pairs: list[tuple[str, str]]) -> tuple[list[Tag], str | None]:
    """The tags with these (category, name) pairs, ignoring case, or what is wrong."""
    wanted: list[tuple[TagCategory, str]] = []
    for category, name in pairs:
        if category not in TagCategory.values():
            return [], f"Tag category must be one of {', '.join(TagCategory.values())}"
        if not name.strip():
            return [], "Each tag needs a name"
        wanted.append((TagCategory(category), name.strip()))
    if not wanted:
        return [], None
    found = db.session.scalars(
        select(Tag).where(
            or_(*(and_(Tag.category == category, func.lower(Tag.name) == name.lower()) for category, name in wanted))
        )
    ).all()
    known = {(tag.category, tag.name.lower()) for tag in found}
    for category, name in wanted:
        if (category, name.lower()) not in known:
            what = category.value.replace("_", " ")
            return [], f"There is no {what} tag called {name!r}; use a tag from the list"
    return list(found), None


def _ward_ids(names: list[str]) -> list[int]:
    rows = db.session.execute(
        select(Ward.id, Ward.name).where(func.lower(Ward.name).in_([n.lower() for n in names]))
    ).all()
    known = {name.lower() for _, name in rows}
    missing = [n for n in names if n.lower() not in known]
    if missing:
        raise InvalidInput({"ward": f"There is no ward called {missing[0]!r}; use a ward name from the list"})
    return [ward_id for ward_id, _ in rows]


def with_api_loading(query: Select) -> Select:
    """Load what a person's JSON needs in a fixed number of queries, however many people."""
    return query.options(
        selectinload(Person.type_links),
        selectinload(Person.tags),
        selectinload(Person.affiliations).options(raiseload(Affiliation.organisation)),
    )


def people_query(filters: PeopleFilters) -> Select:
    """One SELECT for the people matching every filter, ordered for `filters.sort`."""
    query = search_people(
        filters.q,
        types=filters.types,
        wards=filters.ward_ids,
        status=filters.status,
        organisation_id=filters.organisation_id,
        tags=filters.tags if filters.tag_mode == "any" else None,
        consent_contact=filters.consent_contact,
    )
    if filters.tags and filters.tag_mode == "all":
        having_every_tag = (
            select(person_tags.c.person_id)
            .where(person_tags.c.tag_id.in_([tag.id for tag in filters.tags]))
            .group_by(person_tags.c.person_id)
            .having(func.count(person_tags.c.tag_id.distinct()) == len(filters.tags))
        )
        query = query.where(Person.id.in_(having_every_tag))
    for need in filters.needs:
        query = query.where(_NEED_CONDITIONS[need]())
    return with_api_loading(query)


_NEED_CONDITIONS: Mapping[str, Any] = {
    "creche": lambda: Person.needs_creche.is_(True),
    "step_free": lambda: Person.needs_step_free.is_(True),
    "interpreter": lambda: and_(Person.interpreter_language.is_not(None), Person.interpreter_language != ""),
}


def person_for_api(person_id: int) -> Person | None:
    return db.session.scalar(with_api_loading(select(Person).where(Person.id == person_id)))
