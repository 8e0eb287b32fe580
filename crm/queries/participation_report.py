"""The annual participation report: the figures defined in DESIGN.md ("The participation report").

All counts are over sessions whose date falls in the period and that are not cancelled;
"attended" means participation status `attended`. Every figure is aggregated by the database
(GROUP BY), in a fixed number of queries whatever the size of the data.
"""

from __future__ import annotations

from sqlalchemy import and_, case, distinct, exists, extract, func, literal, select
from sqlalchemy.orm import aliased

from crm.extensions import db
from crm.models import (
    Affiliation,
    Contribution,
    Organisation,
    Participation,
    Person,
    PersonTypeLink,
    Session,
    Theme,
    Ward,
)
from crm.models.enums import ContributionKind, FollowUpStatus, InvolvementLevel, ParticipationStatus, PersonType
from crm.periods import Period

UNKNOWN = "unknown"
ATTENDED = ParticipationStatus.ATTENDED


def held_in(period: Period, session=Session):
    """Sessions counted in the period: dated within it and not cancelled."""
    return and_(session.date >= period.start, session.date <= period.end, session.cancelled_at.is_(None))


def attended_in(period: Period):
    """Attended participations at the period's sessions (join Session before using)."""
    return and_(Participation.status == ATTENDED, held_in(period))


