"""Drill-down from the dashboard: the people or the sessions behind a number.

The filters use the same definitions as the participation report, so a list is as long as the
number it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from crm.models import Affiliation, Organisation, Participation, Person, PersonTypeLink, Session, Theme, Ward
from crm.models.enums import InvolvementLevel, ParticipationStatus, PersonType
from crm.periods import Period
from crm.queries.dashboard import attendees, moved_up
from crm.queries.participation_report import ATTENDED, attended_before, held_in

# Which people a drill-down lists, and the heading it gets.
PEOPLE_GROUPS = {
    "participants": "People who attended",
    "new": "New participants",
    "returning": "Returning participants",
    "retained": "People who came back from the year before",
    "moved_up": "People who moved up the involvement ladder",
    "no_show": "People who did not come to a session they were expected at",
}
UNKNOWN = "unknown"


class BadDrillDown(ValueError):
    """A drill-down parameter that names nothing (shown as 404)."""


@dataclass(frozen=True)
class DrillFilters:
    group: str = "participants"
    month: str | None = None  # "YYYY-MM"
    person_type: PersonType | None = None
    ward: Ward | None = None
    no_ward: bool = False
    organisation: Organisation | None = None
    theme: Theme | None = None
    no_theme: bool = False
    level: InvolvementLevel | None = None

    def describe(self) -> list[str]:
        """The filters in words, for the page heading."""
        parts = []
        if self.month:
            year, month = (int(part) for part in self.month.split("-"))
            parts.append(f"in {date(year, month, 1):%B %Y}")
        if self.person_type:
            parts.append(f"of type {self.person_type.label.lower()}")
        if self.ward:
            parts.append(f"living in {self.ward.name}")
        if self.no_ward:
            parts.append("with no ward recorded")
        if self.organisation:
            parts.append(f"affiliated to {self.organisation.name}")
        if self.theme:
            parts.append(f"on the theme {self.theme.name}")
        if self.no_theme:
            parts.append("with no theme")
        if self.level:
            parts.append(f"at the level {self.level.label.lower()}")
        return parts

    def as_args(self) -> dict:
        """Query parameters that give these filters back (for links and pagination)."""
        args = {
            "group": self.group if self.group != "participants" else None,
            "month": self.month,
            "type": self.person_type.value if self.person_type else None,
            "ward": UNKNOWN if self.no_ward else (self.ward.id if self.ward else None),
            "organisation": self.organisation.id if self.organisation else None,
            "theme": UNKNOWN if self.no_theme else (self.theme.id if self.theme else None),
            "level": self.level.value if self.level else None,
        }
        return {key: value for key, value in args.items() if value is not None}


def month_bounds(month: str, period: Period) -> tuple[date, date]:
    if month not in period.months():
        raise BadDrillDown("month")
    year, number = (int(part) for part in month.split("-"))
    start = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return start, following - timedelta(days=1)


def _session_conditions(period: Period, filters: DrillFilters) -> list:
    conditions = [held_in(period)]
    if filters.month:
        start, end = month_bounds(filters.month, period)
        conditions += [Session.date >= start, Session.date <= end]
    if filters.theme:
        conditions.append(Session.theme_id == filters.theme.id)
    if filters.no_theme:
        conditions.append(Session.theme_id.is_(None))
    if filters.level:
        conditions.append(Session.involvement_level == filters.level)
    return conditions


def people_behind(period: Period, filters: DrillFilters):
    """People behind a number, with how many times each attended (or did not come, for the
    no-show group) in the period: a SELECT of (Person, times), by name."""
    status = ParticipationStatus.NO_SHOW if filters.group == "no_show" else ATTENDED
    times = (
        select(Participation.person_id, func.count().label("times"))
        .join(Session, Session.id == Participation.session_id)
        .where(Participation.status == status, *_session_conditions(period, filters))
        .group_by(Participation.person_id)
        .subquery("times")
    )
    query = select(Person, times.c.times).join(times, times.c.person_id == Person.id)
    if filters.group == "new":
        query = query.where(~attended_before(period, Person.id))
    elif filters.group == "returning":
        query = query.where(attended_before(period, Person.id))
    elif filters.group == "retained":
        query = query.where(Person.id.in_(attendees(period.previous())))
    elif filters.group == "moved_up":
        query = query.where(Person.id.in_(moved_up(period)))
    if filters.person_type:
        query = query.where(
            Person.id.in_(select(PersonTypeLink.person_id).where(PersonTypeLink.type == filters.person_type))
        )
    if filters.ward:
        query = query.where(Person.ward_id == filters.ward.id)
    if filters.no_ward:
        query = query.where(Person.ward_id.is_(None))
    if filters.organisation:
        query = query.where(
            Person.id.in_(select(Affiliation.person_id).where(Affiliation.organisation_id == filters.organisation.id))
        )
    return query.order_by(Person.last_name, Person.first_name, Person.id)


def sessions_behind(period: Period, filters: DrillFilters):
    """Sessions held in the period behind a number, with their attendances: a SELECT of
    (Session, attendances), by date."""
    counts = (
        select(Participation.session_id, func.count().label("attendances"))
        .join(Session, Session.id == Participation.session_id)
        .where(Participation.status == ATTENDED, *_session_conditions(period, filters))
        .group_by(Participation.session_id)
        .subquery("counts")
    )
    return (
        select(Session, func.coalesce(counts.c.attendances, 0))
        .outerjoin(counts, counts.c.session_id == Session.id)
        .where(*_session_conditions(period, filters))
        .order_by(Session.date, Session.start_time, Session.id)
    )
