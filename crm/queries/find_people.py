"""Finding people: the one filter builder behind the find-people screen, saved searches,
exports and `GET /api/v1/people`. Every filter becomes SQL (EXISTS, IN with GROUP BY … HAVING);
people are never loaded into Python to be filtered.

"Attended" means a participation with status `attended` at a session that was not cancelled.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import selectinload

from crm.extensions import db
from crm.models import (
    Affiliation,
    Consent,
    Organisation,
    Participation,
    Person,
    PersonTypeLink,
    Session,
    Tag,
    Theme,
    Ward,
    person_tags,
)
from crm.models.enums import (
    InvolvementLevel,
    ParticipationStatus,
    PersonStatus,
    PersonType,
    TagCategory,
)
from crm.models.person import may_contact_now
from crm.queries import pagination
from crm.queries.pagination import Page, bounded_count, count_for_page, page_items
from crm.queries.people import has_type, name_order, text_condition

# The parameter names, in the order a description of a search lists them.
FILTER_NAMES = (
    "q",
    "type",
    "tag",
    "tag_mode",
    "ward",
    "organisation_id",
    "status",
    "consent",
    "needs",
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
    "sort",
)
REPEATABLE = frozenset({"type", "tag", "ward", "needs"})
NEEDS = ("creche", "step_free", "interpreter")
SORTS = ("name", "engaged", "recent", "fair")
SORT_LABELS = {
    "name": "Name",
    "engaged": "Most engaged",
    "recent": "Most recently active",
    "fair": "Fair spread (least recently asked first)",
}
_MAX_ID = 2**31 - 1
_MAX_COUNT = 100_000


@dataclass
class Filters:
    """Checked filters. `params()` gives them back as parameters (names as above)."""

    q: str | None = None
    types: list[str] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    tag_mode: str = "any"
    wards: list[Ward] = field(default_factory=list)
    organisation_id: int | None = None
    status: str | None = None
    consent_contact: bool = False
    needs: list[str] = field(default_factory=list)
    attended_min: int | None = None
    attended_from: dt.date | None = None
    attended_to: dt.date | None = None
    theme: Theme | None = None
    level_min: InvolvementLevel | None = None
    last_attended_before: dt.date | None = None
    last_attended_after: dt.date | None = None
    never_attended: bool = False
    not_invited_days: int | None = None
    no_show_min: int | None = None
    sort: str = "name"

    def params(self, *, include_text: bool = True) -> dict[str, list[str]]:
        """The filters as query parameters (only those set), e.g. for a saved search or a link."""
        values: dict[str, list[str]] = {
            "q": [self.q] if self.q and include_text else [],
            "type": list(self.types),
            "tag": [tag.slug for tag in self.tags],
            "tag_mode": [self.tag_mode] if self.tags and self.tag_mode != "any" else [],
            "ward": [ward.name for ward in self.wards],
            "organisation_id": [str(self.organisation_id)] if self.organisation_id else [],
            "status": [self.status] if self.status else [],
            "consent": ["contact"] if self.consent_contact else [],
            "needs": list(self.needs),
            "attended_min": [str(self.attended_min)] if self.attended_min is not None else [],
            "attended_from": [self.attended_from.isoformat()] if self.attended_from else [],
            "attended_to": [self.attended_to.isoformat()] if self.attended_to else [],
            "theme": [self.theme.name] if self.theme else [],
            "level_min": [self.level_min.value] if self.level_min else [],
            "last_attended_before": [self.last_attended_before.isoformat()] if self.last_attended_before else [],
            "last_attended_after": [self.last_attended_after.isoformat()] if self.last_attended_after else [],
            "never_attended": ["1"] if self.never_attended else [],
            "not_invited_days": [str(self.not_invited_days)] if self.not_invited_days is not None else [],
            "no_show_min": [str(self.no_show_min)] if self.no_show_min is not None else [],
            "sort": [self.sort] if self.sort != "name" else [],
        }
        return {name: found for name, found in values.items() if found}

    def describe(self) -> str:
        """The filters in words for an audit row: names and list values, never the free text."""
        parts = []
        for name, found in self.params(include_text=False).items():
            parts.append(f"{name}={'|'.join(found)}")
        if self.q:
            parts.append("text search")
        return ", ".join(parts) or "none"


def _values(mapping: Any, name: str) -> list[str]:
    """The non-blank values of a parameter, from a MultiDict (query string, form) or a plain
    dict (a saved search's JSON, where a value is a string or a list of strings)."""
    if hasattr(mapping, "getlist"):
        raw = mapping.getlist(name)
    else:
        given = mapping.get(name)
        raw = given if isinstance(given, list | tuple) else [] if given is None else [given]
    return [str(value).strip() for value in raw if value is not None and str(value).strip()]


def _whole_number(text: str, low: int, high: int) -> int | None:
    if text.isascii() and text.isdigit() and low <= int(text) <= high:
        return int(text)
    return None


def parse_filters(mapping: Mapping[str, Any] | Any) -> tuple[Filters, dict[str, str]]:
    """Check the filters in `mapping`; returns them with a problem for each bad one (named by
    parameter). Bad filters are left out of the result, so callers must refuse to run it when
    there are errors — an ignored filter would widen the search."""
    errors: dict[str, str] = {}
    filters = Filters()

    def values(name: str) -> list[str]:
        found = _values(mapping, name)
        if name not in REPEATABLE and len(set(found)) > 1:
            errors[name] = "Give this parameter once"
            return []
        return found[:1] if name not in REPEATABLE else found

    def one(name: str) -> str | None:
        found = values(name)
        return found[0] if found else None

    filters.q = one("q")

    filters.types = list(dict.fromkeys(values("type")))
    unknown = [t for t in filters.types if t not in PersonType.values()]
    if unknown:
        errors["type"] = f"Unknown person type {unknown[0]!r}; use {', '.join(PersonType.values())}"
        filters.types = []

    tag_values = values("tag")
    if tag_values:
        filters.tags, problem = _tags(tag_values)
        if problem:
            errors["tag"] = problem

    for name, allowed in (("tag_mode", ("any", "all")), ("status", tuple(PersonStatus.values())), ("sort", SORTS)):
        given = one(name)
        if given is None:
            continue
        if given not in allowed:
            errors[name] = f"Use one of {', '.join(allowed)}"
        else:
            setattr(filters, name, given)

    ward_names = values("ward")
    if ward_names:
        filters.wards, problem = _wards(ward_names)
        if problem:
            errors["ward"] = problem

    organisation = one("organisation_id")
    if organisation is not None:
        number = _whole_number(organisation, 1, _MAX_ID)
        if number is None:
            errors["organisation_id"] = "Must be an organisation's id, a whole number"
        elif db.session.get(Organisation, number) is None:
            errors["organisation_id"] = f"There is no organisation with id {organisation}"
        else:
            filters.organisation_id = number

    consent = one("consent")
    if consent is not None:
        if consent != "contact":
            errors["consent"] = "Use consent=contact"
        filters.consent_contact = consent == "contact"

    filters.needs = list(dict.fromkeys(values("needs")))
    unknown = [n for n in filters.needs if n not in NEEDS]
    if unknown:
        errors["needs"] = f"Unknown need {unknown[0]!r}; use {', '.join(NEEDS)}"
        filters.needs = []

    for name in ("attended_min", "not_invited_days", "no_show_min"):
        given = one(name)
        if given is None:
            continue
        number = _whole_number(given, 0, _MAX_COUNT)
        if number is None:
            errors[name] = f"Must be a whole number from 0 to {_MAX_COUNT}"
        else:
            setattr(filters, name, number)

    for name in ("attended_from", "attended_to", "last_attended_before", "last_attended_after"):
        given = one(name)
        if given is None:
            continue
        try:
            setattr(filters, name, dt.date.fromisoformat(given))
        except ValueError:
            errors[name] = "Must be a date as YYYY-MM-DD, like 2025-03-31"
    if filters.attended_from and filters.attended_to and filters.attended_from > filters.attended_to:
        errors["attended_to"] = "Must be the same as or after the 'from' date"

    theme = one("theme")
    if theme is not None:
        filters.theme = db.session.scalar(select(Theme).where(func.lower(Theme.name) == theme.lower()))
        if filters.theme is None:
            errors["theme"] = f"There is no theme called {theme!r}; use a theme from the list"

    level = one("level_min")
    if level is not None:
        if level not in InvolvementLevel.values():
            errors["level_min"] = f"Use one of {', '.join(InvolvementLevel.values())}"
        else:
            filters.level_min = InvolvementLevel(level)

    never = one("never_attended")
    if never is not None:
        if never not in ("0", "1"):
            errors["never_attended"] = "Use never_attended=1"
        filters.never_attended = never == "1"

    return filters, errors


def _tags(values: list[str]) -> tuple[list[Tag], str | None]:
    pairs = []
    for value in values:
        category, _, name = value.partition(":")
        if category not in TagCategory.values() or not name.strip():
            return [], (
                "Give tags as category:name, like interest:Cooking, where category is one of "
                f"{', '.join(TagCategory.values())}"
            )
        pairs.append((category, name))
    return tags_named(pairs)


def tags_named(pairs: Iterable[tuple[str, str]]) -> tuple[list[Tag], str | None]:
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
        select(Tag)
        .where(
            or_(*(and_(Tag.category == category, func.lower(Tag.name) == name.lower()) for category, name in wanted))
        )
        .order_by(Tag.category, Tag.name)
    ).all()
    known = {(tag.category, tag.name.lower()) for tag in found}
    for category, name in wanted:
        if (category, name.lower()) not in known:
            what = category.value.replace("_", " ")
            return [], f"There is no {what} tag called {name!r}; use a tag from the list"
    return list(found), None


