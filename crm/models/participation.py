"""Who took part in which session, and what they contributed."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.base import TimestampMixin, UTCDateTime
from crm.models.enums import (
    ContributionKind,
    FollowUpStatus,
    ParticipationRole,
    ParticipationSource,
    ParticipationStatus,
    ReplyAnswer,
)
from crm.models.types import enum_type

if TYPE_CHECKING:
    from crm.models.person import Person
    from crm.models.session import Session
    from crm.models.user import User


class Participation(TimestampMixin, db.Model):
    """One person at one session: exactly one row per pair."""

    __tablename__ = "participations"
    __table_args__ = (
        UniqueConstraint("session_id", "person_id"),
        # Covers a person's history lookups (status, session, invited) without reading the table.
        Index("ix_participations_person_status_session_invited", "person_id", "status", "session_id", "invited_at"),
        Index("ix_participations_person_id_invited_at", "person_id", "invited_at"),
        # Covers the reports: a period's sessions → their attended rows, people and minutes.
        Index("ix_participations_session_status_person", "session_id", "status", "person_id", "minutes"),
        CheckConstraint("minutes IS NULL OR minutes >= 0", name="minutes_not_negative"),
        CheckConstraint("creche_children >= 0", name="creche_children_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    status: Mapped[ParticipationStatus] = mapped_column(enum_type(ParticipationStatus))
    role: Mapped[ParticipationRole] = mapped_column(enum_type(ParticipationRole), default=ParticipationRole.PARTICIPANT)
    # Minutes actually attended; None means the whole session.
    minutes: Mapped[int | None]
    creche_children: Mapped[int] = mapped_column(default=0)
    source: Mapped[ParticipationSource] = mapped_column(enum_type(ParticipationSource))
    # Invitations and replies (the public reply page).
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reply: Mapped[ReplyAnswer | None] = mapped_column(enum_type(ReplyAnswer))
    # Ages of the children needing creche places, as the parent wrote them ("2 and 4").
    creche_ages: Mapped[str | None] = mapped_column(String(100))
    reply_note: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship(lazy="raise")
    session: Mapped[Session] = relationship(lazy="raise")
    contributions: Mapped[list[Contribution]] = relationship(
        back_populates="participation", cascade="all, delete-orphan", lazy="raise", order_by="Contribution.id"
    )


class Contribution(TimestampMixin, db.Model):
    """What a person contributed at a session, and what became of it ("you said, we did")."""

    __tablename__ = "contributions"

    id: Mapped[int] = mapped_column(primary_key=True)
    participation_id: Mapped[int] = mapped_column(ForeignKey("participations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ContributionKind] = mapped_column(enum_type(ContributionKind))
    summary: Mapped[str] = mapped_column(Text)
    consent_to_quote: Mapped[bool] = mapped_column(Boolean, default=False)
    follow_up: Mapped[FollowUpStatus] = mapped_column(
        enum_type(FollowUpStatus), default=FollowUpStatus.OPEN, index=True
    )
    # What changed (acted on) or why not (not taken forward).
    follow_up_note: Mapped[str | None] = mapped_column(Text)
    # When the change was made (acted on) or the decision taken (not taken forward).
    followed_up_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    participation: Mapped[Participation] = relationship(back_populates="contributions", lazy="raise")
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id], lazy="raise")
