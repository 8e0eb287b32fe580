"""People past the retention period: no participation in a session that went ahead, and not
added, within the period. Set-based: the people with a recent participation are found through
the recent sessions (an index range per session), never person by person."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time

from sqlalchemy import Select, func, select

from crm.consent import LONDON
from crm.models import Participation, Person, Session, Ward


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the last day of the month when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def start_of_day(day: date) -> datetime:
    """Midnight UK time on `day`, in UTC (how timestamps are stored)."""
    return datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC)


def recent_participants(cutoff: date):
    """Ids of people with a participation (any status) in a session on or after `cutoff` that was
    not cancelled: the recent sessions first, then their rows through the (session, person) index."""
    recent_sessions = select(Session.id).where(Session.date >= cutoff, Session.cancelled_at.is_(None))
    return select(Participation.person_id).where(Participation.session_id.in_(recent_sessions))


def past_retention(cutoff: date, person_ids: list[int] | None = None) -> Select:
    """People not yet anonymised, added before `cutoff`, with no participation in a session since
    (people who never came count from the day they were added): id, names, ward and when added,
    oldest records first. `last_sessions` gives the page's people their last session."""
    query = (
        select(
            Person.id,
            Person.first_name,
            Person.last_name,
            Person.preferred_name,
            Ward.name.label("ward"),
            Person.created_at,
        )
        .outerjoin(Ward, Ward.id == Person.ward_id)
        .where(
            Person.erased_at.is_(None),
            Person.created_at < start_of_day(cutoff),
            Person.id.not_in(recent_participants(cutoff)),
        )
        .order_by(Person.created_at, Person.id)
    )
    if person_ids is not None:
        query = query.where(Person.id.in_(person_ids))
    return query


def past_retention_ids(cutoff: date, person_ids: list[int] | None = None) -> Select:
    return past_retention(cutoff, person_ids).with_only_columns(Person.id).order_by(Person.id)


def last_sessions(person_ids: list[int]) -> dict[int, date]:
    """The date of each of these people's last session that went ahead (one grouped query)."""
    from crm.extensions import db

    if not person_ids:
        return {}
    rows = db.session.execute(
        select(Participation.person_id, func.max(Session.date))
        .join(Session, Session.id == Participation.session_id)
        .where(Participation.person_id.in_(person_ids), Session.cancelled_at.is_(None))
        .group_by(Participation.person_id)
    )
    return dict(rows.all())