def _wards(names: list[str]) -> tuple[list[Ward], str | None]:
    found = db.session.scalars(
        select(Ward).where(func.lower(Ward.name).in_([n.lower() for n in names])).order_by(Ward.name)
    ).all()
    known = {ward.name.lower() for ward in found}
    missing = [n for n in names if n.lower() not in known]
    if missing:
        return [], f"There is no ward called {missing[0]!r}; use a ward name from the list"
    return list(found), None


# --- the query ---------------------------------------------------------------------------
#
# The participation-history filters are correlated subqueries on one person's participations,
# answered from the index on participations(person_id, status, session_id, invited_at) with the
# sessions that do not count as a NOT IN list built once, so their cost follows the people the
# other filters leave, not the whole participations table. Counting never sorts.


def _attended():
    """Conditions for an attendance that counts (to use with Participation joined to Session)."""
    return and_(Participation.status == ParticipationStatus.ATTENDED, Session.cancelled_at.is_(None))


def _own_participations(*columns) -> Select:
    """SELECT `columns` FROM the current person's participations joined to their sessions."""
    return (
        select(*columns)
        .select_from(Participation)
        .join(Session, Session.id == Participation.session_id)
        .where(Participation.person_id == Person.id)
        .correlate(Person)
    )


def _other_sessions(*conditions) -> Select:
    """Ids of the sessions that do NOT count: cancelled, or not meeting `conditions` (a NULL
    counts as not meeting). An uncorrelated NOT IN list, which SQLite and PostgreSQL build once
    and probe per participation, so a person's history needs no join per person."""
    if not conditions:
        return select(Session.id).where(Session.cancelled_at.is_not(None))
    counts = case((and_(Session.cancelled_at.is_(None), *conditions), 0), else_=1)
    return select(Session.id).where(counts == 1)


