"""The one pagination helper every list (web and API) goes through."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, select

from crm.extensions import db

MAX_PER_PAGE = 200
# No list has a million pages; a larger number in an address is read as this (then clamped to
# the last page), so no count or offset built from it can overflow the database's integers.
MAX_PAGE = 1_000_000
# Lists of people count their matches exactly up to this many, then say "more than 10,000": a
# count must visit every match, so an exact figure for a broad filter would cost more the more
# people the programme holds, on every page of it. (The reports and the API count exactly.)
COUNT_LIMIT = 10_000


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int
    # The count stopped at `total`: there are more matches than that ("more than 10,000").
    more: bool = False
    # For a bounded list, the largest total it states exactly (COUNT_LIMIT): a deep page counts
    # further for its pager, but says "more than 10,000" as the first page does.
    exact_up_to: int | None = None

    @property
    def shown_total(self) -> int:
        """The total to state: `total`, or the limit with `shown_more` once past it."""
        return self.exact_up_to if self.shown_more and self.exact_up_to is not None else self.total

    @property
    def shown_more(self) -> bool:
        return self.more or (self.exact_up_to is not None and self.total > self.exact_up_to)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or self.more

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * self.per_page, self.total)

    def iter_pages(self, edge: int = 1, around: int = 2):
        """Page numbers to show, with None for a gap: 1 … 4 5 [6] 7 8 … 20. Only the numbers
        shown are visited, so a list of thousands of pages costs no more than one of ten."""
        pages = self.pages
        shown = sorted(
            {
                *range(1, min(edge, pages) + 1),
                # The last page is known only when every match was counted.
                *(() if self.more else range(max(1, pages - edge + 1), pages + 1)),
                *range(max(1, self.page - around), min(pages, self.page + around) + 1),
            }
        )
        last_shown = 0
        for number in shown:
            if last_shown and number - last_shown > 1:
                yield None
            yield number
            last_shown = number
        if self.more:
            yield None


def parse_page_args(args, default_per_page: int = 25) -> tuple[int, int]:
    """Page number and size from query parameters, clamped to sensible values."""

    def number(name: str, default: int) -> int:
        try:
            return int(args.get(name, default))
        except (TypeError, ValueError):
            return default

    page = min(MAX_PAGE, max(1, number("page", 1)))
    per_page = min(MAX_PER_PAGE, max(1, number("per_page", default_per_page)))
    return page, per_page


def paginate(
    query: Select,
    page: int,
    per_page: int,
    *,
    scalars: bool = True,
    clamp: bool = True,
    key: ColumnElement | None = None,
    bounded: bool = False,
) -> Page:
    """Run one count and one page query. A page past the end shows the last page (`clamp`, for
    people following an old link), or is empty (for API clients that page until no items).

    With `key` (the primary key of the rows `query` selects), the page query first finds the
    page's keys, then fetches those rows: skipping to a deep page then walks only an index in
    the query's order (when one matches it), not every row before the page.

    `bounded` counts only up to `count_limit` (see COUNT_LIMIT); the page then says whether
    there are `more`."""
    total, more, exact_up_to = count_for_page(query, page, per_page, bounded=bounded)
    if clamp:
        page = min(page, max(1, math.ceil(total / per_page)))
    items = page_items(query, per_page, (page - 1) * per_page, scalars=scalars, key=key)
    return Page(items=items, page=page, per_page=per_page, total=total, more=more, exact_up_to=exact_up_to)


def count_for_page(query: Select, page: int, per_page: int, *, bounded: bool) -> tuple[int, bool, int | None]:
    """The rows `query` gives, counted for `page`: exactly, or (`bounded`) up to `count_limit`.
    Returns the count, whether there are more, and the largest total the page states exactly
    (Page.exact_up_to)."""
    if not bounded:
        return *bounded_count(query, None), None
    return *bounded_count(query, count_limit(page, per_page)), COUNT_LIMIT


def count_limit(page: int, per_page: int) -> int:
    """How far a bounded count goes for `page`: COUNT_LIMIT, or further for a deep page, so the
    pager still knows the two pages after it."""
    return max(COUNT_LIMIT, (page + 2) * per_page)


def bounded_count(query: Select, limit: int | None) -> tuple[int, bool]:
    """How many rows `query` gives, and whether there are more than that: with a `limit`, at
    most `limit` rows are counted (one more is read to know whether others follow)."""
    inner = query.order_by(None)
    if limit is not None:
        # Only whether each row exists: a limited subquery is not merged into the count, so
        # selecting the rows' columns would make the database read them.
        inner = inner.with_only_columns(literal(1), maintain_column_froms=True).limit(limit + 1)
    counted = db.session.scalar(select(func.count()).select_from(inner.subquery())) or 0
    if limit is not None and counted > limit:
        return limit, True
    return counted, False


def page_items(
    query: Select, limit: int, offset: int, *, scalars: bool = True, key: ColumnElement | None = None
) -> list[Any]:
    """The `limit` rows of `query` after the first `offset`, in one statement (see paginate
    for `key`)."""
    if key is not None:
        keys = query.with_only_columns(key).limit(limit).offset(offset)
        paged = query.where(key.in_(keys.scalar_subquery()))
    else:
        paged = query.limit(limit).offset(offset)
    result = db.session.execute(paged)
    return list(result.scalars().unique()) if scalars else list(result.all())
