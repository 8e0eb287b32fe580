"""Reading a session's register: who is on it with their needs, the counts on the session page,
walk-in search, and the close-out figures. Counts are aggregated in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased, load_only

from crm.extensions import db
from crm.models import Contribution, Participation, Person, Session
from crm.models.enums import ParticipationStatus
from crm.queries.people import escape_like, name_order, search_people

WALK_IN_RESULTS = 10


def register_rows(session_id: int) -> list:
    """Everyone with a participation in the session, by last name then first name (as the people
    list and the contributions page sort): one query, each row with the person's name, access
    needs and their participation's values."""
    return db.session.execute(
        select(
            Person.id.label("person_id"),
            Person.first_name,
            Person.last_name,
            Person.preferred_name,
            Person.needs_creche,
            Person.needs_step_free,
            Person.interpreter_language,
            Person.other_needs,
            Participation.status,
            Participation.role,
            Participation.minutes,
            Participation.creche_children,
        )
        .join(Participation, Participation.person_id == Person.id)
        .where(Participation.session_id == session_id)
        .order_by(*name_order())
    ).all()


def _count(status: ParticipationStatus):
    return func.coalesce(func.sum(case((Participation.status == status, 1), else_=0)), 0)


@dataclass(frozen=True)
class AttendanceCounts:
    attended: int
    apologies: int
    no_show: int
    invited: int
    registered: int
    declined: int

    @property
    def expected(self) -> int:
        """Invited or registered, not yet marked."""
        return self.invited + self.registered

    @property
    def total(self) -> int:
        return self.attended + self.apologies + self.no_show + self.invited + self.registered + self.declined

    @property
    def marked(self) -> int:
        return self.attended + self.apologies + self.no_show


def attendance_counts(session_id: int) -> AttendanceCounts:
    """How many people the session has in each status, in one query."""
    row = db.session.execute(
        select(
            _count(ParticipationStatus.ATTENDED),
            _count(ParticipationStatus.APOLOGIES),
            _count(ParticipationStatus.NO_SHOW),
            _count(ParticipationStatus.INVITED),
            _count(ParticipationStatus.REGISTERED),
            _count(ParticipationStatus.DECLINED),
        ).where(Participation.session_id == session_id)
    ).one()
    return AttendanceCounts(*(int(value) for value in row))


@dataclass(frozen=True)
class CloseOut:
    """What a session's register adds up to."""

    attended: int
    apologies: int
    no_show: int
    new_faces: int
    creche_children: int
    minutes: int

    @property
    def hours(self) -> Decimal:
        """Hours given, to one decimal place (half up, as people round)."""
        return (Decimal(self.minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def close_out(session: Session) -> CloseOut:
    """The close-out figures in one query: attended, apologies, no-shows, new faces (people whose
    first attendance ever is this session), creche children and minutes given by those who came
    (a participation without minutes counts the whole session)."""
    attended = Participation.status == ParticipationStatus.ATTENDED
    earlier = aliased(Participation)
    earlier_session = aliased(Session)
    # An attendance at a session held before this one (by date, start time, then id); cancelled
    # sessions do not count.
    attended_before = (
        select(earlier.id)
        .join(earlier_session, earlier_session.id == earlier.session_id)
        .where(
            earlier.person_id == Participation.person_id,
            earlier.status == ParticipationStatus.ATTENDED,
            earlier.session_id != session.id,
            earlier_session.cancelled_at.is_(None),
            or_(
                earlier_session.date < session.date,
                and_(
                    earlier_session.date == session.date,
                    or_(
                        earlier_session.start_time < session.start_time,
                        and_(earlier_session.start_time == session.start_time, earlier_session.id < session.id),
                    ),
                ),
            ),
        )
        .exists()
    )

    def attended_sum(value):
        return func.coalesce(func.sum(case((attended, value), else_=0)), 0)

    row = db.session.execute(
        select(
            _count(ParticipationStatus.ATTENDED),
            _count(ParticipationStatus.APOLOGIES),
            _count(ParticipationStatus.NO_SHOW),
            attended_sum(case((attended_before, 0), else_=1)),
            attended_sum(Participation.creche_children),
            attended_sum(func.coalesce(Participation.minutes, literal(session.length_minutes))),
        ).where(Participation.session_id == session.id)
    ).one()
    return CloseOut(*(int(value) for value in row))


@dataclass(frozen=True)
class WalkInMatch:
    person: Person
    # Their status at this session, if they are on its register already.
    status: ParticipationStatus | None


def _relevance(text: str):
    """0 for an exact full-name match, 1 for a first, last or full name that starts with the
    text, 2 for the rest (a match elsewhere in a name, an email or a phone number)."""
    lowered = text.lower()
    starts = escape_like(lowered) + "%"
    first = func.lower(Person.first_name)
    last = func.lower(Person.last_name)
    preferred = func.lower(func.coalesce(Person.preferred_name, ""))
    full = func.lower(func.trim(Person.first_name + " " + Person.last_name))
    greeted = func.lower(func.trim(func.coalesce(Person.preferred_name, Person.first_name) + " " + Person.last_name))
    return case(
        (or_(full == lowered, greeted == lowered), 0),
        (
            or_(
                first.like(starts, escape="\\"),
                last.like(starts, escape="\\"),
                preferred.like(starts, escape="\\"),
                full.like(starts, escape="\\"),
            ),
            1,
        ),
        else_=2,
    )


def walk_in_matches(session_id: int, q: str, limit: int = WALK_IN_RESULTS) -> list[WalkInMatch]:
    """People a walk-in search finds (name, email or phone, as the people search does), the most
    likely first: an exact full name, then names starting with the text, then the rest by last
    and first name. Each with their status at this session, if they have one: two queries."""
    text = " ".join((q or "").split())
    if not text:
        return []
    query = search_people(text).order_by(None).order_by(_relevance(text), *name_order()).limit(limit)
    people = list(db.session.scalars(query).unique())
    if not people:
        return []
    statuses = statuses_at(session_id, [p.id for p in people])
    return [WalkInMatch(person, statuses.get(person.id)) for person in people]


def statuses_at(session_id: int, person_ids) -> dict[int, ParticipationStatus]:
    """Each of these people's status at the session, for those who have one."""
    ids = list(person_ids)
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(Participation.person_id, Participation.status).where(
                Participation.session_id == session_id, Participation.person_id.in_(ids)
            )
        ).all()
    )


def display_names(person_ids) -> dict[int, str]:
    """The name each of these people is greeted by, for those still in the CRM."""
    ids = list(person_ids)
    if not ids:
        return {}
    people = db.session.scalars(
        select(Person)
        .where(Person.id.in_(ids))
        .options(load_only(Person.id, Person.first_name, Person.preferred_name, Person.last_name))
    )
    return {person.id: person.display_name for person in people}


def people_with_contributions(session_id: int, person_ids) -> set[int]:
    """Of these people, those with contributions recorded at the session."""
    ids = list(person_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(Participation.person_id)
            .join(Contribution, Contribution.participation_id == Participation.id)
            .where(Participation.session_id == session_id, Participation.person_id.in_(ids))
            .distinct()
        )
    )