def _person_participations(status: ParticipationStatus, *session_conditions) -> Select:
    return (
        select(Participation.id)
        .where(
            Participation.person_id == Person.id,
            Participation.status == status,
            Participation.session_id.not_in(_other_sessions(*session_conditions)),
        )
        .correlate(Person)
    )


def _attended_where(*conditions):
    """The person attended at least one session meeting `conditions` (on Session)."""
    return exists(_person_participations(ParticipationStatus.ATTENDED, *conditions))


def _attendance_count(*conditions, status: ParticipationStatus = ParticipationStatus.ATTENDED):
    counted = _person_participations(status, *conditions).with_only_columns(func.count())
    return counted.scalar_subquery()


def _conditions(filters: Filters, today: dt.date, now: dt.datetime, *, counting: bool = False) -> list:
    """The filters as conditions on Person; `counting` when they only count (see has_type: the
    type's people are read as a list unless a ward is chosen, whose index narrows them first)."""
    conditions: list = []
    if filters.q and filters.q.strip():
        conditions.append(text_condition(filters.q.strip()))
    if filters.types:
        conditions.append(has_type(filters.types, counting=counting and not filters.wards))
    if filters.tags:
        tag_ids = [tag.id for tag in filters.tags]
        tagged = select(person_tags.c.person_id).where(person_tags.c.tag_id.in_(tag_ids))
        if filters.tag_mode == "all":
            tagged = tagged.group_by(person_tags.c.person_id).having(
                func.count(person_tags.c.tag_id.distinct()) == len(set(tag_ids))
            )
        conditions.append(Person.id.in_(tagged))
    if filters.wards:
        conditions.append(Person.ward_id.in_([ward.id for ward in filters.wards]))
    if filters.organisation_id:
        conditions.append(
            Person.id.in_(select(Affiliation.person_id).where(Affiliation.organisation_id == filters.organisation_id))
        )
    if filters.status:
        conditions.append(Person.status == PersonStatus(filters.status))
    if filters.consent_contact:
        conditions.append(exists().where(Consent.person_id == Person.id, may_contact_now()))
    for need in filters.needs:
        conditions.append(_NEED_CONDITIONS[need]())

    # Participation history.
    minimum = filters.attended_min
    if minimum is None and (filters.attended_from or filters.attended_to):
        minimum = 1  # a date range alone means "attended in this range"
    if minimum:
        in_range = []
        if filters.attended_from:
            in_range.append(Session.date >= filters.attended_from)
        if filters.attended_to:
            in_range.append(Session.date <= filters.attended_to)
        if minimum == 1:
            conditions.append(_attended_where(*in_range))
        else:
            conditions.append(_attendance_count(*in_range) >= minimum)
    if filters.theme:
        conditions.append(_attended_where(Session.theme_id == filters.theme.id))
    if filters.level_min:
        levels = [level for level in InvolvementLevel if level.rank >= filters.level_min.rank]
        conditions.append(_attended_where(Session.involvement_level.in_(levels)))
    if filters.last_attended_before:
        # Attended, and not on or after the date: the last attendance was before it.
        conditions.append(_attended_where())
        conditions.append(~_attended_where(Session.date >= filters.last_attended_before))
    if filters.last_attended_after:
        conditions.append(_attended_where(Session.date > filters.last_attended_after))
    if filters.never_attended:
        conditions.append(~_attended_where())
    if filters.not_invited_days is not None:
        since = now - dt.timedelta(days=filters.not_invited_days)
        conditions.append(~exists().where(Participation.person_id == Person.id, Participation.invited_at >= since))
    if filters.no_show_min:
        conditions.append(_attendance_count(status=ParticipationStatus.NO_SHOW) >= filters.no_show_min)
    return conditions


