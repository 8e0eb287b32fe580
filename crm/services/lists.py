"""The administrator's lists: wards, themes and tags."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Tag, Theme, Ward
from crm.models.enums import AuditAction, TagCategory
from crm.services import audit
from crm.services.errors import InvalidInput


def _name(value: str, what: str) -> str:
    name = " ".join((value or "").split())
    if not name:
        raise InvalidInput({"name": f"Enter the {what}'s name"})
    if len(name) > 100:
        raise InvalidInput({"name": "Name must be 100 characters or fewer"})
    return name


def add_ward(name: str, actor, *, is_priority: bool = False) -> Ward:
    name = _name(name, "ward")
    if db.session.scalar(select(Ward.id).where(func.lower(Ward.name) == name.lower())):
        raise InvalidInput({"name": "That ward is already on the list"})
    ward = Ward(name=name, is_priority=is_priority)
    db.session.add(ward)
    audit.record(actor, AuditAction.CREATE, ward, ["name"])
    return ward


def update_ward(ward: Ward, name: str, is_priority: bool, actor) -> None:
    name = _name(name, "ward")
    if db.session.scalar(select(Ward.id).where(func.lower(Ward.name) == name.lower(), Ward.id != ward.id)):
        raise InvalidInput({"name": "That ward is already on the list"})
    ward.name, ward.is_priority = name, is_priority
    fields = audit.changed_fields(ward)
    if fields:
        audit.record(actor, AuditAction.UPDATE, ward, fields)


def add_theme(name: str, actor) -> Theme:
    name = _name(name, "theme")
    if db.session.scalar(select(Theme.id).where(func.lower(Theme.name) == name.lower())):
        raise InvalidInput({"name": "That theme is already on the list"})
    theme = Theme(name=name)
    db.session.add(theme)
    audit.record(actor, AuditAction.CREATE, theme, ["name"])
    return theme


def rename_theme(theme: Theme, name: str, actor) -> None:
    name = _name(name, "theme")
    if db.session.scalar(select(Theme.id).where(func.lower(Theme.name) == name.lower(), Theme.id != theme.id)):
        raise InvalidInput({"name": "That theme is already on the list"})
    theme.name = name
    fields = audit.changed_fields(theme)
    if fields:
        audit.record(actor, AuditAction.UPDATE, theme, fields)


def add_tag(category: TagCategory, name: str, actor) -> Tag:
    name = _name(name, "tag")
    category = TagCategory(category)
    clash = select(Tag.id).where(Tag.category == category, func.lower(Tag.name) == name.lower())
    if db.session.scalar(clash):
        raise InvalidInput({"name": "That tag is already on the list"})
    tag = Tag(category=category, name=name)
    db.session.add(tag)
    audit.record(actor, AuditAction.CREATE, tag, ["category", "name"])
    return tag
