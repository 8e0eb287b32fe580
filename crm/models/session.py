"""Events and the sessions people attend."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.base import TimestampMixin, UTCDateTime
from crm.models.enums import InvolvementLevel, SessionFormat, SessionKind
from crm.models.types import enum_type

if TYPE_CHECKING:
    from crm.models.lists import Theme
    from crm.models.organisation import Organisation


class Event(TimestampMixin, db.Model):
    """An optional container for sessions, such as a conference or a Co-production Week."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)

    sessions: Mapped[list[Session]] = relationship(back_populates="event", lazy="raise")

    def __str__(self) -> str:
        return self.name


class Session(TimestampMixin, db.Model):
    """One meeting people attend."""

    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint("end_time > start_time", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("creche_places >= 0", name="creche_places_not_negative"),
        # Finds the few cancelled sessions that attendance filters leave out.
        Index("ix_sessions_cancelled_at_date", "cancelled_at", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), index=True)
    date: Mapped[date] = mapped_column(Date, index=True)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    format: Mapped[SessionFormat] = mapped_column(enum_type(SessionFormat))
    kind: Mapped[SessionKind] = mapped_column(enum_type(SessionKind))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"), index=True)
    involvement_level: Mapped[InvolvementLevel] = mapped_column(enum_type(InvolvementLevel))
    location: Mapped[str | None] = mapped_column(String(300))
    meeting_link: Mapped[str | None] = mapped_column(String(500))
    organiser_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    capacity: Mapped[int | None]
    creche_places: Mapped[int] = mapped_column(default=0)
    description: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    # The invitation email's wording for this session (None: the standard wording).
    invitation_subject: Mapped[str | None] = mapped_column(String(200))
    invitation_text: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_reason: Mapped[str | None] = mapped_column(String(300))

    event: Mapped[Event | None] = relationship(back_populates="sessions", lazy="joined")
    theme: Mapped[Theme | None] = relationship(lazy="joined")
    organiser: Mapped[Organisation | None] = relationship(lazy="joined")

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def length_minutes(self) -> int:
        start = self.start_time.hour * 60 + self.start_time.minute
        end = self.end_time.hour * 60 + self.end_time.minute
        return end - start

    def __str__(self) -> str:
        return self.title