_NEED_CONDITIONS: Mapping[str, Any] = {
    "creche": lambda: Person.needs_creche.is_(True),
    "step_free": lambda: Person.needs_step_free.is_(True),
    "interpreter": lambda: and_(Person.interpreter_language.is_not(None), Person.interpreter_language != ""),
}


def _by_name(filters: Filters | None = None):
    """Name order (crm.queries.people.name_order), written for a text search when `filters` has one."""
    return name_order(searching=bool(filters and filters.q and filters.q.strip()))


def _history(conditions: list):
    """Per person among those matching `conditions`: attendances, last attended, last invited
    (grouped over just their participations, not the whole table)."""
    attended = _attended()
    candidates = select(Person.id).where(*conditions) if conditions else None
    history = (
        select(
            Participation.person_id.label("person_id"),
            func.count(case((attended, 1))).label("attended"),
            func.max(case((attended, Session.date))).label("last_attended"),
            func.max(Participation.invited_at).label("last_invited"),
        )
        .join(Session, Session.id == Participation.session_id)
        .group_by(Participation.person_id)
    )
    if candidates is not None:
        history = history.where(Participation.person_id.in_(candidates))
    return history.subquery("history")


def _last_asked():
    """Correlated: the later of when the person was last invited and last attended."""
    attended = _attended()
    per_row = case(
        (Participation.invited_at.is_(None), case((attended, Session.date))),
        (~attended, Participation.invited_at),
        (Participation.invited_at > Session.date, Participation.invited_at),
        else_=Session.date,
    )
    return _own_participations(func.max(per_row)).scalar_subquery()


