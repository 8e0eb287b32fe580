"""Programme-wide settings an administrator can change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from crm.extensions import db
from crm.models.base import UTCDateTime, utcnow


class ProgrammeSettings(db.Model):
    """Exactly one row (id 1), created by the migration."""

    __tablename__ = "programme_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("financial_year_start_month BETWEEN 1 AND 12", name="month_in_range"),
        CheckConstraint("retention_months >= 1", name="retention_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=1)
    # The month the financial year starts in (4 = April, as in the UK public sector).
    financial_year_start_month: Mapped[int] = mapped_column(default=4)
    # People with no participation for this long are listed for review and anonymisation.
    retention_months: Mapped[int] = mapped_column(default=36)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
