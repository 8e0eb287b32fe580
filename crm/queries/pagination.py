"""The one pagination helper every list (web and API) goes through."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from crm.extensions import db

MAX_PER_PAGE = 200


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * self.per_page, self.total)

    def iter_pages(self, edge: int = 1, around: int = 2):
        """Page numbers to show, with None for a gap: 1 … 4 5 [6] 7 8 … 20."""
        last_shown = 0
        for number in range(1, self.pages + 1):
            if number <= edge or number > self.pages - edge or abs(number - self.page) <= around:
                if last_shown and number - last_shown > 1:
                    yield None
                yield number
                last_shown = number


def parse_page_args(args, default_per_page: int = 25) -> tuple[int, int]:
    """Page number and size from query parameters, clamped to sensible values."""

    def number(name: str, default: int) -> int:
        try:
            return int(args.get(name, default))
        except (TypeError, ValueError):
            return default

    page = max(1, number("page", 1))
    per_page = min(MAX_PER_PAGE, max(1, number("per_page", default_per_page)))
    return page, per_page


def paginate(query: Select, page: int, per_page: int, *, scalars: bool = True, clamp: bool = True) -> Page:
    """Run one count and one page query. A page past the end shows the last page (`clamp`, for
    people following an old link), or is empty (for API clients that page until no items)."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    if clamp:
        page = min(page, max(1, math.ceil(total / per_page)))
    paged = query.limit(per_page).offset((page - 1) * per_page)
    result = db.session.execute(paged)
    items = list(result.scalars().unique()) if scalars else list(result.all())
    return Page(items=items, page=page, per_page=per_page, total=total)
