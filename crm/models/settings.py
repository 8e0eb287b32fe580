"""Programme-wide settings an administrator can change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Integer, String
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


class DataVersion(db.Model):
    """A counter bumped in every transaction that changes data the reports read (one row, id 1).

    Cached reports carry the version they were computed from; a different version means stale."""

    __tablename__ = "data_version"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=1)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class ReportCache(db.Model):
    """A computed report (JSON), valid while the data version it was computed from is current.

    `compute_ms` is how long computing it took; a slow report that has gone stale is shown as it
    was while a background refresh, claimed through `refresh_started_at`, computes it again."""

    __tablename__ = "report_cache"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    data_version: Mapped[int] = mapped_column(BigInteger)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    payload: Mapped[dict] = mapped_column(JSON)
    compute_ms: Mapped[int | None] = mapped_column(Integer)
    refresh_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
