"""The participation dashboard: the year's participation report, the year before it for
comparison, and the figures only the dashboard shows (depth of involvement, priority wards,
equality monitoring). Every figure is aggregated by the database; computed figures are cached
until the data changes (crm.queries.report_cache), so the page costs a fixed handful of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, extract, func, select
from sqlalchemy.orm import aliased

from crm.extensions import db
from crm.models import Affiliation, EqualityMonitoring, Organisation, Participation, Session, Theme, Ward
from crm.models.enums import AgeBand, Disability, EthnicGroup, Ethnicity, Gender, InvolvementLevel
from crm.periods import FINANCIAL, Period
from crm.queries.participation_report import ATTENDED, attended_in, attendees, cached_participation_report
from crm.queries.report_cache import InlineBudget, cached_report

# Counts of people below this, in breakdowns of equality-monitoring answers, are not shown.
SMALL_COUNT = 5
FEWER_THAN_5 = "fewer than 5"
NOT_RECORDED = "not_recorded"
# The rungs of the ladder that count as co-production proper.
DEEP_LEVELS = (InvolvementLevel.CO_DESIGNING, InvolvementLevel.CO_PRODUCING)

# Each equality breakdown: its column, and the categories it is reported in.
EQUALITY_FIELDS = {
    "age_band": (EqualityMonitoring.age_band, AgeBand),
    "ethnic_group": (EqualityMonitoring.ethnicity, EthnicGroup),
    "disability": (EqualityMonitoring.disability, Disability),
    "gender": (EqualityMonitoring.gender, Gender),
}


@dataclass(frozen=True)
class Dashboard:
    period: Period
    report: dict
    previous: dict
    figures: dict
    # When the oldest of the figures was computed, and whether the data has changed since (the
    # newer figures are then being computed in the background).
    as_of: datetime | None = None
    stale: bool = False


def level_rank(session=Session):
    """A session's rung on the ladder of co-production as a number (informing 1 … co-producing 5)."""
    return case({level: level.rank for level in InvolvementLevel}, value=session.involvement_level)


def dashboard(period: Period) -> Dashboard:
    """Everything the dashboard shows for `period` (the caller commits, to keep the cache). Stale
    figures that would take the page over REPORT_INLINE_MS to count again are shown as they were
    while they are refreshed."""
    budget = InlineBudget()
    parts = (
        cached_participation_report(period, budget=budget),
        cached_participation_report(period.previous(), budget=budget),
        cached_report("dashboard", period, dashboard_figures, budget=budget),
    )
    report, previous, figures = parts
    return Dashboard(
        period=period,
        report=report.payload,
        previous=previous.payload,
        figures=figures.payload,
        as_of=min(part.computed_at for part in parts),
        stale=any(part.stale for part in parts),
    )


def years_with_sessions(financial_year_start_month: int, today: date | None = None) -> list[int]:
    """The years that have sessions held, as calendar or as financial years (a financial year is
    named by the year it starts in), and the current one; newest first."""
    today = today or date.today()
    year, month = extract("year", Session.date), extract("month", Session.date)
    rows = db.session.execute(select(year, month).where(Session.cancelled_at.is_(None)).distinct()).all()
    years = {today.year, Period.containing(today, FINANCIAL, financial_year_start_month).year}
    for row_year, row_month in rows:
        years.add(int(row_year))
        years.add(int(row_year) if int(row_month) >= financial_year_start_month else int(row_year) - 1)
    return sorted(years, reverse=True)


def dashboard_figures(period: Period) -> dict:
    """The dashboard's own figures, JSON-ready (they are cached as JSON)."""
    return {
        "ladder": _ladder(period),
        "priority_wards": list(db.session.scalars(select(Ward.name).where(Ward.is_priority).order_by(Ward.name))),
        "equality": _equality(period),
        "ids": _ids(period),
    }


def _ids(period: Period) -> dict:
    """Ids of the wards, organisations and themes the report names, for drill-down links."""
    organisations = select(Organisation.id, Organisation.name).where(
        Organisation.id.in_(select(Affiliation.organisation_id).where(Affiliation.person_id.in_(attendees(period))))
    )
    return {
        "wards": {name: ward_id for ward_id, name in db.session.execute(select(Ward.id, Ward.name))},
        "themes": {name: theme_id for theme_id, name in db.session.execute(select(Theme.id, Theme.name))},
        "organisations": {name: org_id for org_id, name in db.session.execute(organisations)},
    }


def _highest_levels(period: Period):
    """Each of the period's participants with the highest rung they attended in it (`top`) and
    the date of their first attendance in it (`first_date`)."""
    return (
        select(
            Participation.person_id,
            func.max(level_rank()).label("top"),
            func.min(Session.date).label("first_date"),
        )
        .join(Session, Session.id == Participation.session_id)
        .where(attended_in(period))
        .group_by(Participation.person_id)
        .subquery("highest")
    )


def _own_attendances(highest, sessions_matching):
    """The attended participations of the person on a row of `_highest_levels` at the sessions
    that `sessions_matching(sessions)` picks, with the session joined for its date and rung.
    They are found through the person's own index entries: the "+ 0" stops the planner from
    walking the sessions instead, once per person."""
    other = aliased(Session)
    sessions = select(other.id).where(*sessions_matching(other)).correlate(highest)
    return (
        select(Participation.id)
        .select_from(Participation)
        .join(Session, Session.id == Participation.session_id)
        .where(
            Participation.person_id == highest.c.person_id,
            Participation.status == ATTENDED,
            (Participation.session_id + 0).in_(sessions),
        )
        .correlate(highest)
    )


