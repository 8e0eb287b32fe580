"""Organisations: list with people counts, search and type filter, profile, add, edit."""

from __future__ import annotations

import re

import pytest

from crm.models import Affiliation, AuditEvent, Organisation
from crm.models.enums import AuditAction, OrganisationType, Role
from tests.conftest import count_queries
from tests.factories import OrganisationFactory, PersonFactory, SessionFactory


def affiliate(db, organisation, *people, job_title=None):
    for person in people:
        db.session.add(Affiliation(person_id=person.id, organisation_id=organisation.id, job_title=job_title))
    db.session.flush()


def people_counts(page: str) -> dict[str, int]:
    """Organisation name → the number in its People column, as the list shows them."""
    rows = re.findall(r'/organisations/\d+">([^<]+)</a>.*?data-people-count>(\d+)<', page, re.S)
    return {name: int(count) for name, count in rows}


def test_coordinator_adds_an_organisation_and_it_is_audited(client, login_as, post_form, db):
    user = login_as(Role.COORDINATOR)
    response = post_form(
        "/organisations/new",
        {
            "name": "  Southend YMCA ",
            "type": "voluntary",
            "website": "ymca.example.org",
            "notes": "Runs the youth panel",
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Southend YMCA has been added" in page
    organisation = db.session.query(Organisation).one()
    assert organisation.name == "Southend YMCA"
    assert organisation.type == OrganisationType.VOLUNTARY
    assert organisation.website == "https://ymca.example.org"
    assert "Voluntary sector" in page and "Runs the youth panel" in page
    audit = db.session.query(AuditEvent).filter_by(entity_type="organisations").one()
    assert audit.action == AuditAction.CREATE
    assert audit.entity_id == organisation.id
    assert audit.user_id == user.id


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "type": "nhs"}, "Enter the organisation&#39;s name"),
        ({"name": "Mid and South Essex NHS"}, "Choose the type of organisation"),
        ({"name": "Mid and South Essex NHS", "type": "spaceship"}, "Choose the type of organisation"),
        ({"name": "x" * 201, "type": "nhs"}, "Name must be 200 characters or fewer"),
        (
            {"name": "Mid and South Essex NHS", "type": "nhs", "website": "javascript:alert(1)"},
            "Enter a web address starting with http:// or https://",
        ),
        (
            {"name": "Mid and South Essex NHS", "type": "nhs", "website": "not a website"},
            "Enter a web address starting with http:// or https://",
        ),
    ],
)
def test_bad_input_is_explained_and_nothing_is_written(client, login_as, post_form, db, data, message):
    login_as(Role.COORDINATOR)
    response = post_form("/organisations/new", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert message in page
    assert db.session.query(Organisation).count() == 0
    assert db.session.query(AuditEvent).filter_by(entity_type="organisations").count() == 0


def test_a_name_already_taken_is_refused_whatever_its_case(client, login_as, post_form, db):
    OrganisationFactory(name="Southend-on-Sea City Council", type=OrganisationType.COUNCIL)
    login_as(Role.COORDINATOR)
    response = post_form("/organisations/new", {"name": "southend-on-sea city council", "type": "council"})
    assert "An organisation with this name already exists" in response.get_data(as_text=True)
    assert db.session.query(Organisation).count() == 1


def test_champion_can_view_but_not_add_or_edit(client, login_as, db):
    organisation = OrganisationFactory(name="SAVS")
    login_as(Role.CHAMPION)
    listing = client.get("/organisations/")
    assert listing.status_code == 200
    assert "SAVS" in listing.get_data(as_text=True)
    assert "Add an organisation" not in listing.get_data(as_text=True)
    assert client.get("/organisations/new").status_code == 403
    assert client.get(f"/organisations/{organisation.id}/edit").status_code == 403
    token = re.search(r'name="csrf_token" value="([^"]+)"', listing.get_data(as_text=True)).group(1)
    response = client.post("/organisations/new", data={"csrf_token": token, "name": "Sneaky", "type": "other"})
    assert response.status_code == 403
    assert db.session.query(Organisation).count() == 1


def test_list_counts_affiliated_people_per_organisation(client, login_as, db):
    council = OrganisationFactory(name="Borough Council", type=OrganisationType.COUNCIL)
    nhs = OrganisationFactory(name="Health Visiting Team", type=OrganisationType.NHS)
    OrganisationFactory(name="Quiet Charity")
    staff = [PersonFactory() for _ in range(3)]
    affiliate(db, council, *staff)
    affiliate(db, nhs, staff[0])
    login_as(Role.CHAMPION)
    page = client.get("/organisations/").get_data(as_text=True)
    assert people_counts(page) == {"Borough Council": 3, "Health Visiting Team": 1, "Quiet Charity": 0}


def test_list_counts_the_sessions_each_organisation_organised_on_every_page(client, login_as, db):
    organisations = [OrganisationFactory(name=f"Partner {n:02d}") for n in range(30)]
    for n, organisation in enumerate(organisations):
        for _ in range(n % 4):
            SessionFactory(organiser_organisation_id=organisation.id)
    affiliate(db, organisations[27], PersonFactory(), PersonFactory())
    login_as(Role.CHAMPION)
    rows = {}
    for number in (1, 2):
        page = client.get("/organisations/", query_string={"page": number}).get_data(as_text=True)
        rows |= dict(re.findall(r'/organisations/\d+">([^<]+)</a>.*?data-people-count>\d+<.*?>(\d+)</td>', page, re.S))
    assert rows == {f"Partner {n:02d}": str(n % 4) for n in range(30)}
    assert (
        people_counts(client.get("/organisations/", query_string={"page": 2}).get_data(as_text=True))["Partner 27"] == 2
    )


def test_list_searches_by_name_and_filters_by_type(client, login_as, db):
    OrganisationFactory(name="Southend Borough Council", type=OrganisationType.COUNCIL)
    OrganisationFactory(name="Essex County Council", type=OrganisationType.COUNCIL)
    OrganisationFactory(name="University of Essex", type=OrganisationType.UNIVERSITY)
    login_as(Role.CHAMPION)
    page = client.get("/organisations/?q=essex").get_data(as_text=True)
    assert "Essex County Council" in page and "University of Essex" in page
    assert "Southend Borough Council" not in page
    page = client.get("/organisations/?q=essex&type=council").get_data(as_text=True)
    assert "Essex County Council" in page
    assert "University of Essex" not in page and "Southend Borough Council" not in page
    page = client.get("/organisations/?q=100%25").get_data(as_text=True)
    assert "No organisations match" in page


def test_list_is_paginated(client, login_as, db):
    for number in range(30):
        OrganisationFactory(name=f"Setting {number:02d}")
    login_as(Role.CHAMPION)
    first = client.get("/organisations/").get_data(as_text=True)
    second = client.get("/organisations/?page=2").get_data(as_text=True)
    assert "Setting 00" in first and "Setting 24" in first and "Setting 25" not in first
    assert "Setting 25" in second and "Setting 29" in second and "Setting 00" not in second
    assert "Showing 26 to 30 of 30 results" in second


def test_list_makes_the_same_number_of_queries_for_3_and_30_rows(client, login_as, db):
    login_as(Role.CHAMPION)

    def queries_for_list() -> int:
        return count_queries(db, lambda: client.get("/organisations/?per_page=50"))

    for _ in range(3):
        affiliate(db, OrganisationFactory(), PersonFactory())
    few = queries_for_list()
    assert few >= 2  # the page and the count, at least
    for _ in range(27):
        affiliate(db, OrganisationFactory(), PersonFactory(), PersonFactory())
    assert queries_for_list() == few


def test_profile_lists_people_with_job_titles_and_sessions_organised(client, login_as, db):
    organisation = OrganisationFactory(name="Early Years Alliance")
    amira = PersonFactory(first_name="Amira", last_name="Begum")
    affiliate(db, organisation, amira, job_title="Nursery manager")
    PersonFactory(first_name="Unrelated", last_name="Person")
    workshop = SessionFactory(title="Messy play design day", organiser=organisation)
    login_as(Role.CHAMPION)
    page = client.get(f"/organisations/{organisation.id}").get_data(as_text=True)
    assert "Early Years Alliance" in page
    assert f'href="/people/{amira.id}"' in page
    assert "Amira Begum" in page and "Nursery manager" in page
    assert "Unrelated Person" not in page
    assert "People (1)" in page
    assert "Sessions organised (1)" in page
    assert f'href="/sessions/{workshop.id}"' in page and "Messy play design day" in page


def test_profile_of_a_missing_organisation_is_404(client, login_as):
    login_as(Role.CHAMPION)
    response = client.get("/organisations/987654")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_coordinator_edits_an_organisation(client, login_as, post_form, db):
    organisation = OrganisationFactory(name="Southend CVS", type=OrganisationType.OTHER)
    login_as(Role.COORDINATOR)
    url = f"/organisations/{organisation.id}/edit"
    form = client.get(url).get_data(as_text=True)
    assert 'value="Southend CVS"' in form
    response = post_form(url, {"name": "SAVS", "type": "voluntary", "website": "", "notes": ""}, follow_redirects=True)
    assert "Changes saved" in response.get_data(as_text=True)
    db.session.refresh(organisation)
    assert organisation.name == "SAVS"
    assert organisation.type == OrganisationType.VOLUNTARY
    audit = db.session.query(AuditEvent).filter_by(entity_type="organisations", action=AuditAction.UPDATE).one()
    assert audit.changed_fields == ["name", "type"]


def test_editing_to_a_taken_name_changes_nothing(client, login_as, post_form, db):
    OrganisationFactory(name="Taken Name")
    organisation = OrganisationFactory(name="Original Name")
    login_as(Role.COORDINATOR)
    response = post_form(f"/organisations/{organisation.id}/edit", {"name": "taken name", "type": "voluntary"})
    assert "An organisation with this name already exists" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Organisation, organisation.id).name == "Original Name"
    assert db.session.query(AuditEvent).filter_by(entity_type="organisations").count() == 0