def _correlated_order(query: Select, sort: str) -> Select:
    """The sorts as correlated subqueries (one person's participations each, by index): SQLite
    runs these as nested index lookups, and a count (ORDER BY dropped) never computes them."""
    if sort == "engaged":
        return query.order_by(_attendance_count().desc(), *_by_name())
    if sort == "recent":
        last_attended = _own_participations(func.max(Session.date)).where(_attended()).scalar_subquery()
        return query.order_by(last_attended.desc().nulls_last(), *_by_name())
    return query.order_by(_last_asked().asc().nulls_first(), *_by_name())


def _grouped_order(query: Select, sort: str, conditions: list) -> Select:
    """The sorts from one GROUP BY over the matching people's participations: PostgreSQL
    hash-joins this once, where it would plan a correlated subquery as a join per person."""
    history = _history(conditions)
    query = query.outerjoin(history, history.c.person_id == Person.id)
    if sort == "engaged":
        return query.order_by(func.coalesce(history.c.attended, 0).desc(), *_by_name())
    if sort == "recent":
        return query.order_by(history.c.last_attended.is_(None), history.c.last_attended.desc(), *_by_name())
    # Fair spread: the latest of last invited and last attended, oldest first; never asked first.
    last_asked = case(
        (history.c.last_invited.is_(None), history.c.last_attended),
        (history.c.last_attended.is_(None), history.c.last_invited),
        (history.c.last_invited > history.c.last_attended, history.c.last_invited),
        else_=history.c.last_attended,
    )
    return query.order_by(last_asked.is_not(None), last_asked, *_by_name())


def find_people_query(
    filters: Filters, *, today: dt.date | None = None, now: dt.datetime | None = None, extra: Iterable = ()
) -> Select:
    """One SELECT of the people matching every filter (and the `extra` conditions), in
    `filters.sort` order (ties by name, then id, so pages never shuffle). Fair spread puts the
    people least recently invited or attended first (never either first)."""
    now = now or dt.datetime.now(dt.UTC)
    today = today or dt.date.today()
    conditions = [*_conditions(filters, today, now), *extra]
    query = select(Person).where(*conditions)
    if filters.sort == "name":
        return query.order_by(*_by_name(filters))
    if db.session.get_bind().dialect.name == "sqlite":
        return _correlated_order(query, filters.sort)
    return _grouped_order(query, filters.sort, conditions)


def _never_asked():
    """The person has never been invited and never attended (their fair-spread date is empty):
    two index probes, where the date itself needs every one of their participations. (Joined
    to sessions rather than a NOT IN list: PostgreSQL then sees a cheap probe and walks the
    name index, instead of planning a parallel scan of everyone.)"""
    invited = exists().where(Participation.person_id == Person.id, Participation.invited_at.is_not(None))
    attended = _own_participations(Participation.id).where(_attended()).exists()
    return and_(~invited.correlate(Person), ~attended)


