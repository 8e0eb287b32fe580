"""Finding who in the CRM a new name, email or phone may already belong to: the walk-in form's
"This might be…" list, before anyone is added twice."""

from __future__ import annotations

import pytest

from crm.matching import find_possible_matches
from tests.conftest import count_queries
from tests.factories import PersonFactory

# (typed as first name, last name) → (someone already in the CRM), and whether they are offered.
NAME_PAIRS = [
    (("Chelsy", "Flin"), ("Chelsea", "Flynn"), True),
    (("Dany", "Scot"), ("Danny", "Scott"), True),
    (("Fran", "Mitchell"), ("Frances", "Mitchell"), True),
    (("Jon", "Smith"), ("John", "Smith"), True),
    (("Jo", "Sample"), ("Joanne", "Sample"), True),
    (("Zoe", "Lopez"), ("Zoë", "López"), True),
    (("Anna", "Pearce"), ("Anna", "Pearce-Smith"), True),
    (("Flynn", "Chelsea"), ("Chelsea", "Flynn"), True),
    (("Jo", "Sample"), ("Sam", "Jones"), False),
    (("Ann", "Pearson"), ("Anna", "Pearce-Smith"), False),
    (("Jane", "Smith"), ("John", "Smith"), False),
    (("Sara", "Jones"), ("Sam", "Jones"), False),
    (("Ben", "Dover"), ("Ben", "Davies"), False),
    (("Ali", "Khan"), ("Alia", "Karim"), False),
]


def _pair_id(pair) -> str:
    typed, existing, offered = pair
    return f"{' '.join(typed)} {'offers' if offered else 'does not offer'} {' '.join(existing)}"


@pytest.mark.parametrize(("typed", "existing", "offered"), NAME_PAIRS, ids=[_pair_id(p) for p in NAME_PAIRS])
def test_similar_names_are_offered_and_different_people_are_not(db, typed, existing, offered):
    person = PersonFactory(first_name=existing[0], last_name=existing[1], email=None, phone=None)
    db.session.flush()
    candidates = find_possible_matches(first_name=typed[0], last_name=typed[1])
    assert (person.id in [c.person_id for c in candidates]) is offered


def test_the_preferred_name_is_compared_as_well_as_the_first_name(db):
    beth = PersonFactory(first_name="Elizabeth", preferred_name="Beth", last_name="Okafor", email=None, phone=None)
    db.session.flush()
    [same] = find_possible_matches(first_name="Beth", last_name="Okafor")
    assert (same.person_id, same.name, same.score, same.reason) == (beth.id, "Elizabeth Okafor", 100, "same name")
    [similar] = find_possible_matches(first_name="Bet", last_name="Okafur")
    assert (similar.person_id, similar.reason) == (beth.id, "similar name")


def test_the_same_email_or_phone_comes_first_then_the_closest_names(db):
    by_phone = PersonFactory(first_name="Joanne", last_name="Sample", phone="+447400123456", email=None)
    exact = PersonFactory(first_name="Jo", last_name="Sample", email=None, phone=None)
    close = PersonFactory(first_name="Joe", last_name="Sample", email=None, phone=None)
    PersonFactory(first_name="Sam", last_name="Jones", email=None, phone=None)
    db.session.flush()
    candidates = find_possible_matches(first_name="Jo", last_name="Sample", phone="07400 123456")
    assert [(c.person_id, c.reason) for c in candidates] == [
        (by_phone.id, "same phone number"),
        (exact.id, "same name"),
        (close.id, "similar name"),
    ]


def test_nothing_is_offered_for_a_name_nobody_has(db):
    PersonFactory(first_name="Chelsea", last_name="Flynn")
    db.session.flush()
    assert find_possible_matches(first_name="Zainab", last_name="Malik") == []
    assert find_possible_matches(first_name=" ", last_name="") == []


def test_matching_makes_the_same_number_of_queries_with_30_or_300_people(db):
    """Many people share a first or last name's first letters; the database narrows to those and
    only they are compared, in the same two queries however many people there are."""
    wanted = PersonFactory(first_name="Chelsea", last_name="Flynn", email="chelsea@example.org", phone=None)

    def add_people(count: int, start: int) -> None:
        for n in range(start, start + count):
            PersonFactory(first_name=f"Charlie{n}", last_name=f"Fletcher{n}", email=None, phone=None)
            PersonFactory(first_name=f"Morgan{n}", last_name=f"Price{n}", email=None, phone=None)
        db.session.flush()

    found = []

    def match():
        found[:] = find_possible_matches(first_name="Chelsy", last_name="Flin", email="chelsea@example.org")

    add_people(15, 0)
    with_30 = count_queries(db, match)
    assert [c.person_id for c in found] == [wanted.id]
    add_people(135, 15)
    with_300 = count_queries(db, match)
    assert [c.person_id for c in found] == [wanted.id]
    assert with_30 == with_300 == 2


def test_names_in_other_scripts_keep_their_letters():
    from crm.matching import name_key

    assert name_key("Иван Петров") == "иван петров"
    assert name_key("王芳") == "王芳"
    assert name_key("O'Brien, Siobhán") == "siobhan obrien"
