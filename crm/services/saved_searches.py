"""Saved searches: a named find-people filter. The filter is stored, not the list of people,
so running it again finds whoever matches today."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import SavedSearch
from crm.models.enums import AuditAction
from crm.queries.find_people import Filters
from crm.services import audit
from crm.services.errors import InvalidInput

MAX_NAME = 120


def save_search(name: str, filters: Filters, actor) -> SavedSearch:
    """Store `filters` (the free text too) under a name nobody else has used."""
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput({"name": "Enter a name for this search"})
    if len(name) > MAX_NAME:
        raise InvalidInput({"name": f"Name must be {MAX_NAME} characters or fewer"})
    if db.session.scalar(select(SavedSearch.id).where(func.lower(SavedSearch.name) == name.lower())):
        raise InvalidInput({"name": "There is already a saved search with that name; choose another"})
    saved = SavedSearch(name=name, filters=filters.params(), created_by_id=getattr(actor, "id", None))
    db.session.add(saved)
    db.session.flush()
    # The filter names only: the free text may be a person's name.
    audit.record(actor, AuditAction.CREATE, saved, ["name", "filters"], detail=_detail(saved))
    return saved


def delete_saved_search(saved: SavedSearch, actor) -> None:
    audit.record(actor, AuditAction.DELETE, saved, detail=_detail(saved))
    db.session.delete(saved)
    db.session.flush()


def _detail(saved: SavedSearch) -> str:
    return f"filters: {', '.join(sorted(saved.filters)) or 'none'}"[:300]
