"""Behaviour every list shares: searching any alphabet, paging past the end."""

from __future__ import annotations

from crm.models.enums import Role
from tests.factories import OrganisationFactory, PersonFactory


def test_search_ignores_case_in_every_alphabet(people_search, client, login_as, db):
    login_as(Role.CHAMPION)
    PersonFactory(first_name="Émile", last_name="Öztürk")
    PersonFactory(first_name="Zoë", last_name="Łukasz-Nowak")
    PersonFactory(first_name="Grace", last_name="McBride")
    OrganisationFactory(name="Żabka Café")
    db.session.commit()
    for query, expected in (
        ("öztürk", "Öztürk"),
        ("ÉMILE", "Émile"),
        ("łukasz", "Łukasz-Nowak"),
        ("mcBRIDE grACE", "McBride"),
    ):
        page = people_search(query).get_data(as_text=True)
        assert expected in page, query
    assert "Żabka Café" in client.get("/organisations/", query_string={"q": "żabka"}).get_data(as_text=True)


def test_names_sort_alphabetically_whatever_their_first_letter(client, login_as, db):
    login_as(Role.CHAMPION)
    for last_name in ("Zimmer", "Łukasz", "Abbott"):
        PersonFactory(first_name="Sam", last_name=last_name)
    db.session.commit()
    page = client.get("/people/").get_data(as_text=True)
    # Ł sorts after A and before Z once lower-cased by the same rules on every database.
    assert page.index("Abbott") < page.index("Zimmer")
    assert page.index("Łukasz") > page.index("Abbott")


def test_a_page_past_the_end_shows_the_last_page(client, login_as, db):
    login_as(Role.CHAMPION)
    for number in range(30):
        PersonFactory(first_name=f"Person{number:02d}", last_name="Paged")
    db.session.commit()
    page = client.get("/people/", query_string={"page": 999}).get_data(as_text=True)
    assert "Showing 26 to 30 of 30 results" in page
    assert "No people match" not in page


def test_the_api_returns_an_empty_page_past_the_end(client, db):
    from crm.services.users import create_api_token
    from tests.factories import UserFactory

    token = create_api_token(UserFactory(role=Role.MANAGER))
    PersonFactory()
    db.session.commit()
    body = client.get("/api/v1/people?page=5", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert (body["items"], body["page"], body["total"]) == ([], 5, 1)


def test_filter_drop_downs_keep_what_was_chosen(client, login_as, db):
    from crm.models import Ward

    login_as(Role.CHAMPION)
    kursaal = db.session.query(Ward).filter_by(name="Kursaal").one()
    page = client.get("/people/", query_string={"ward": kursaal.id, "type": "volunteer"}).get_data(as_text=True)
    assert f'<option value="{kursaal.id}" selected>Kursaal</option>' in page
    assert '<option value="volunteer" selected>Volunteer</option>' in page
    assert page.count(" selected>") == 2
    sessions = client.get("/sessions/", query_string={"kind": "panel"}).get_data(as_text=True)
    assert '<option value="panel" selected>Panel</option>' in sessions
