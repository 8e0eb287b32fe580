"""Lists of people count their matches exactly up to a limit, then say "more than" it: the
count costs the same however many people the programme holds. Here the limit is made small."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from crm.models import Person, SavedSearch
from crm.models.enums import PersonType, Role
from crm.queries import pagination
from crm.queries.pagination import Page
from tests.factories import PersonFactory

LIMIT = 6


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_LIMIT", LIMIT)


@pytest.fixture
def volunteers(db):
    people = [
        PersonFactory(first_name=f"Volunteer{number:02d}", last_name="Smith", types=[PersonType.VOLUNTEER])
        for number in range(12)
    ]
    db.session.commit()
    return people


def showing(html: str) -> str:
    return re.search(r"Showing [^<]*|No results", html).group(0)


def page_links(html: str) -> list[str]:
    return re.findall(r'class="govuk-link govuk-pagination__link" href="[^"]*page=(\d+)', html)


def test_a_long_list_says_more_than_the_limit_and_still_pages_on(client, login_as, small_limit, volunteers, db):
    login_as(Role.CHAMPION)
    first = client.get("/people/", query_string={"per_page": 2}).get_data(as_text=True)
    assert showing(first) == "Showing 1 to 2 of more than 6 results"
    assert "Volunteer00 Smith" in first and "Volunteer02 Smith" not in first
    # The pages around this one and Next, but no last page: it is not known.
    assert set(page_links(first)) == {"1", "2", "3"}
    assert 'rel="next"' in first

    # A deeper page counts far enough to know the two pages after it.
    # It still says "more than 6", as the first page does.
    third = client.get("/people/", query_string={"per_page": 2, "page": 3}).get_data(as_text=True)
    assert showing(third) == "Showing 5 to 6 of more than 6 results"
    assert "Volunteer04 Smith" in third
    assert set(page_links(third)) == {"1", "2", "3", "4", "5"}
    # Near the end every match is counted, so the pager shows the last page and Next stops.
    last = client.get("/people/", query_string={"per_page": 2, "page": 6}).get_data(as_text=True)
    assert showing(last) == "Showing 11 to 12 of more than 6 results"
    assert "Volunteer11 Smith" in last and 'rel="next"' not in last
    assert set(page_links(last)) == {"1", "4", "5", "6"}
    # A page number too large for any list (or for the database's integers) shows the last page.
    huge = client.get("/people/", query_string={"per_page": 2, "page": 10**30})
    assert huge.status_code == 200 and showing(huge.get_data(as_text=True)) == "Showing 11 to 12 of more than 6 results"
    # Under the limit, exact as always.
    for number in range(3):
        PersonFactory(first_name=f"Professional{number}", last_name="Jones", types=[PersonType.PROFESSIONAL])
    db.session.commit()
    exact = client.get("/people/", query_string={"per_page": 2, "type": "professional"}).get_data(as_text=True)
    assert showing(exact) == "Showing 1 to 2 of 3 results"


def test_the_count_reads_no_more_rows_than_the_limit(db, volunteers):
    query = select(Person).order_by(Person.id)
    assert pagination.bounded_count(query, 6) == (6, True)
    assert pagination.bounded_count(query, 12) == (12, False)
    assert pagination.bounded_count(query, 11) == (11, True)
    assert pagination.bounded_count(query, None) == (12, False)
    statements = []

    def seen(_connection, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        pagination.bounded_count(query, 6)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) == 1 and "LIMIT" in statements[0].upper()


def test_find_people_says_more_than_the_limit_everywhere_it_counts(client, login_as, small_limit, volunteers, db):
    login_as(Role.COORDINATOR)
    page = client.get("/find", query_string={"type": "volunteer", "per_page": 2}).get_data(as_text=True)
    assert re.search(r'id="find-count"[^>]*>More than 6 people<', page)
    assert "Select all matching people (more than 6)" in page
    assert client.get("/find/count?type=volunteer").get_json() == {"count": 6, "more": True}
    # A narrower search is counted exactly.
    assert client.get("/find/count?type=professional").get_json() == {"count": 0, "more": False}
    # Deeper pages count on past the limit for their pager, but say what the first page says.
    deeper = client.get("/find", query_string={"type": "volunteer", "per_page": 2, "page": 5}).get_data(as_text=True)
    assert re.search(r'id="find-count"[^>]*>More than 6 people<', deeper)
    assert "Select all matching people (more than 6)" in deeper
    assert "Volunteer08 Smith" in deeper
    huge = client.get("/find", query_string={"type": "volunteer", "per_page": 2, "page": 10**30})
    assert huge.status_code == 200 and "Volunteer11 Smith" in huge.get_data(as_text=True)

    db.session.add(SavedSearch(name="All volunteers", filters={"type": ["volunteer"]}))
    db.session.commit()
    listing = client.get("/find/saved").get_data(as_text=True)
    assert 'data-label="People now">More than 6</td>' in listing


def test_find_people_counts_exactly_under_the_limit(client, login_as, volunteers):
    login_as(Role.COORDINATOR)
    page = client.get("/find", query_string={"type": "volunteer"}).get_data(as_text=True)
    assert re.search(r'id="find-count"[^>]*>12 people<', page)
    assert "Select all 12 matching people" in page
    assert client.get("/find/count?type=volunteer").get_json() == {"count": 12, "more": False}


def test_the_pager_leaves_out_a_last_page_it_does_not_know():
    pager = Page(items=[], page=3, per_page=10, total=50, more=True)
    assert list(pager.iter_pages()) == [1, 2, 3, 4, 5, None]
    assert pager.has_next
    assert Page(items=[], page=5, per_page=10, total=50, more=True).has_next
    assert not Page(items=[], page=5, per_page=10, total=50).has_next
