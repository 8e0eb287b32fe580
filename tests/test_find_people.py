"""Finding people: each filter returns exactly the right people, the sort orders (fair spread
with its ties), the per-row facts, the screen and its live count."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from crm.models import Affiliation, Participation, Person, Theme, Ward
from crm.models.enums import (
    InvolvementLevel,
    ParticipationSource,
    ParticipationStatus,
    PersonStatus,
    PersonType,
    Role,
    TagCategory,
)
from crm.queries.find_people import count_people, find_people_query, parse_filters, person_row_facts
from tests.conftest import count_queries, csrf_token
from tests.factories import ConsentFactory, OrganisationFactory, PersonFactory, SessionFactory, TagFactory

TODAY = dt.date.today()
NOW = dt.datetime.now(dt.UTC)


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def take_part(person, session, status, *, invited_days_ago=None):
    participation = Participation(
        person_id=person.id,
        session_id=session.id,
        status=status,
        source=ParticipationSource.MANUAL,
        invited_at=NOW - dt.timedelta(days=invited_days_ago) if invited_days_ago is not None else None,
    )
    from crm.extensions import db

    db.session.add(participation)
    return participation


def build_people(db):
    """A small programme: people with and without history, a withdrawn consent, a cancelled
    session, and people who tie in every order."""
    theme = {t.name: t for t in db.session.scalars(select(Theme))}
    ward = {w.name: w for w in db.session.scalars(select(Ward))}
    speech = TagFactory(category=TagCategory.INTEREST, name="Speech")
    autism = TagFactory(category=TagCategory.LIVED_EXPERIENCE, name="Autism")
    council = OrganisationFactory(name="Southend Council")

    s1 = SessionFactory(
        date=days_ago(400), theme_id=theme["Diet and nutrition"].id, involvement_level=InvolvementLevel.CONSULTING
    )
    s2 = SessionFactory(
        date=days_ago(60),
        theme_id=theme["Communication and language"].id,
        involvement_level=InvolvementLevel.CO_DESIGNING,
    )
    s3 = SessionFactory(
        date=days_ago(10), theme_id=theme["Communication and language"].id, involvement_level=InvolvementLevel.INFORMING
    )
    s4 = SessionFactory(
        date=days_ago(30),
        theme_id=theme["Systems change"].id,
        involvement_level=InvolvementLevel.CO_PRODUCING,
        cancelled_at=NOW - dt.timedelta(days=31),
    )
    s5 = SessionFactory(date=TODAY + dt.timedelta(days=14))
    s6 = SessionFactory(date=TODAY + dt.timedelta(days=20), cancelled_at=NOW)

    amy = PersonFactory(
        first_name="Amy",
        last_name="Adams",
        types=[PersonType.PARENT_CHAMPION],
        ward_id=ward["Kursaal"].id,
        needs_creche=True,
    )
    amy.tags = [speech, autism]
    ConsentFactory(person=amy)
    ben = PersonFactory(first_name="Ben", last_name="Brown", types=[PersonType.VOLUNTEER], ward_id=ward["Milton"].id)
    ben.tags = [speech]
    ConsentFactory(person=ben, withdrawn_at=NOW - dt.timedelta(days=5))
    cara = PersonFactory(
        first_name="Cara",
        last_name="Clark",
        types=[PersonType.PARENT_CARER],
        ward_id=ward["Kursaal"].id,
        needs_step_free=True,
    )
    ConsentFactory(person=cara)
    dan = PersonFactory(
        first_name="Dan",
        last_name="Davis",
        types=[PersonType.PROFESSIONAL],
        interpreter_language="Polish",
        status=PersonStatus.INACTIVE,
    )
    db.session.add(Affiliation(person_id=dan.id, organisation_id=council.id, job_title="Officer"))
    eve = PersonFactory(
        first_name="Eve", last_name="Evans", types=[PersonType.PARENT_CHAMPION], ward_id=ward["Milton"].id
    )
    fay = PersonFactory(first_name="Fay", last_name="Green")
    gus = PersonFactory(first_name="Gus", last_name="Green")
    zed = PersonFactory(first_name="Zed", last_name="Able", types=[PersonType.COMMUNITY_MEMBER])

    attended, no_show = ParticipationStatus.ATTENDED, ParticipationStatus.NO_SHOW
    for session in (s1, s2, s3):
        take_part(amy, session, attended)
    take_part(amy, s5, ParticipationStatus.INVITED, invited_days_ago=3)
    take_part(amy, s6, ParticipationStatus.INVITED, invited_days_ago=3)  # cancelled: not open
    take_part(ben, s2, attended)
    take_part(ben, s1, no_show)
    take_part(ben, s3, no_show)
    take_part(ben, s4, no_show)  # cancelled: does not count
    take_part(cara, s4, attended, invited_days_ago=100)  # only a cancelled session: never attended
    take_part(eve, s1, attended)
    take_part(eve, s5, ParticipationStatus.REGISTERED, invited_days_ago=40)
    # Fay and Gus were asked at the same moment: a tie broken by name.
    same_moment = 200
    take_part(fay, s1, ParticipationStatus.DECLINED, invited_days_ago=same_moment)
    take_part(gus, s1, ParticipationStatus.DECLINED, invited_days_ago=same_moment)
    db.session.flush()
    fay_and_gus = db.session.scalars(select(Participation).where(Participation.person_id.in_([fay.id, gus.id])))
    moment = NOW - dt.timedelta(days=same_moment)
    for participation in fay_and_gus:
        participation.invited_at = moment
    db.session.commit()
    return SimpleNamespace(
        amy=amy,
        ben=ben,
        cara=cara,
        dan=dan,
        eve=eve,
        fay=fay,
        gus=gus,
        zed=zed,
        council=council,
        sessions=(s1, s2, s3, s4, s5, s6),
    )


@pytest.fixture
def people(db):
    return build_people(db)


def names(query_string: str) -> set[str]:
    filters, errors = parse_filters(MultiDict(_pairs(query_string)))
    assert errors == {}
    from crm.extensions import db

    return {p.first_name for p in db.session.scalars(find_people_query(filters))}


def ordered(query_string: str) -> list[str]:
    filters, errors = parse_filters(MultiDict(_pairs(query_string)))
    assert errors == {}
    from crm.extensions import db

    return [f"{p.first_name} {p.last_name}" for p in db.session.scalars(find_people_query(filters))]


def _pairs(query_string: str) -> list[tuple[str, str]]:
    return [tuple(part.split("=", 1)) for part in query_string.split("&") if part]


EVERYONE = {"Amy", "Ben", "Cara", "Dan", "Eve", "Fay", "Gus", "Zed"}


def test_each_simple_filter_returns_exactly_the_right_people(people):
    assert names("") == EVERYONE
    assert names("q=amy") == {"Amy"}
    assert names("q=green") == {"Fay", "Gus"}
    assert names("type=parent_champion") == {"Amy", "Eve"}
    assert names("type=parent_champion&type=volunteer") == {"Amy", "Ben", "Eve"}
    assert names("tag=interest:Speech") == {"Amy", "Ben"}
    assert names("tag=interest:speech&tag=lived_experience:Autism") == {"Amy", "Ben"}
    assert names("tag=interest:Speech&tag=lived_experience:Autism&tag_mode=all") == {"Amy"}
    assert names("ward=Kursaal") == {"Amy", "Cara"}
    assert names("ward=kursaal&ward=Milton") == {"Amy", "Ben", "Cara", "Eve"}
    assert names(f"organisation_id={people.council.id}") == {"Dan"}
    assert names("status=inactive") == {"Dan"}
    assert names("consent=contact") == {"Amy", "Cara"}  # Ben withdrew his
    assert names("needs=creche") == {"Amy"}
    assert names("needs=step_free") == {"Cara"}
    assert names("needs=interpreter") == {"Dan"}
    assert names("type=parent_champion&ward=Milton") == {"Eve"}


def test_participation_history_filters_count_only_attendance_at_sessions_that_happened(people):
    assert names("attended_min=1") == {"Amy", "Ben", "Eve"}  # Cara's only session was cancelled
    assert names("attended_min=2") == {"Amy"}
    assert names("attended_min=0") == EVERYONE
    assert names(f"attended_min=1&attended_from={days_ago(100)}") == {"Amy", "Ben"}
    assert names(f"attended_from={days_ago(100)}&attended_to={days_ago(20)}") == {"Amy", "Ben"}
    assert names(f"attended_min=2&attended_from={days_ago(100)}") == {"Amy"}
    assert names(f"attended_to={days_ago(100)}") == {"Amy", "Eve"}
    assert names("theme=Communication and language") == {"Amy", "Ben"}
    assert names("theme=diet and nutrition") == {"Amy", "Eve"}
    assert names("theme=Systems change") == set()
    assert names("level_min=co_designing") == {"Amy", "Ben"}
    assert names("level_min=consulting") == {"Amy", "Ben", "Eve"}
    assert names("level_min=co_producing") == set()  # only at the cancelled session
    assert names(f"last_attended_before={days_ago(30)}") == {"Ben", "Eve"}
    assert names(f"last_attended_after={days_ago(30)}") == {"Amy"}
    assert names("never_attended=1") == {"Cara", "Dan", "Fay", "Gus", "Zed"}
    assert names("never_attended=0") == EVERYONE
    assert names("not_invited_days=50") == {"Ben", "Cara", "Dan", "Fay", "Gus", "Zed"}
    assert names("not_invited_days=365") == {"Ben", "Dan", "Zed"}
    assert names("no_show_min=1") == {"Ben"}
    assert names("no_show_min=2") == {"Ben"}
    assert names("no_show_min=3") == set()  # the third was at a cancelled session
    assert names("never_attended=1&consent=contact") == {"Cara"}


def test_sort_orders_break_ties_by_name_then_id(people):
    assert ordered("sort=name") == [
        "Zed Able",
        "Amy Adams",
        "Ben Brown",
        "Cara Clark",
        "Dan Davis",
        "Eve Evans",
        "Fay Green",
        "Gus Green",
    ]
    assert ordered("sort=engaged") == [
        "Amy Adams",
        "Ben Brown",
        "Eve Evans",
        "Zed Able",
        "Cara Clark",
        "Dan Davis",
        "Fay Green",
        "Gus Green",
    ]
    assert ordered("sort=recent") == [
        "Amy Adams",
        "Ben Brown",
        "Eve Evans",
        "Zed Able",
        "Cara Clark",
        "Dan Davis",
        "Fay Green",
        "Gus Green",
    ]
    # Never invited or attended first; then the longest since last asked or last came.
    assert ordered("sort=fair") == [
        "Zed Able",
        "Dan Davis",
        "Fay Green",
        "Gus Green",
        "Cara Clark",
        "Ben Brown",
        "Eve Evans",
        "Amy Adams",
    ]
    assert ordered("sort=fair&type=parent_champion") == ["Eve Evans", "Amy Adams"]


def test_find_page_pages_through_every_sort_in_the_same_order(client, login_as, people):
    """Pages of three, so one page holds the last people never asked and the first asked, and a
    later one starts past them; each page (and a page past the end) follows the full order."""
    import re

    login_as(Role.COORDINATOR)
    by_id = {p.id: f"{p.first_name} {p.last_name}" for p in vars(people).values() if isinstance(p, Person)}
    for query in ("sort=fair", "sort=fair&never_attended=1", "sort=name", "sort=engaged", "sort=recent"):
        expected = ordered(query)
        seen = []
        for page in (1, 2, 3, 4):
            html = client.get(f"/find?{query}&per_page=3&page={page}").get_data(as_text=True)
            shown = [by_id[int(i)] for i in re.findall(r'href="/people/(\d+)"', html)]
            if page <= -(-len(expected) // 3):
                seen += shown
            else:
                assert shown == expected[-(len(expected) % 3 or 3) :], query
        assert seen == expected, query


def test_people_with_the_same_name_keep_a_stable_order(db):
    twins = [PersonFactory(first_name="Sam", last_name="Lee") for _ in range(3)]
    db.session.commit()
    for sort in ("name", "engaged", "recent", "fair"):
        assert [p.id for p in db.session.scalars(find_people_query(parse_filters({"sort": sort})[0]))] == [
            p.id for p in twins
        ]


def test_count_equals_the_number_of_rows(people):
    from crm.extensions import db

    for query, expected in (
        ("", 8),
        ("attended_min=1", None),
        ("never_attended=1&sort=fair", None),
        ("tag=interest:Speech&sort=engaged", 2),
        # A type alone is counted from the type's list of people, with a ward by probing.
        ("type=parent_champion&type=volunteer&sort=fair", 3),
        ("type=parent_champion&ward=Milton", 1),
    ):
        filters, _ = parse_filters(MultiDict(_pairs(query)))
        rows = len(db.session.scalars(find_people_query(filters)).all())
        assert count_people(filters) == (rows, False), query
        assert expected is None or rows == expected, query


def test_saved_search_json_parses_like_query_parameters(people):
    filters, errors = parse_filters({"type": ["parent_champion"], "ward": "Milton", "attended_min": "1"})
    assert errors == {}
    assert filters.params() == {"type": ["parent_champion"], "ward": ["Milton"], "attended_min": ["1"]}


@pytest.mark.parametrize(
    ("given", "field", "words"),
    [
        ({"type": "wizard"}, "type", "parent_champion"),
        ({"tag": "Speech"}, "tag", "category:name"),
        ({"ward": "Atlantis"}, "ward", "no ward called 'Atlantis'"),
        ({"attended_min": "lots"}, "attended_min", "whole number"),
        ({"attended_from": "31/12/2024"}, "attended_from", "YYYY-MM-DD"),
        ({"theme": "Astrology"}, "theme", "no theme called"),
        ({"level_min": "high"}, "level_min", "informing"),
        ({"never_attended": "maybe"}, "never_attended", "never_attended=1"),
        ({"sort": "random"}, "sort", "fair"),
        ({"status": ["active", "left"]}, "status", "once"),
    ],
)
def test_bad_filters_name_the_field(db, given, field, words):
    _, errors = parse_filters(given)
    assert list(errors) == [field]
    assert words in errors[field]


def test_row_facts_in_one_grouped_query(people, db):
    ids = [people.amy.id, people.ben.id, people.eve.id, people.zed.id]
    facts = {}
    assert count_queries(db, lambda: facts.update(person_row_facts(ids))) == 1
    s1, s2, s3, *_ = people.sessions
    amy = facts[people.amy.id]
    assert amy.last_attended == s3.date
    assert amy.sessions_this_year == sum(1 for s in (s1, s2, s3) if s.date.year == TODAY.year)
    assert amy.open_invitations == 1  # the cancelled future session does not count
    assert facts[people.eve.id].open_invitations == 1  # registered counts as open
    assert facts[people.ben.id].last_attended == s2.date
    assert people.zed.id not in facts


# --- the screen -------------------------------------------------------------------------------


def find_page(client, query: str = ""):
    return client.get(f"/find?{query}")


def test_the_screen_shows_the_count_and_the_rows_with_their_facts(client, login_as, people):
    login_as(Role.COORDINATOR)
    page = find_page(client, "type=parent_champion&sort=engaged").get_data(as_text=True)
    assert "2 people</h2>" in page
    assert page.index("Amy Adams") < page.index("Eve Evans")
    assert "Ben Brown" not in page
    assert "moj-filter-layout" in page
    assert 'value="parent_champion" checked' in page


def test_the_screen_shows_bad_filters_as_errors(client, login_as, people):
    login_as(Role.COORDINATOR)
    response = find_page(client, "attended_min=lots&ward=Atlantis")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "no ward called &#39;Atlantis&#39;" in page
    assert "Must be a whole number" in page
    assert "Amy Adams" not in page  # a bad filter is not ignored


def test_champions_cannot_find_people(client, login_as):
    login_as(Role.CHAMPION)
    assert client.get("/find").status_code == 403
    assert client.get("/find/count").status_code == 403
    assert client.post("/find/export.csv").status_code in (400, 403)  # no token, and not allowed anyway


def test_free_text_is_posted_and_kept_out_of_the_url(client, login_as, people):
    login_as(Role.COORDINATOR)
    token = csrf_token(client.get("/find"))
    response = client.post(
        "/find/search", data={"csrf_token": token, "q": "Amy Adams", "type": "parent_champion", "sort": "fair"}
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "Amy" not in location
    query = parse_qs(urlsplit(location).query)
    assert query["type"] == ["parent_champion"] and query["sort"] == ["fair"] and "search" in query
    page = client.get(location).get_data(as_text=True)
    assert "1 person</h2>" in page and "Amy Adams" in page
    # The live count uses the key, not the text; a `q` in a URL is ignored.
    key = query["search"][0]
    assert client.get(f"/find/count?search={key}").get_json() == {"count": 1, "more": False}
    assert client.get("/find/count?q=Amy").get_json() == {"count": 8, "more": False}


def test_live_count_matches_the_filters_and_refuses_bad_ones(client, login_as, people):
    login_as(Role.COORDINATOR)
    assert client.get("/find/count?never_attended=1").get_json() == {"count": 5, "more": False}
    assert client.get("/find/count?ward=Kursaal&ward=Milton&attended_min=1").get_json() == {"count": 3, "more": False}
    response = client.get("/find/count?attended_min=-2")
    assert response.status_code == 422
    assert "attended_min" in response.get_json()["errors"]


def test_find_page_makes_the_same_number_of_queries_for_3_and_30_people(client, login_as, db):
    login_as(Role.COORDINATOR)
    session = SessionFactory(date=days_ago(5))
    tag = TagFactory(name="Play")

    def add_people(n):
        for _ in range(n):
            person = PersonFactory(types=[PersonType.PARENT_CARER, PersonType.VOLUNTEER])
            person.tags = [tag]
            take_part(person, session, ParticipationStatus.ATTENDED)
        db.session.commit()

    def load():
        response = client.get("/find?sort=fair&per_page=50")
        assert response.status_code == 200

    add_people(3)
    few = count_queries(db, load)
    add_people(27)
    many = count_queries(db, load)
    assert "30 people" in client.get("/find?per_page=50").get_data(as_text=True)
    assert few == many


def test_nav_links_to_find_people_for_coordinators_only(client, login_as):
    login_as(Role.COORDINATOR)
    assert 'href="/find">Find people' in client.get("/people/").get_data(as_text=True)


def test_nav_has_no_find_people_for_champions(client, login_as):
    login_as(Role.CHAMPION)
    assert "Find people" not in client.get("/people/").get_data(as_text=True)


def test_persons_name_in_a_query_count_is_not_loaded_into_python(people, db):
    """The filter runs as SQL: a count sends one statement, however many people match."""
    filters, _ = parse_filters({"attended_min": "1", "sort": "fair", "theme": "Communication and language"})
    assert count_queries(db, lambda: count_people(filters)) == 1
    assert db.session.scalar(select(Person.id).where(Person.first_name == "Amy")) == people.amy.id


def test_results_can_be_selected_for_inviting(client, login_as, people):
    login_as(Role.COORDINATOR)
    page = find_page(client, "type=parent_champion").get_data(as_text=True)
    assert 'action="/find/invite"' in page
    assert f'name="person_id" type="checkbox" value="{people.amy.id}"' in page
    assert 'name="all" type="checkbox" value="1"' in page and "Select all 2 matching people" in page
    assert '<input type="hidden" name="type" value="parent_champion">' in page
    upcoming = people.sessions[4]
    assert f'<option value="{upcoming.id}">' in page
    assert f'<option value="{people.sessions[5].id}">' not in page  # cancelled
