"""The audit log: who changed what, when. Field names only, never personal values."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.base import UTCDateTime, utcnow
from crm.models.enums import AuditAction
from crm.models.types import enum_type
from crm.models.user import User


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[AuditAction] = mapped_column(enum_type(AuditAction))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    changed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    # A short description without personal data, e.g. "via API" or "role: coordinator".
    detail: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User | None] = relationship(lazy="joined")