def find_people_page(
    filters: Filters,
    page: int,
    per_page: int,
    *,
    clamp: bool = True,
    loading: Callable[[Select], Select] | None = None,
    bounded: bool = False,
) -> Page:
    """One page of `find_people_query`'s people (with what the results table shows), and how
    many match. A page past the end shows the last page (`clamp`, as pagination.paginate);
    `loading` says what to load with each person (by default what the results table shows;
    the API loads what its JSON needs); `bounded` counts as pagination.paginate does.

    Fair spread lists the people never asked first, by name, then everyone else by when they
    were last asked. Working out when someone was last asked reads all their participations,
    so the people never asked are paged on their own (along the name index, stopping at the
    page) and the dates are worked out only when a page reaches past them."""
    now = dt.datetime.now(dt.UTC)
    today = dt.date.today()
    conditions = _conditions(filters, today, now)
    load = loading or with_list_loading
    total, more, exact_up_to = count_for_page(_counting_query(filters, today, now), page, per_page, bounded=bounded)
    if clamp:
        page = min(page, max(1, math.ceil(total / per_page)))
    offset = (page - 1) * per_page
    if filters.sort != "fair":
        query = load(find_people_query(filters, today=today, now=now))
        # Sorted by name, the page's ids come from a walk along the name index.
        key = Person.id if filters.sort == "name" else None
        return Page(page_items(query, per_page, offset, key=key), page, per_page, total, more, exact_up_to)

    never = _never_asked()
    first = select(Person).where(*conditions, never).order_by(*_by_name(filters))
    items = page_items(load(first), per_page, offset, key=Person.id)
    if len(items) < per_page and (offset + len(items) < total or more):
        # The page reaches past the people never asked: how many there are is known when this
        # page holds the last of them, and otherwise counted.
        if items or not offset:
            never_asked = offset + len(items)
        else:
            never_asked = db.session.scalar(select(func.count()).select_from(Person).where(*conditions, never)) or 0
        rest = _asked_in_order(conditions, ~never)
        items += page_items(load(rest), per_page - len(items), max(0, offset - never_asked))
    return Page(items, page, per_page, total, more, exact_up_to)


def _asked_in_order(conditions: list, asked) -> Select:
    """The people matching `conditions` who have been asked, least recently asked first."""
    query = select(Person).where(*conditions, asked)
    if db.session.get_bind().dialect.name == "sqlite":
        return _correlated_order(query, "fair")
    return _grouped_order(query, "fair", [*conditions, asked])


def _counting_query(filters: Filters, today: dt.date, now: dt.datetime) -> Select:
    """The matching people's ids, unsorted, with the conditions written for counting."""
    return select(Person.id).where(*_conditions(filters, today, now, counting=True))


def count_people(
    filters: Filters,
    *,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    bounded: bool = False,
) -> tuple[int, bool]:
    """How many people match (one COUNT, without the sort), and whether there are more:
    `bounded` (on screens) counts at most pagination.COUNT_LIMIT."""
    now = now or dt.datetime.now(dt.UTC)
    limit = pagination.COUNT_LIMIT if bounded else None
    return bounded_count(_counting_query(filters, today or dt.date.today(), now), limit)


def with_list_loading(query: Select) -> Select:
    """What the results table shows (types, ward), loaded in a fixed number of queries."""
    return query.options(selectinload(Person.type_links))


# --- facts shown beside each person ------------------------------------------------------


@dataclass(frozen=True)
class RowFacts:
    last_attended: dt.date | None = None
    sessions_this_year: int = 0
    open_invitations: int = 0


NO_FACTS = RowFacts()


