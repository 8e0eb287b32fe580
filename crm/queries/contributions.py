"""Reading contributions: a session's attendees and what they said, and the "you said, we did" list."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager, selectinload

from crm.extensions import db
from crm.models import Contribution, Participation, Session
from crm.models.enums import ContributionKind, FollowUpStatus, ParticipationStatus
from crm.queries.people import name_order

ALL = "all"


def session_attendees(session_id: int) -> list[Participation]:
    """The session's attended participations, by name, each with its person and contributions."""
    return list(
        db.session.scalars(
            select(Participation)
            .join(Participation.person)
            .where(Participation.session_id == session_id, Participation.status == ParticipationStatus.ATTENDED)
            .options(contains_eager(Participation.person), selectinload(Participation.contributions))
            .order_by(*name_order())
        )
    )


def participation_at(session_id: int, person_id: int) -> Participation | None:
    """This person's participation at this session, with the person loaded (any status)."""
    return db.session.scalar(
        select(Participation)
        .join(Participation.person)
        .where(Participation.session_id == session_id, Participation.person_id == person_id)
        .options(contains_eager(Participation.person))
    )


def contribution_with_context(contribution_id: int) -> Contribution | None:
    """One contribution with its participation, person and session, for the edit pages."""
    return db.session.scalar(
        select(Contribution)
        .join(Contribution.participation)
        .join(Participation.person)
        .join(Participation.session)
        .where(Contribution.id == contribution_id)
        .options(
            contains_eager(Contribution.participation).contains_eager(Participation.person),
            contains_eager(Contribution.participation).contains_eager(Participation.session),
        )
    )


@dataclass
class KindGroup:
    kind: ContributionKind
    contributions: list[Contribution]


def session_contributions(session_id: int) -> list[KindGroup]:
    """A session's contributions grouped by kind (in the order kinds are listed), each group in
    the order they were recorded, with the contributor loaded. One query."""
    rows = db.session.scalars(
        select(Contribution)
        .join(Contribution.participation)
        .join(Participation.person)
        .where(Participation.session_id == session_id)
        .options(contains_eager(Contribution.participation).contains_eager(Participation.person))
        .order_by(Contribution.id)
    )
    groups: dict[ContributionKind, list[Contribution]] = defaultdict(list)
    for contribution in rows:
        groups[contribution.kind].append(contribution)
    return [KindGroup(kind, groups[kind]) for kind in ContributionKind if groups.get(kind)]


@dataclass(frozen=True)
class ContributionFilters:
    """The "you said, we did" list's filters, from query parameters; unknown values are ignored."""

    follow_up: str = FollowUpStatus.OPEN.value
    theme_id: int | None = None
    kind: str | None = None
    # Only contributions whose contributor agreed their words may be quoted.
    quotable: bool = False
    session_id: int | None = None

    @classmethod
    def from_args(cls, args) -> ContributionFilters:
        follow_up = args.get("follow_up") or FollowUpStatus.OPEN.value
        kind = args.get("kind") or None
        return cls(
            follow_up=follow_up if follow_up in (*FollowUpStatus.values(), ALL) else FollowUpStatus.OPEN.value,
            theme_id=_id(args.get("theme")),
            kind=kind if kind in ContributionKind.values() else None,
            quotable=args.get("quote") == "yes",
            session_id=_id(args.get("session")),
        )

    @property
    def narrowed(self) -> bool:
        """Whether any filter besides the follow-up is set."""
        return bool(self.theme_id or self.kind or self.quotable or self.session_id)

    @property
    def active(self) -> bool:
        return self.follow_up != FollowUpStatus.OPEN.value or self.narrowed


def _id(value) -> int | None:
    """A database id from a query parameter, or None for anything else."""
    text = (value or "").strip()
    return int(text) if text.isdigit() and len(text) <= 18 else None


def search_contributions(filters: ContributionFilters) -> Select:
    """Contributions matching the filters, newest session first, with person and session loaded."""
    query = (
        select(Contribution)
        .join(Contribution.participation)
        .join(Participation.person)
        .join(Participation.session)
        .options(
            contains_eager(Contribution.participation).contains_eager(Participation.person),
            contains_eager(Contribution.participation).contains_eager(Participation.session),
        )
    )
    if filters.follow_up != ALL:
        query = query.where(Contribution.follow_up == filters.follow_up)
    if filters.theme_id:
        query = query.where(Session.theme_id == filters.theme_id)
    if filters.kind:
        query = query.where(Contribution.kind == filters.kind)
    if filters.quotable:
        query = query.where(Contribution.consent_to_quote.is_(True))
    if filters.session_id:
        query = query.where(Participation.session_id == filters.session_id)
    return query.order_by(Session.date.desc(), Session.start_time.desc(), Session.id.desc(), Contribution.id)


def sessions_with_contributions() -> list:
    """The sessions anyone contributed at, newest first, for the list's session filter: rows of
    (id, title, date). One query."""
    with_contributions = select(Participation.session_id).join(Contribution.participation)
    return list(
        db.session.execute(
            select(Session.id, Session.title, Session.date)
            .where(Session.id.in_(with_contributions))
            .order_by(Session.date.desc(), Session.start_time.desc(), Session.id.desc())
        )
    )
