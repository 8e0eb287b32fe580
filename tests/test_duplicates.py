"""The duplicates screen: which pairs it lists, why, how strongly, and who may see it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.models import DuplicateDismissal, Ward
from crm.models.base import utcnow
from crm.models.enums import Role
from crm.queries import duplicates
from crm.queries.duplicates import (
    SAME_NAME_AND_POSTCODE,
    SAME_NAME_IN_WARD,
    SAME_PHONE,
    SIMILAR_NAME_IN_WARD,
    find_duplicate_pairs,
)
from crm.services.people import create_person
from tests.conftest import count_queries
from tests.factories import PersonFactory, SessionFactory


@pytest.fixture(autouse=True)
def fresh_cache():
    duplicates._cache.clear()
    yield
    duplicates._cache.clear()


def _wards(db, count=2):
    wards = list(db.session.scalars(select(Ward).order_by(Ward.id).limit(count)))
    assert len(wards) == count
    return wards


def _pair(a, b):
    low, high = sorted((a.id, b.id))
    found = [p for p in find_duplicate_pairs() if (p.first_id, p.second_id) == (low, high)]
    return found[0] if found else None


def test_a_phone_typed_two_ways_is_the_same_number(db):
    one = create_person({"first_name": "Amira", "last_name": "Khan", "phone": "07911 123456"}, None)
    other = create_person({"first_name": "Bilal", "last_name": "Khan", "phone": "+44 7911 123456"}, None)
    assert one.phone == other.phone == "+447911123456"
    pair = _pair(one, other)
    assert pair is not None
    assert pair.reasons == (SAME_PHONE,)
    # Different first names: a family sharing a phone scores low.
    assert pair.score == 50


def test_the_same_name_on_the_same_phone_scores_highest(db):
    one = PersonFactory(first_name="Jo", last_name="Sample", phone="+447700900124")
    other = PersonFactory(first_name="Jo", last_name="Sample", phone="+447700900124")
    pair = _pair(one, other)
    assert pair.score == 100
    assert pair.reasons[0] == SAME_PHONE


def test_same_name_and_postcode_ignoring_accents_and_case(db):
    one = PersonFactory(first_name="Zoë", last_name="Martin", postcode="SS1 1AA")
    other = PersonFactory(first_name="zoe", last_name="MARTIN", postcode="SS1 1AA")
    elsewhere = PersonFactory(first_name="Zoe", last_name="Martin", postcode="SS2 2BB")
    pair = _pair(one, other)
    assert pair.reasons == (SAME_NAME_AND_POSTCODE,)
    assert pair.score == 90
    assert _pair(one, elsewhere) is None


def test_similar_names_in_the_same_ward_but_not_across_wards(db):
    north, south = _wards(db)
    one = PersonFactory(first_name="Chelsea", last_name="Flynn", ward_id=north.id)
    typo = PersonFactory(first_name="Chelsy", last_name="Flynn", ward_id=north.id)
    other_ward = PersonFactory(first_name="Chelsey", last_name="Flynn", ward_id=south.id)
    unrelated = PersonFactory(first_name="Christopher", last_name="Fletcher", ward_id=north.id)
    pair = _pair(one, typo)
    assert pair.reasons == (SIMILAR_NAME_IN_WARD,)
    assert 85 <= pair.name_score < 100
    assert pair.score == pair.name_score * 80 // 100
    assert _pair(one, other_ward) is None
    assert _pair(typo, other_ward) is None
    assert _pair(one, unrelated) is None


def test_a_preferred_name_counts_as_the_same_name(db):
    (ward,) = _wards(db, 1)
    one = PersonFactory(first_name="Margaret", preferred_name="Peggy", last_name="Olsen", ward_id=ward.id)
    other = PersonFactory(first_name="Peggy", last_name="Olsen", ward_id=ward.id)
    pair = _pair(one, other)
    assert pair.reasons == (SAME_NAME_IN_WARD,)
    assert pair.score == 80


def test_several_reasons_add_up_and_the_strongest_come_first(db):
    (ward,) = _wards(db, 1)
    both = [PersonFactory(first_name="Ruth", last_name="Okafor", postcode="SS1 2AB", ward_id=ward.id) for _ in range(2)]
    phone_only = [PersonFactory(first_name=name, last_name="Doe", phone="+447700900125") for name in ("Al", "Bo")]
    pairs = find_duplicate_pairs()
    strong = _pair(*both)
    assert strong.reasons == (SAME_NAME_AND_POSTCODE, SAME_NAME_IN_WARD)
    assert strong.score == 95
    assert pairs.index(strong) < pairs.index(_pair(*phone_only))
    assert [p.score for p in pairs] == sorted((p.score for p in pairs), reverse=True)


def test_erased_people_are_never_listed(db):
    one = PersonFactory(first_name="Anon", last_name="Ymous", phone="+447700900126")
    other = PersonFactory(first_name="Anon", last_name="Ymous", phone="+447700900126")
    assert _pair(one, other) is not None
    other.erased_at = utcnow()
    db.session.flush()
    assert _pair(one, other) is None


def test_the_screen_shows_pairs_with_score_and_reasons(client, login_as, db):
    login_as(Role.MANAGER)
    PersonFactory(first_name="Amira", last_name="Khan", phone="+447700900127", email="amira@example.com")
    PersonFactory(first_name="Amira", last_name="Khan", phone="+447700900127", email="a.khan@example.com")
    db.session.commit()
    page = client.get("/people/duplicates").get_data(as_text=True)
    assert "Same phone number" in page
    assert "amira@example.com" in page and "a.khan@example.com" in page
    assert ">100<" in page
    assert "07700 900127" in page


def test_with_no_pairs_the_screen_says_so_once(client, login_as, db):
    login_as(Role.MANAGER)
    PersonFactory(first_name="Nadia", last_name="Okoro", phone="+447700900131", email="nadia@example.com")
    db.session.commit()
    page = client.get("/people/duplicates").get_data(as_text=True)
    assert "No likely duplicates found." in page
    assert "No results" not in page


def test_pairs_said_to_be_different_people_are_not_listed_again(client, login_as, post_form, db):
    login_as(Role.MANAGER)
    one = PersonFactory(first_name="Sam", last_name="Lee", phone="+447700900128", email="sam1@example.com")
    other = PersonFactory(first_name="Sam", last_name="Lee", phone="+447700900128", email="sam2@example.com")
    db.session.commit()
    assert "sam2@example.com" in client.get("/people/duplicates").get_data(as_text=True)
    response = post_form(f"/people/merge/{one.id}/{other.id}/dismiss", form_url="/people/duplicates")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "will not be listed again" in page
    assert "sam2@example.com" not in page
    assert db.session.get(DuplicateDismissal, tuple(sorted((one.id, other.id)))) is not None


def test_only_managers_and_admins_see_duplicates(client, login_as, db):
    login_as(Role.COORDINATOR)
    assert client.get("/people/duplicates").status_code == 403
    assert "Possible duplicates" not in client.get("/people/").get_data(as_text=True)
    login_as(Role.MANAGER)
    assert "Possible duplicates" in client.get("/people/").get_data(as_text=True)
    assert client.get("/people/duplicates").status_code == 200


def test_dismissing_needs_a_csrf_token(client, login_as, db):
    login_as(Role.MANAGER)
    one, other = PersonFactory(phone="+447700900129"), PersonFactory(phone="+447700900129")
    db.session.commit()
    response = client.post(f"/people/merge/{one.id}/{other.id}/dismiss")
    assert response.status_code == 400
    assert db.session.scalar(select(DuplicateDismissal).limit(1)) is None


def _make_pairs(count, start=0):
    """Pairs with the same phone, name and postcode; a different name and postcode per pair (in
    no ward, so that "Pat Kaur1" and "Pat Kaur10" are not also similar names in a ward)."""
    for n in range(start, start + count):
        for _ in range(2):
            PersonFactory(first_name="Pat", last_name=f"Kaur{n}", phone=f"+4477009{n:05d}", postcode="SS3 3CC")


def test_the_screen_makes_as_many_queries_for_many_pairs_as_for_few(client, login_as, db):
    login_as(Role.MANAGER)
    client.get("/people/duplicates")  # the signed-in user and the like, loaded once

    def load():
        duplicates._cache.clear()
        response = client.get("/people/duplicates?per_page=50")
        assert response.status_code == 200

    _make_pairs(3)
    db.session.commit()
    few = count_queries(db, load)
    _make_pairs(40, start=3)
    db.session.commit()
    many = count_queries(db, load)
    page = client.get("/people/duplicates?per_page=50").get_data(as_text=True)
    assert "Showing 1 to 43 of 43 results" in page
    assert page.count("Same phone number") == 43
    assert many == few


def test_someone_recorded_twice_is_listed_as_soon_as_they_are_added(client, login_as, db):
    login_as(Role.MANAGER)
    PersonFactory(first_name="Nadia", last_name="Osei", phone="+447700900131")
    db.session.commit()
    assert "Nadia" not in client.get("/people/duplicates").get_data(as_text=True)
    PersonFactory(first_name="Nadia", last_name="Osei", phone="+447700900131")
    db.session.commit()
    page = client.get("/people/duplicates").get_data(as_text=True)
    assert "Same phone number" in page
    assert "Showing 1 to 1 of 1 result<" in page


def test_every_worker_shares_the_pairs_until_someone_changes(client, login_as, db, monkeypatch):
    login_as(Role.MANAGER)
    _make_pairs(2)
    db.session.commit()
    first = client.get("/people/duplicates").get_data(as_text=True)
    assert "Showing 1 to 2 of 2 results" in first

    def not_again():
        raise AssertionError("the pairs were compared again")

    monkeypatch.setattr(duplicates, "find_duplicate_pairs", not_again)
    duplicates._cache.clear()  # another worker, which has read nothing yet
    SessionFactory()  # other data changes: the people, and so their pairs, do not
    db.session.commit()
    assert "Showing 1 to 2 of 2 results" in client.get("/people/duplicates").get_data(as_text=True)
    assert "Showing 1 to 2 of 2 results" in client.get("/people/duplicates?page=1").get_data(as_text=True)