def person_row_facts(person_ids: Iterable[int] | Select, *, today: dt.date | None = None) -> dict[int, RowFacts]:
    """Per person: last attended date, sessions attended this calendar year, and open
    invitations (invited or registered at a future session that is not cancelled) — one
    grouped query. `person_ids` is a list of ids or a SELECT of them (so the facts of every
    person a search finds take one statement however many they are). People without
    participations are absent (use NO_FACTS)."""
    ids = person_ids if isinstance(person_ids, Select) else list(person_ids)
    if isinstance(ids, list) and not ids:
        return {}
    today = today or dt.date.today()
    year_start = dt.date(today.year, 1, 1)
    year_end = dt.date(today.year, 12, 31)
    open_invitation = and_(
        Participation.status.in_([ParticipationStatus.INVITED, ParticipationStatus.REGISTERED]),
        Session.cancelled_at.is_(None),
        Session.date >= today,
    )
    rows = db.session.execute(
        select(
            Participation.person_id,
            func.max(case((_attended(), Session.date))),
            func.count(case((and_(_attended(), Session.date.between(year_start, year_end)), 1))),
            func.count(case((open_invitation, 1))),
        )
        .join(Session, Session.id == Participation.session_id)
        .where(Participation.person_id.in_(ids))
        .group_by(Participation.person_id)
    ).all()
    return {person_id: RowFacts(last, this_year, invitations) for person_id, last, this_year, invitations in rows}


# --- exports -----------------------------------------------------------------------------


@dataclass(slots=True)
class ExportPerson:
    """What an export shows of one person, read as plain columns (no ORM objects)."""

    id: int
    first_name: str
    last_name: str
    preferred_name: str | None
    email: str | None
    phone: str | None
    ward: str | None
    needs_creche: bool
    needs_step_free: bool
    interpreter_language: str | None
    other_needs: str | None
    may_contact: bool
    types: tuple[PersonType, ...]
    facts: RowFacts

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


def export_people_rows(filters: Filters, *, today: dt.date | None = None) -> list[ExportPerson]:
    """Everyone the filters find who has not been anonymised, in the search's order, with their
    ward, types, current consent to be contacted and row facts: four statements whatever the
    number of people (the people; the ward names; their types; their facts), each taking the
    matching people as a subquery rather than a list of ids."""
    now = dt.datetime.now(dt.UTC)
    today = today or dt.date.today()
    not_erased = Person.erased_at.is_(None)
    matching_ids = select(Person.id).where(*_conditions(filters, today, now), not_erased)
    may_contact = (
        exists().where(Consent.person_id == Person.id, may_contact_now()).correlate(Person).label("may_contact")
    )
    people = db.session.execute(
        find_people_query(filters, today=today, now=now, extra=[not_erased]).with_only_columns(
            Person.id,
            Person.first_name,
            Person.last_name,
            Person.preferred_name,
            Person.email,
            Person.phone,
            Person.ward_id,
            Person.needs_creche,
            Person.needs_step_free,
            Person.interpreter_language,
            Person.other_needs,
            may_contact,
        )
    ).all()
    wards = dict(db.session.execute(select(Ward.id, Ward.name)).all())
    types: dict[int, list[PersonType]] = {}
    for person_id, person_type in db.session.execute(
        select(PersonTypeLink.person_id, PersonTypeLink.type)
        .where(PersonTypeLink.person_id.in_(matching_ids))
        .order_by(PersonTypeLink.person_id, PersonTypeLink.type)
    ):
        types.setdefault(person_id, []).append(person_type)
    facts = person_row_facts(matching_ids, today=today)
    return [
        ExportPerson(
            person_id,
            first_name,
            last_name,
            preferred_name,
            email,
            phone,
            wards.get(ward_id) if ward_id is not None else None,
            bool(needs_creche),
            bool(needs_step_free),
            interpreter_language,
            other_needs,
            bool(contactable),
            tuple(types.get(person_id, ())),
            facts.get(person_id, NO_FACTS),
        )
        for (
            person_id,
            first_name,
            last_name,
            preferred_name,
            email,
            phone,
            ward_id,
            needs_creche,
            needs_step_free,
            interpreter_language,
            other_needs,
            contactable,
        ) in people
    ]
