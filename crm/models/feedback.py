"""Session feedback: a short anonymous form per session, opened from a public link or QR code."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from crm.models.session import Session


class FeedbackForm(db.Model):
    """One per session. `code` is the short random part of its public link."""

    __tablename__ = "feedback_forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), unique=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    is_open: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    session: Mapped[Session] = relationship(lazy="joined")
    topics: Mapped[list[FeedbackTopic]] = relationship(
        back_populates="form", cascade="all, delete-orphan", lazy="selectin", order_by="FeedbackTopic.position"
    )


class FeedbackTopic(db.Model):
    """Something rated 1–5 for knowledge before and after the session."""

    __tablename__ = "feedback_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("feedback_forms.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(String(200))

    form: Mapped[FeedbackForm] = relationship(back_populates="topics", lazy="raise")


class FeedbackResponse(db.Model):
    """One submitted form. Anonymous unless the respondent chose to give a name."""

    __tablename__ = "feedback_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("feedback_forms.id", ondelete="CASCADE"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    respondent_name: Mapped[str | None] = mapped_column(String(200))
    take_away: Mapped[str | None] = mapped_column(Text)
    change: Mapped[str | None] = mapped_column(Text)

    ratings: Mapped[list[FeedbackRating]] = relationship(cascade="all, delete-orphan", lazy="raise")


class FeedbackRating(db.Model):
    """Self-reported knowledge of one topic before and after, 1 (none) to 5 (a lot)."""

    __tablename__ = "feedback_ratings"
    __table_args__ = (
        CheckConstraint("knowledge_before BETWEEN 1 AND 5", name="before_in_range"),
        CheckConstraint("knowledge_after BETWEEN 1 AND 5", name="after_in_range"),
    )

    response_id: Mapped[int] = mapped_column(ForeignKey("feedback_responses.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_topics.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    knowledge_before: Mapped[int]
    knowledge_after: Mapped[int]
