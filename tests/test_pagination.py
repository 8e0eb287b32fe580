"""The page numbers under a list: the first and last, a few around the current one, gaps between."""

import pytest

from crm.queries.pagination import Page


def shown(page: int, total: int, per_page: int = 25) -> list:
    return list(Page(items=[], page=page, per_page=per_page, total=total).iter_pages())


@pytest.mark.parametrize(
    ("page", "total", "expected"),
    [
        (1, 0, [1]),
        (1, 25, [1]),
        (1, 26, [1, 2]),
        (1, 250, [1, 2, 3, None, 10]),
        (6, 500, [1, None, 4, 5, 6, 7, 8, None, 20]),
        (4, 500, [1, 2, 3, 4, 5, 6, None, 20]),
        (20, 500, [1, None, 18, 19, 20]),
        # 4,000 pages of 100,000 people: the same few numbers, not a walk over every page.
        (2000, 100_000, [1, None, 1998, 1999, 2000, 2001, 2002, None, 4000]),
        (3999, 100_000, [1, None, 3997, 3998, 3999, 4000]),
    ],
)
def test_the_pager_shows_the_ends_and_the_pages_around_this_one(page, total, expected):
    assert shown(page, total) == expected


def test_the_pager_follows_its_rule_for_every_small_list():
    """The rule, written the plain way: every page within `edge` of either end or within `around`
    of this one, with a gap (None) wherever numbers are skipped."""

    def by_rule(page: int, pages: int, edge: int, around: int) -> list:
        numbers = [n for n in range(1, pages + 1) if n <= edge or n > pages - edge or abs(n - page) <= around]
        shown: list = []
        for number in numbers:
            if shown and number - shown[-1] > 1:
                shown.append(None)
            shown.append(number)
        return shown

    for total in range(0, 130):
        pages = Page(items=[], page=1, per_page=10, total=total).pages
        for page in range(1, pages + 2):
            for edge in (0, 1, 2):
                for around in (0, 1, 2, 3):
                    pager = Page(items=[], page=page, per_page=10, total=total)
                    assert list(pager.iter_pages(edge, around)) == by_rule(page, pages, edge, around), (
                        total,
                        page,
                        edge,
                        around,
                    )
