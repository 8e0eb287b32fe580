"""Lists an administrator can edit: wards, themes and tags."""

from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.extensions import db
from crm.models.enums import TagCategory
from crm.models.types import enum_type


class Ward(db.Model):
    __tablename__ = "wards"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    is_priority: Mapped[bool] = mapped_column(default=False)

    def __str__(self) -> str:
        return self.name


class Theme(db.Model):
    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)

    def __str__(self) -> str:
        return self.name


class Tag(db.Model):
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("category", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[TagCategory] = mapped_column(enum_type(TagCategory))
    name: Mapped[str] = mapped_column(String(100))

    @property
    def slug(self) -> str:
        """The `category:name` form used by filters and the API."""
        return f"{self.category.value}:{self.name}"

    def __str__(self) -> str:
        return self.name
