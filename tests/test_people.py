"""People: adding, editing, searching, affiliations and consent, through the web pages."""

from __future__ import annotations

from crm.models import AuditEvent, Consent, Person, Ward
from crm.models.enums import AuditAction, PersonType, Role
from tests.factories import ConsentFactory, OrganisationFactory, PersonFactory, TagFactory

VALID = {
    "first_name": "Aisha",
    "last_name": "Khan",
    "email": "Aisha.Khan@Example.com",
    "phone": "07911 123456",
    "postcode": "ss1 2ab",
    "person_types": ["parent_champion"],
    "status": "active",
}


def test_champion_adds_a_person_with_normalised_contact_details(client, login_as, post_form, db):
    login_as(Role.CHAMPION)
    kursaal = db.session.query(Ward).filter_by(name="Kursaal").one()
    response = post_form(
        "/people/new", VALID | {"ward_id": str(kursaal.id), "needs_creche": "y"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "Aisha Khan has been added" in page
    person = db.session.query(Person).one()
    assert (person.email, person.phone, person.postcode) == ("aisha.khan@example.com", "+447911123456", "SS1 2AB")
    assert person.types == [PersonType.PARENT_CHAMPION] and person.ward.name == "Kursaal"
    assert person.needs_creche is True
    assert "07911 123456" in page and "Creche place or childcare" in page


def test_bad_contact_details_are_explained_and_nothing_is_saved(client, login_as, post_form, db):
    login_as(Role.CHAMPION)
    response = post_form(
        "/people/new",
        VALID
        | {
            "first_name": "",
            "email": "not-an-email",
            "phone": "12",
            "postcode": "XYZ",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page
    for message in (
        "Enter a first name",
        "Enter an email address in the correct format",
        "Enter a real phone number",
        "Enter a real UK postcode",
    ):
        assert message in page
    assert db.session.query(Person).count() == 0


def test_email_is_unique_whatever_its_case(client, login_as, post_form, db):
    login_as(Role.CHAMPION)
    PersonFactory(email="aisha.khan@example.com")
    db.session.commit()
    response = post_form("/people/new", VALID | {"email": "AISHA.KHAN@example.com"})
    assert "Someone with this email address is already in the CRM" in response.get_data(as_text=True)
    assert db.session.query(Person).count() == 1


def test_editing_a_person_records_which_fields_changed_but_not_their_values(client, login_as, post_form, db):
    user = login_as(Role.CHAMPION)
    person = PersonFactory(first_name="Jo", last_name="Bloggs", email="jo@example.com")
    db.session.commit()
    data = {
        "first_name": "Jo",
        "last_name": "Bloggs",
        "email": "jo.new@example.com",
        "status": "inactive",
        "person_types": ["volunteer"],
        "version": str(person.version),
    }
    response = post_form(f"/people/{person.id}/edit", data, follow_redirects=True)
    assert "Changes saved" in response.get_data(as_text=True)
    db.session.refresh(person)
    assert person.email == "jo.new@example.com" and person.types == [PersonType.VOLUNTEER]
    event = db.session.query(AuditEvent).filter_by(entity_type="people", action=AuditAction.UPDATE).one()
    assert event.user_id == user.id
    assert set(event.changed_fields) == {"email", "status", "person_types"}
    assert "jo.new@example.com" not in str(event.changed_fields) + str(event.detail)


def test_an_edit_based_on_an_old_version_is_refused(client, login_as, post_form, db):
    login_as(Role.CHAMPION)
    person = PersonFactory(first_name="Jo", last_name="Bloggs")
    db.session.commit()
    stale = str(person.version)
    person.notes = "Changed by a colleague"
    db.session.commit()
    response = post_form(
        f"/people/{person.id}/edit",
        {
            "first_name": "Joanne",
            "last_name": "Bloggs",
            "status": "active",
            "version": stale,
        },
        follow_redirects=True,
    )
    assert "Someone else changed this record" in response.get_data(as_text=True)
    db.session.refresh(person)
    assert person.first_name == "Jo"


def test_search_finds_people_by_name_email_or_phone(client, login_as, db):
    login_as(Role.CHAMPION)
    PersonFactory(first_name="Grace", last_name="Hopper", email="grace@example.com", phone="+447911123456")
    PersonFactory(first_name="Ada", last_name="Lovelace", email="ada@example.org")
    db.session.commit()
    for query in ("grace", "Hopper", "GRACE@example", "07911 123456", "7911123"):
        page = client.get("/people/", query_string={"q": query}).get_data(as_text=True)
        assert "Grace Hopper" in page and "Ada Lovelace" not in page, query
    page = client.get("/people/", query_string={"q": "nobody-matches"}).get_data(as_text=True)
    assert "No people match" in page


def test_people_list_filters_and_paginates(client, login_as, db):
    login_as(Role.CHAMPION)
    for number in range(30):
        PersonFactory(first_name=f"Volunteer{number:02d}", last_name="Smith", types=[PersonType.VOLUNTEER])
    PersonFactory(first_name="Only", last_name="Professional", types=[PersonType.PROFESSIONAL])
    db.session.commit()
    first = client.get("/people/", query_string={"type": "volunteer"}).get_data(as_text=True)
    assert "Showing 1 to 25 of 30 results" in first and "Only Professional" not in first
    second = client.get("/people/", query_string={"type": "volunteer", "page": 2}).get_data(as_text=True)
    assert "Showing 26 to 30 of 30 results" in second
    assert "Only Professional" in client.get("/people/", query_string={"type": "professional"}).get_data(as_text=True)


def test_tags_and_affiliations_show_on_the_profile(client, login_as, post_form, db):
    login_as(Role.CHAMPION)
    tag = TagFactory(name="Speech and language")
    council = OrganisationFactory(name="Southend-on-Sea City Council")
    person = PersonFactory()
    db.session.commit()
    post_form(
        f"/people/{person.id}/edit",
        {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "status": "active",
            "interest_tags": [str(tag.id)],
            "version": str(person.version),
        },
    )
    response = post_form(
        f"/people/{person.id}/affiliations",
        {"organisation_id": str(council.id), "job_title": "Family Support Worker"},
        form_url=f"/people/{person.id}",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Speech and language" in page
    assert "Southend-on-Sea City Council" in page and "Family Support Worker" in page


def test_recording_and_withdrawing_consent(client, login_as, post_form, db):
    login_as(Role.CHAMPION)
    person = PersonFactory()
    db.session.commit()
    response = post_form(
        f"/people/{person.id}/consents",
        {
            "purpose": "contact",
            "method": "verbal",
            "wording": "Can we contact you about future co-design sessions?",
        },
        form_url=f"/people/{person.id}/consents/new",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Consent recorded" in page and "Current" in page
    consent = db.session.query(Consent).one()
    response = post_form(
        f"/people/{person.id}/consents/{consent.id}/withdraw",
        {},
        form_url=f"/people/{person.id}",
        follow_redirects=True,
    )
    assert "Consent withdrawn" in response.get_data(as_text=True)
    db.session.refresh(consent)
    assert consent.withdrawn_at is not None


def test_consent_needs_its_wording(client, login_as, post_form, db):
    login_as(Role.CHAMPION)
    person = PersonFactory()
    db.session.commit()
    response = post_form(
        f"/people/{person.id}/consents",
        {"purpose": "photos", "method": "paper", "wording": ""},
        form_url=f"/people/{person.id}/consents/new",
    )
    assert "Enter the wording the person agreed to" in response.get_data(as_text=True)
    assert db.session.query(Consent).count() == 0


def test_consent_from_another_person_cannot_be_withdrawn_here(client, login_as, post_form, db):
    login_as(Role.CHAMPION)
    someone, other = PersonFactory(), PersonFactory()
    consent = ConsentFactory(person=other)
    db.session.commit()
    response = post_form(f"/people/{someone.id}/consents/{consent.id}/withdraw", {}, form_url=f"/people/{someone.id}")
    assert response.status_code == 404
    db.session.refresh(consent)
    assert consent.withdrawn_at is None


def count_queries(db, action) -> int:
    from sqlalchemy import event

    statements = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", listener)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_people_list_makes_the_same_number_of_queries_for_3_or_30_rows(client, login_as, db):
    login_as(Role.CHAMPION)

    def add_people(count):
        for _ in range(count):
            person = PersonFactory(types=[PersonType.VOLUNTEER, PersonType.PARENT_CARER])
            person.tags.append(TagFactory())
            ConsentFactory(person=person)
        db.session.commit()

    def open_list():
        page = client.get("/people/", query_string={"per_page": 50})
        assert page.status_code == 200

    add_people(3)
    with_three = count_queries(db, open_list)
    add_people(27)
    with_thirty = count_queries(db, open_list)
    assert with_three > 3  # the session user, the count, the page, types, tags, consents
    assert with_three == with_thirty


def test_search_treats_wildcards_as_plain_text(client, login_as, db):
    login_as(Role.CHAMPION)
    PersonFactory(first_name="Grace", last_name="Hopper")
    db.session.commit()
    for query in ("%", "_", "Gr_ce"):
        page = client.get("/people/", query_string={"q": query}).get_data(as_text=True)
        assert "Grace Hopper" not in page, query


def test_an_id_too_large_for_the_database_is_not_found(client, login_as):
    login_as(Role.CHAMPION)
    response = client.get("/people/99999999999999999999999")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