def _starting_level(period: Period, highest):
    """The rung each participant (a row of `_highest_levels`) started the period from: the highest
    they attended before it, or, for someone whose first attendance ever is in the period, the
    first one's (by date, then time). Correlated subqueries over the person's own participations."""
    rank = level_rank()
    before = (
        _own_attendances(highest, lambda other: (other.date < period.start, other.cancelled_at.is_(None)))
        .with_only_columns(func.max(rank))
        .scalar_subquery()
    )
    first = (
        _own_attendances(highest, lambda other: (other.date == highest.c.first_date, other.cancelled_at.is_(None)))
        .with_only_columns(rank)
        .order_by(Session.start_time, Session.id)
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(before, first)


def _grouped_starting_level(period: Period, highest):
    """The same rung as `_starting_level`, from two GROUP BYs joined to the participants (for
    PostgreSQL, which plans the correlated form as a fresh scan of the sessions for every
    participant: 25 s for a year of 200,000 attendances, where this takes under a second). Returns
    the FROM clause to select from and the rung."""
    rank = level_rank()
    before = (
        select(Participation.person_id, func.max(rank).label("rank"))
        .join(Session, Session.id == Participation.session_id)
        .where(Participation.status == ATTENDED, Session.date < period.start, Session.cancelled_at.is_(None))
        .group_by(Participation.person_id)
        .subquery("before")
    )
    order = (Session.date, Session.start_time.asc().nulls_first(), Session.id)
    in_order = (
        select(
            Participation.person_id,
            rank.label("rank"),
            func.row_number().over(partition_by=Participation.person_id, order_by=order).label("n"),
        )
        .join(Session, Session.id == Participation.session_id)
        .where(attended_in(period))
        .subquery("in_order")
    )
    first = select(in_order.c.person_id, in_order.c.rank).where(in_order.c.n == 1).subquery("first")
    joined = highest.outerjoin(before, before.c.person_id == highest.c.person_id).outerjoin(
        first, first.c.person_id == highest.c.person_id
    )
    return joined, func.coalesce(before.c.rank, first.c.rank)


def _highest_and_start(period: Period):
    """Each participant's highest rung in the period, and the rung they started it from: the
    `_highest_levels` subquery, the FROM clause to select from, and the starting rung. SQLite
    runs the correlated form as a few index lookups per participant; PostgreSQL groups."""
    highest = _highest_levels(period)
    if db.session.get_bind().dialect.name == "postgresql":
        joined, start = _grouped_starting_level(period, highest)
        return highest, joined, start
    return highest, highest, _starting_level(period, highest)


def moved_up(period: Period):
    """People who moved up the ladder in the period: at a session in the period they took part
    at a higher rung than any they had attended before (earlier that year or in any year before).
    A person's first ever attendance is not a move up. (A SELECT of person_id.)

    Someone moved up exactly when the highest rung they reached in the period is above the one
    they started it from, so this needs two aggregates per person, not their whole history."""
    highest, joined, start = _highest_and_start(period)
    return select(highest.c.person_id).select_from(joined).where(highest.c.top > start)


def _ladder(period: Period) -> dict:
    highest, joined, start = _highest_and_start(period)
    climbed = case((highest.c.top > start, 1), else_=0)
    rows = db.session.execute(
        select(highest.c.top, func.count(), func.sum(climbed)).select_from(joined).group_by(highest.c.top)
    ).all()
    counts = {top: int(people) for top, people, _climbers in rows}
    return {
        "moved_up": sum(int(climbers or 0) for _top, _people, climbers in rows),
        "highest_level": {level.value: counts.get(level.rank, 0) for level in InvolvementLevel},
    }


def _equality(period: Period) -> dict:
    """Each equality breakdown of the period's participants, small counts suppressed. One
    query counts people by every combination of answers; the breakdowns add those up."""
    people = attendees(period).subquery("participants")
    columns = [column for column, _categories in EQUALITY_FIELDS.values()]
    rows = db.session.execute(
        select(*columns, func.count())
        .select_from(people)
        .outerjoin(EqualityMonitoring, EqualityMonitoring.person_id == people.c.person_id)
        .group_by(*columns)
    ).all()
    result = {}
    for index, (name, (_column, categories)) in enumerate(EQUALITY_FIELDS.items()):
        counts = {category.value: 0 for category in categories} | {NOT_RECORDED: 0}
        for row in rows:
            value = row[index]
            if value is None:
                key = NOT_RECORDED
            elif categories is EthnicGroup:
                key = Ethnicity(value).group.value
            else:
                key = categories(value).value
            counts[key] += row[-1]
        result[name] = suppress_small_counts(counts)
    return result


def suppress_small_counts(counts: dict[str, int]) -> dict[str, int | None]:
    """Counts with any below 5 replaced by None ("fewer than 5"). When only one count is hidden,
    the next smallest is hidden too, so that it cannot be worked out from the total."""
    hidden = {key for key, count in counts.items() if count < SMALL_COUNT}
    if len(hidden) == 1 and counts[next(iter(hidden))] > 0:
        shown = sorted((count, key) for key, count in counts.items() if key not in hidden)
        if shown:
            hidden.add(shown[0][1])
    return {key: None if key in hidden else count for key, count in counts.items()}