def month_of(column):
    """A date column as "YYYY-MM" in the database's own dialect."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _clock_minutes(column):
    return extract("hour", column) * 60 + extract("minute", column)


def session_length_minutes(session=Session):
    return _clock_minutes(session.end_time) - _clock_minutes(session.start_time)


def minutes_attended():
    """The minutes a participation counts for: its own, else the whole session."""
    return func.coalesce(Participation.minutes, session_length_minutes())


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


def participation_report(period: Period) -> dict:
    """The report as a JSON-ready dict, in the shape DESIGN.md gives."""
    months = _by_month(period)
    totals = _totals(period)
    unique = totals["unique"]
    new = _new_participants(period)
    previous_unique, retained = _retention(period)
    levels = _by_session_column(period, Session.involvement_level)
    return {
        "period": period.as_dict(),
        "sessions_held": sum(month["sessions"] for month in months),
        "attendances": totals["attended"],
        "unique_participants": unique,
        "new_participants": new,
        "returning_participants": unique - new,
        "retained_from_previous": {
            "previous_unique": previous_unique,
            "retained": retained,
            "rate": _rate(retained, previous_unique),
        },
        "hours": round(totals["minutes"] / 60, 1),
        "no_show_rate": _rate(totals["no_show"], totals["attended"] + totals["no_show"]),
        "by_month": months,
        "by_person_type": _by_person_type(period),
        "by_ward": _by_ward(period),
        "by_organisation": _by_organisation(period),
        "by_theme": _by_theme(period),
        "by_involvement_level": {
            level.value: levels.get(level, {"sessions": 0, "attendances": 0}) for level in InvolvementLevel
        },
        "contributions": _contributions(period),
    }


def _by_month(period: Period) -> list[dict]:
    month = month_of(Session.date).label("month")
    rows = db.session.execute(
        select(
            month,
            func.count(distinct(Session.id)),
            func.count(Participation.id),
            func.count(distinct(Participation.person_id)),
        )
        .select_from(Session)
        .outerjoin(Participation, and_(Participation.session_id == Session.id, Participation.status == ATTENDED))
        .where(held_in(period))
        .group_by(month)
    ).all()
    found = {row[0]: row[1:] for row in rows}
    return [
        {
            "month": name,
            "sessions": found.get(name, (0, 0, 0))[0],
            "attendances": found.get(name, (0, 0, 0))[1],
            "unique_participants": found.get(name, (0, 0, 0))[2],
        }
        for name in period.months()
    ]


def _totals(period: Period) -> dict:
    is_attended = Participation.status == ATTENDED
    row = db.session.execute(
        select(
            func.coalesce(func.sum(case((is_attended, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Participation.status == ParticipationStatus.NO_SHOW, 1), else_=0)), 0),
            func.count(distinct(case((is_attended, Participation.person_id)))),
            func.coalesce(func.sum(case((is_attended, minutes_attended()), else_=0)), 0),
        )
        .select_from(Participation)
        .join(Session, Session.id == Participation.session_id)
        .where(Participation.status.in_([ATTENDED, ParticipationStatus.NO_SHOW]), held_in(period))
    ).one()
    return {"attended": int(row[0]), "no_show": int(row[1]), "unique": int(row[2]), "minutes": float(row[3])}


def attended_before(period: Period, person_id):
    """An EXISTS: the person (a column) attended a session held before the period started.

    Checked through the person's (person, status, session) index entries against the set of
    earlier sessions, which the database builds once."""
    earlier, earlier_session = aliased(Participation), aliased(Session)
    earlier_sessions = select(earlier_session.id).where(
        earlier_session.date < period.start, earlier_session.cancelled_at.is_(None)
    )
    return exists(
        select(literal(1)).where(
            earlier.person_id == person_id,
            earlier.status == ATTENDED,
            # "+ 0" keeps the lookup on the person's index entries instead of probing every earlier session.
            (earlier.session_id + 0).in_(earlier_sessions),
        )
    )


def _new_participants(period: Period) -> int:
    """Attendees whose first attendance ever falls in the period: none before its start."""
    current = attendees(period).subquery("attendees")
    return db.session.scalar(
        select(func.count()).select_from(current).where(~attended_before(period, current.c.person_id))
    )


def attendees(period: Period):
    """Distinct people with an attendance in the period (a SELECT of person_id)."""
    return (
        select(Participation.person_id)
        .join(Session, Session.id == Participation.session_id)
        .where(attended_in(period))
        .distinct()
    )


def _retention(period: Period) -> tuple[int, int]:
    """(people attending in the previous period, how many of them attended again in this one)."""
    previous = attendees(period.previous()).subquery("previous")
    current = attendees(period).subquery("current")
    row = db.session.execute(
        select(func.count(), func.count(current.c.person_id))
        .select_from(previous)
        .outerjoin(current, current.c.person_id == previous.c.person_id)
    ).one()
    return int(row[0]), int(row[1])


def _attendees_by(period: Period, key, target, on) -> list:
    """(key, people) for the period's participants joined to `target`: the distinct people are
    found first, so the join and the grouping work on people, not on every attendance."""
    participants = attendees(period).subquery("participants")
    return db.session.execute(
        select(key, func.count(distinct(participants.c.person_id)))
        .select_from(participants)
        .join(target, on(participants.c.person_id))
        .group_by(key)
    ).all()


def _by_person_type(period: Period) -> dict[str, int]:
    rows = _attendees_by(
        period, PersonTypeLink.type, PersonTypeLink, lambda person_id: PersonTypeLink.person_id == person_id
    )
    counts = {PersonType(value): count for value, count in rows}
    return {kind.value: counts.get(kind, 0) for kind in PersonType}


def _by_ward(period: Period) -> dict[str, int]:
    """Every ward on the list (zeros included), then "unknown" for people with no ward."""
    rows = _attendees_by(period, Person.ward_id, Person, lambda person_id: Person.id == person_id)
    counts = {ward_id: count for ward_id, count in rows}
    wards = db.session.execute(select(Ward.id, Ward.name).order_by(Ward.name)).all()
    result = {name: counts.get(ward_id, 0) for ward_id, name in wards}
    result[UNKNOWN] = counts.get(None, 0)
    return result


def _by_organisation(period: Period) -> dict[str, int]:
    """Distinct attendees affiliated to each organisation (only organisations with any)."""
    rows = _attendees_by(
        period, Affiliation.organisation_id, Affiliation, lambda person_id: Affiliation.person_id == person_id
    )
    if not rows:
        return {}
    names = dict(
        db.session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_([row[0] for row in rows]))
        ).all()
    )
    ordered = sorted(rows, key=lambda row: (-row[1], names[row[0]].lower()))
    return {names[organisation_id]: count for organisation_id, count in ordered}


def _by_session_column(period: Period, column) -> dict:
    rows = db.session.execute(
        select(column, func.count(distinct(Session.id)), func.count(Participation.id))
        .select_from(Session)
        .outerjoin(Participation, and_(Participation.session_id == Session.id, Participation.status == ATTENDED))
        .where(held_in(period))
        .group_by(column)
    ).all()
    return {key: {"sessions": sessions, "attendances": attendances} for key, sessions, attendances in rows}


def _by_theme(period: Period) -> dict[str, dict]:
    """Sessions and attendances per theme, most attended first; sessions with no theme as "unknown"."""
    counts = _by_session_column(period, Session.theme_id)
    names = dict(db.session.execute(select(Theme.id, Theme.name)).all()) if counts else {}
    ordered = sorted(
        counts.items(), key=lambda item: (item[0] is None, -item[1]["attendances"], names.get(item[0], "").lower())
    )
    return {names[theme_id] if theme_id is not None else UNKNOWN: figures for theme_id, figures in ordered}


def _contributions(period: Period) -> dict:
    rows = db.session.execute(
        select(Contribution.kind, Contribution.follow_up, func.count())
        .join(Participation, Participation.id == Contribution.participation_id)
        .join(Session, Session.id == Participation.session_id)
        .where(held_in(period))
        .group_by(Contribution.kind, Contribution.follow_up)
    ).all()
    by_kind = {kind.value: 0 for kind in ContributionKind}
    by_follow_up = {status.value: 0 for status in FollowUpStatus}
    for kind, follow_up, count in rows:
        by_kind[ContributionKind(kind).value] += count
        by_follow_up[FollowUpStatus(follow_up).value] += count
    return {
        "total": sum(by_kind.values()),
        "by_kind": by_kind,
        "acted_on": by_follow_up[FollowUpStatus.ACTED_ON.value],
        "not_taken_forward": by_follow_up[FollowUpStatus.NOT_TAKEN_FORWARD.value],
        "open": by_follow_up[FollowUpStatus.OPEN.value],
    }


def period_from(year: str | int | None, basis: str | None, *, today=None) -> Period:
    """The period a request or command asks for: `year` (default: the current one of the basis)
    and `basis` (calendar, the default, or financial, starting in the programme's month)."""
    from datetime import date

    from crm.periods import BASES, CALENDAR, EARLIEST_YEAR
    from crm.services.errors import InvalidInput
    from crm.services.settings import current_settings

    basis = (basis or CALENDAR).strip().lower()
    problems = {}
    if basis not in BASES:
        problems["basis"] = "Must be calendar or financial"
    start_month = current_settings().financial_year_start_month
    if year is None or str(year).strip() == "":
        if problems:
            raise InvalidInput(problems)
        return Period.containing(today or date.today(), basis, start_month)
    text = str(year).strip()
    latest = (today or date.today()).year + 10
    if not (text.isascii() and text.isdigit()) or not EARLIEST_YEAR <= int(text) <= latest:
        problems["year"] = f"Must be a year from {EARLIEST_YEAR} to {latest}, like 2024"
    if problems:
        raise InvalidInput(problems)
    return Period.of(int(text), basis, start_month)


def cached_participation_report(period: Period, *, budget=None):
    """The report from the shared cache (computed when the data changed since), as a CachedReport;
    `budget` as in crm.queries.report_cache.cached_report."""
    from crm.queries.report_cache import cached_report

    return cached_report("participation", period, participation_report, budget=budget)


def report_rows(report: dict) -> list[tuple[str, str, str, object]]:
    """The report flattened to (section, item, measure, value) rows, for CSV."""
    rows: list[tuple[str, str, str, object]] = []
    for name in (
        "sessions_held",
        "attendances",
        "unique_participants",
        "new_participants",
        "returning_participants",
        "hours",
        "no_show_rate",
    ):
        rows.append(("summary", "", name, report[name]))
    for measure, value in report["retained_from_previous"].items():
        rows.append(("retained_from_previous", "", measure, value))
    for month in report["by_month"]:
        for measure in ("sessions", "attendances", "unique_participants"):
            rows.append(("by_month", month["month"], measure, month[measure]))
    for section in ("by_person_type", "by_ward", "by_organisation"):
        for item, value in report[section].items():
            rows.append((section, item, "people", value))
    for section in ("by_theme", "by_involvement_level"):
        for item, figures in report[section].items():
            for measure, value in figures.items():
                rows.append((section, item, measure, value))
    contributions = report["contributions"]
    for measure in ("total", "acted_on", "not_taken_forward", "open"):
        rows.append(("contributions", "", measure, contributions[measure]))
    for kind, value in contributions["by_kind"].items():
        rows.append(("contributions_by_kind", kind, "contributions", value))
    return rows
