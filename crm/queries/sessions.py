"""Reading sessions and events: the filtered session list, event summaries, form choices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, func, select

from crm.extensions import db
from crm.models import Event, Session, Theme
from crm.models.enums import InvolvementLevel, SessionKind

UPCOMING = "upcoming"
PAST = "past"


@dataclass(frozen=True)
class SessionFilters:
    """The session list's filters, read from query parameters; unknown values are ignored."""

    when: str = UPCOMING
    q: str = ""
    theme_id: int | None = None
    kind: str | None = None
    level: str | None = None
    organisation_id: int | None = None
    event_id: int | None = None

    @classmethod
    def from_args(cls, args) -> SessionFilters:
        def number(name: str) -> int | None:
            value = (args.get(name) or "").strip()
            return int(value) if value.isdigit() else None

        kind = args.get("kind") or None
        level = args.get("level") or None
        return cls(
            when=PAST if args.get("when") == PAST else UPCOMING,
            q=(args.get("q") or "").strip()[:200],
            theme_id=number("theme"),
            kind=kind if kind in SessionKind.values() else None,
            level=level if level in InvolvementLevel.values() else None,
            organisation_id=number("organisation_id"),
            event_id=number("event_id"),
        )

    @property
    def active(self) -> bool:
        """True when anything other than the upcoming/past choice narrows the list."""
        return any((self.q, self.theme_id, self.kind, self.level, self.organisation_id, self.event_id))


def search_sessions(filters: SessionFilters, today: date | None = None) -> Select:
    """Sessions matching the filters: upcoming soonest first, past most recent first.

    Cancelled sessions stay in the list (the page tags them) so nobody wonders where one went."""
    today = today or date.today()
    query = select(Session)
    if filters.when == PAST:
        query = query.where(Session.date < today).order_by(
            Session.date.desc(), Session.start_time.desc(), Session.id.desc()
        )
    else:
        query = query.where(Session.date >= today).order_by(Session.date, Session.start_time, Session.id)
    for word in filters.q.lower().split():
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(Session.title).like(f"%{escaped}%", escape="\\"))
    if filters.theme_id:
        query = query.where(Session.theme_id == filters.theme_id)
    if filters.kind:
        query = query.where(Session.kind == filters.kind)
    if filters.level:
        query = query.where(Session.involvement_level == filters.level)
    if filters.organisation_id:
        query = query.where(Session.organiser_organisation_id == filters.organisation_id)
    if filters.event_id:
        query = query.where(Session.event_id == filters.event_id)
    return query


def event_summaries() -> Select:
    """Rows of (Event, sessions, first_date, last_date), latest events first.

    Cancelled sessions are left out of the count and the dates."""
    held = and_(Session.event_id == Event.id, Session.cancelled_at.is_(None))
    last_date = func.max(Session.date)
    return (
        select(
            Event,
            func.count(Session.id).label("sessions"),
            func.min(Session.date).label("first_date"),
            last_date.label("last_date"),
        )
        .outerjoin(Session, held)
        .group_by(Event.id)
        .order_by(last_date.desc().nulls_last(), func.lower(Event.name), Event.id)
    )


def event_sessions(event_id: int) -> Select:
    """An event's sessions in running order, cancelled ones included."""
    return select(Session).where(Session.event_id == event_id).order_by(Session.date, Session.start_time, Session.id)


def event_choices() -> list[tuple[int, str]]:
    return [tuple(row) for row in db.session.execute(select(Event.id, Event.name).order_by(func.lower(Event.name)))]


def theme_choices() -> list[tuple[int, str]]:
    return [tuple(row) for row in db.session.execute(select(Theme.id, Theme.name).order_by(func.lower(Theme.name)))]
