"""Partner organisations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.base import TimestampMixin
from crm.models.enums import OrganisationType
from crm.models.types import enum_type

if TYPE_CHECKING:
    from crm.models.person import Affiliation


class Organisation(TimestampMixin, db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[OrganisationType] = mapped_column(enum_type(OrganisationType))
    website: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)

    affiliations: Mapped[list[Affiliation]] = relationship(back_populates="organisation", lazy="raise")

    def __str__(self) -> str:
        return self.name
