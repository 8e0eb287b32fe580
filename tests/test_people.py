"""People: adding, editing, searching, affiliations and consent, through the web pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select as sa_select

from crm.consent import LONDON, STANDARD_WORDING, uk_today
from crm.models import Affiliation, AuditEvent, Consent, Person, Ward
from crm.models.enums import AuditAction, ConsentMethod, ConsentPurpose, PersonType, Role
from crm.models.person import PEOPLE_SEARCH, person_search_text
from crm.services.erasure import erase_person
from tests.conftest import count_queries, csrf_token
from tests.factories import ConsentFactory, OrganisationFactory, PersonFactory, TagFactory

CONTACT_WORDING = STANDARD_WORDING[ConsentPurpose.CONTACT]

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


def test_a_name_with_a_nul_character_is_explained_on_the_field_and_nothing_is_saved(client, login_as, post_form, db):
    login_as(Role.CHAMPION)
    response = post_form("/people/new", VALID | {"first_name": "Ai\x00sha", "notes": "Two\r\nlines"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert page.count("Remove the unusual character from this field") == 2  # summary and field
    assert db.session.query(Person).count() == 0


@pytest.mark.parametrize("url", ["/people/?q=Ai%00sha", "/organisations/?q=Acme%00", "/sessions/?q=Art%01"])
def test_a_search_with_a_control_character_is_refused_with_a_message(client, login_as, db, url):
    login_as(Role.MANAGER)
    response = client.get(url)
    assert response.status_code == 400
    assert "Remove the unusual character from what you searched for" in response.get_data(as_text=True)


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


def test_an_edit_based_on_an_old_version_keeps_what_was_typed_and_saves_when_sent_again(
    client, login_as, post_form, db
):
    login_as(Role.CHAMPION)
    person = PersonFactory(first_name="Jo", last_name="Bloggs")
    db.session.commit()
    stale = str(person.version)
    person.notes = "Changed by a colleague"
    db.session.commit()
    typed = {"first_name": "Joanne", "last_name": "Bloggs", "status": "active", "notes": "Prefers evenings"}

    response = post_form(f"/people/{person.id}/edit", typed | {"version": stale})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert (
        "Someone else changed this record while you were editing it. Check the details below (they include "
        "your changes) and save again to keep them." in page
    )
    assert 'value="Joanne"' in page and "Prefers evenings" in page
    db.session.refresh(person)
    assert person.first_name == "Jo" and person.notes == "Changed by a colleague"
    on_page = re.search(r'name="version" type="hidden" value="(\d+)"', page) or re.search(
        r'type="hidden" name="version" value="(\d+)"', page
    )
    assert on_page is not None and on_page.group(1) == str(person.version) != stale

    again = client.post(
        f"/people/{person.id}/edit",
        data=typed | {"version": on_page.group(1), "csrf_token": csrf_token(response)},
        follow_redirects=True,
    )
    assert "Changes saved" in again.get_data(as_text=True)
    db.session.refresh(person)
    assert (person.first_name, person.notes) == ("Joanne", "Prefers evenings")


def test_long_notes_and_needs_are_refused_with_the_field_named(client, login_as, post_form, db):
    login_as(Role.CHAMPION)
    response = post_form("/people/new", VALID | {"other_needs": "x" * 2001, "notes": "y" * 5001})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Other access needs must be 2,000 characters or fewer" in page
    assert "Notes must be 5,000 characters or fewer" in page
    assert "Field cannot be longer than" not in page
    assert db.session.query(Person).count() == 0


def test_search_finds_people_by_name_email_or_phone(people_search, client, login_as, db):
    login_as(Role.CHAMPION)
    PersonFactory(first_name="Grace", last_name="Hopper", email="grace@example.com", phone="+447911123456")
    PersonFactory(first_name="Ada", last_name="Lovelace", email="ada@example.org")
    db.session.commit()
    for query in ("grace", "Hopper", "GRACE@example", "07911 123456", "7911123"):
        page = people_search(query).get_data(as_text=True)
        assert "Grace Hopper" in page and "Ada Lovelace" not in page, query
    page = people_search("nobody-matches").get_data(as_text=True)
    assert "No people match" in page


def test_search_looks_in_each_name_and_the_email_but_never_across_two(people_search, client, login_as, db):
    login_as(Role.CHAMPION)
    PersonFactory(first_name="Ann", last_name="Smith", preferred_name="Nan", email="a.smith@example.org")
    PersonFactory(first_name="Jo", last_name="Ng", preferred_name=None, email=None)
    db.session.commit()

    def found(query: str) -> set[str]:
        page = people_search(query).get_data(as_text=True)
        return {name for name in ("Ann Smith", "Jo Ng") if name in page}

    assert found("smith") == {"Ann Smith"}  # last name, and email
    assert found("ann SMITH") == {"Ann Smith"}  # every word, each in its own part
    assert found("smith an") == {"Ann Smith"}  # a long word and a short one together
    assert found("smith nan jo") == set()  # every word must match the same person
    assert found("nan") == {"Ann Smith"}  # the preferred name
    assert found("a.smith@EXAMPLE") == {"Ann Smith"}  # the email
    assert found("jo") == {"Jo Ng"}  # a word too short for PostgreSQL's trigram index
    assert found("ng") == {"Jo Ng"}
    # Parts sit side by side in the text PostgreSQL indexes; a word spanning two matches nothing.
    assert found("nsmith") == set()
    assert found("ngjo") == set()
    assert found("smitha") == set()


def test_search_follows_every_change_to_a_name_at_once(people_search, client, login_as, db):
    """The search's index (a trigram table on SQLite, kept by triggers) changes with the person:
    a new name is found and the old one is not, and nobody is found once anonymised or deleted."""
    admin = login_as(Role.ADMIN)
    grace = PersonFactory(first_name="Grace", last_name="Hopper", email=None, preferred_name=None)
    other = PersonFactory(first_name="Seán", last_name="O'Brien-Ødegård", email=None, preferred_name=None)
    db.session.commit()

    def found(query: str) -> bool:
        response = people_search(query)
        assert response.status_code == 200, query
        return "Grace" in response.get_data(as_text=True)

    assert found("hopper")
    grace.last_name = "Murray"
    db.session.commit()
    assert not found("hopper") and found("MURRAY") and found("grace murr")
    grace.preferred_name = "Amazing"
    grace.email = "g.murray@example.org"
    db.session.commit()
    assert found("amazing") and found("g.murray@")

    # Quotes, apostrophes and LIKE's wildcards are typed text, found as written.
    page = people_search("o'brien-ødeg").get_data(as_text=True)
    assert "Seán O&#39;Brien-Ødegård" in page
    for text in ('o"brien', "o%brien", "o_brien", '"', "***", "AND OR NOT"):
        response = people_search(text)
        assert response.status_code == 200 and "O&#39;Brien" not in response.get_data(as_text=True), text

    # Control characters (a NUL ends SQLite's full-text query) only separate words.
    for text in ("gra\x00", "\x00grace", "grace\x00murray", "\x00\x01"):
        response = people_search(text)
        assert response.status_code == 200, repr(text)
    assert found("grace\x00murray") and found("\x00grace")

    erase_person(grace, admin)
    db.session.commit()
    assert not found("murray") and not found("amazing") and not found("g.murray")
    db.session.delete(other)
    db.session.commit()
    assert "O&#39;Brien" not in people_search("brien").get_data(as_text=True)


def test_sqlites_search_index_holds_each_persons_search_text(db):
    """The triggers write the same text the PostgreSQL index reads (person_search_text)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's full-text table")
    people = [PersonFactory() for _ in range(20)]
    people.append(PersonFactory(preferred_name=None, email=None))
    db.session.commit()
    people[0].preferred_name, people[1].email = "Renamed", "changed@example.org"
    db.session.commit()
    indexed = dict(db.session.execute(sa_select(PEOPLE_SEARCH.c.rowid, func.lower(PEOPLE_SEARCH.c.search_text))).all())
    expected = dict(db.session.execute(sa_select(Person.id, person_search_text())).all())
    assert indexed == expected and len(expected) == 21


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


def test_people_list_pages_follow_the_name_order_to_the_last_page(client, login_as, db):
    import re

    login_as(Role.CHAMPION)
    names = [("Zoë", "Öztürk"), ("adam", "smith"), ("Adam", "Smith"), ("Bea", "ADAMS"), ("Ola", "Ökner"), ("Cy", "")]
    people = [PersonFactory(first_name=first, last_name=last) for first, last in names * 3]
    db.session.commit()
    expected = [p.id for p in sorted(people, key=lambda p: (p.last_name.lower(), p.first_name.lower(), p.id))]
    seen = []
    for page in (1, 2, 3, 4):
        html = client.get("/people/", query_string={"per_page": 5, "page": page}).get_data(as_text=True)
        seen += [int(i) for i in re.findall(r'href="/people/(\d+)"', html)]
    assert seen == expected
    # A page past the end (an old link) shows the last page.
    html = client.get("/people/", query_string={"per_page": 5, "page": 40}).get_data(as_text=True)
    assert [int(i) for i in re.findall(r'href="/people/(\d+)"', html)] == expected[15:]


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


def test_search_treats_wildcards_as_plain_text(people_search, client, login_as, db):
    login_as(Role.CHAMPION)
    PersonFactory(first_name="Grace", last_name="Hopper")
    db.session.commit()
    for query in ("%", "_", "Gr_ce"):
        page = people_search(query).get_data(as_text=True)
        assert "Grace Hopper" not in page, query


def test_an_id_too_large_for_the_database_is_not_found(client, login_as):
    login_as(Role.CHAMPION)
    response = client.get("/people/99999999999999999999999")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


# Adding a person with consent to contact


def test_adding_a_person_who_agrees_to_contact_records_the_standard_wording(client, login_as, post_form, db):
    user = login_as(Role.CHAMPION)
    form = client.get("/people/new").get_data(as_text=True)
    assert "Consent to be contacted" in form and CONTACT_WORDING in form
    assert "They agree to be contacted about opportunities" in form and "How did they agree?" in form

    response = post_form(
        "/people/new", VALID | {"contact_consent": "y", "contact_consent_method": "paper"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "Aisha Khan has been added." in page
    assert "No consent to contact recorded" not in page
    person = db.session.query(Person).one()
    consent = db.session.query(Consent).one()
    assert (consent.person_id, consent.purpose, consent.method) == (
        person.id,
        ConsentPurpose.CONTACT,
        ConsentMethod.PAPER,
    )
    assert consent.wording == CONTACT_WORDING and consent.recorded_by_id == user.id
    assert consent.withdrawn_at is None


def test_ticking_consent_without_saying_how_is_explained_and_nothing_is_saved(client, login_as, post_form, db):
    login_as(Role.CHAMPION)
    response = post_form("/people/new", VALID | {"contact_consent": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and "Choose how they agreed to be contacted" in page
    assert 'value="Aisha"' in page
    assert db.session.query(Person).count() == 0 and db.session.query(Consent).count() == 0


def test_adding_a_person_without_consent_says_so_and_the_profile_offers_to_record_it(client, login_as, post_form, db):
    login_as(Role.CHAMPION)
    # A method chosen without the box ticked records nothing.
    response = post_form("/people/new", VALID | {"contact_consent_method": "verbal"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Aisha Khan has been added. No consent to contact recorded yet." in page
    assert db.session.query(Consent).count() == 0
    person = db.session.query(Person).one()
    consent_form = f"/people/{person.id}/consents/new?purpose=contact"
    assert re.search(
        r"No consent to contact recorded\.\s*<a class=\"govuk-link\" href=\"" + re.escape(consent_form), page
    )
    assert "Record consent</a>" in page


def test_the_edit_form_does_not_ask_for_consent(client, login_as, db):
    login_as(Role.CHAMPION)
    person = PersonFactory()
    db.session.commit()
    page = client.get(f"/people/{person.id}/edit").get_data(as_text=True)
    assert "Consent to be contacted" not in page and "contact_consent" not in page


def test_the_profile_prompts_for_contact_consent_until_there_is_a_current_one(client, login_as, db):
    login_as(Role.CHAMPION)
    person = PersonFactory(first_name="Grace", last_name="Hopper")
    photos = ConsentFactory(person=person, purpose=ConsentPurpose.PHOTOS)
    db.session.commit()
    assert "No consent to contact recorded." in client.get(f"/people/{person.id}").get_data(as_text=True)
    contact = ConsentFactory(person=person)
    db.session.commit()
    assert "No consent to contact recorded." not in client.get(f"/people/{person.id}").get_data(as_text=True)
    contact.withdrawn_at = photos.given_at
    db.session.commit()
    assert "No consent to contact recorded." in client.get(f"/people/{person.id}").get_data(as_text=True)


# Affiliations


def test_adding_an_affiliation_needs_an_organisation_chosen(client, login_as, post_form, db):
    login_as(Role.CHAMPION)
    OrganisationFactory(name="Adult Community College")
    person = PersonFactory()
    db.session.commit()
    profile = client.get(f"/people/{person.id}").get_data(as_text=True)
    select = profile[profile.index('<select class="govuk-select" id="organisation_id"') :]
    assert re.match(r'<select[^>]*>\s*<option value=""( selected)?>Choose an organisation</option>', select)

    response = post_form(
        f"/people/{person.id}/affiliations",
        {"organisation_id": "", "job_title": "Tutor"},
        form_url=f"/people/{person.id}",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and 'href="#organisation_id">Choose an organisation</a>' in page
    assert '<details class="govuk-details" open>' in page and 'value="Tutor"' in page
    assert db.session.query(Affiliation).count() == 0


def test_a_long_job_title_is_explained_and_what_was_typed_is_kept(client, login_as, post_form, db):
    login_as(Role.CHAMPION)
    college = OrganisationFactory(name="Adult Community College")
    person = PersonFactory()
    db.session.commit()
    title = "Senior " * 22  # 154 characters
    response = post_form(
        f"/people/{person.id}/affiliations",
        {"organisation_id": str(college.id), "job_title": title},
        form_url=f"/people/{person.id}",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="#job_title">Job title must be 150 characters or fewer</a>' in page
    assert "Choose an organisation to add" not in page
    assert '<details class="govuk-details" open>' in page
    assert f'value="{title.strip()}' in page or f'value="{title}"' in page
    assert f'<option value="{college.id}" selected>' in page
    assert db.session.query(Affiliation).count() == 0


# Consent


def record(post_form, person, data, **kwargs):
    defaults = {"purpose": "photos", "method": "paper", "wording": STANDARD_WORDING[ConsentPurpose.PHOTOS]}
    return post_form(
        f"/people/{person.id}/consents",
        defaults | data,
        form_url=f"/people/{person.id}/consents/new",
        **kwargs,
    )


def test_a_second_current_consent_for_the_same_purpose_is_refused(client, login_as, post_form, db):
    login_as(Role.CHAMPION)
    person = PersonFactory(first_name="Aisha", last_name="Khan")
    db.session.commit()
    assert "Consent recorded" in record(post_form, person, {}, follow_redirects=True).get_data(as_text=True)

    response = record(post_form, person, {"method": "verbal"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Aisha Khan already has a current consent for photographs. Withdraw it first if it has changed." in page
    assert db.session.query(Consent).count() == 1

    first = db.session.query(Consent).one()
    post_form(f"/people/{person.id}/consents/{first.id}/withdraw", {}, form_url=f"/people/{person.id}")
    assert "Consent recorded" in record(post_form, person, {}, follow_redirects=True).get_data(as_text=True)
    consents = db.session.query(Consent).filter_by(person_id=person.id).all()
    assert len(consents) == 2 and sum(c.withdrawn_at is None for c in consents) == 1


def test_sharing_consent_is_one_current_per_partner_whatever_the_case(client, login_as, post_form, db):
    login_as(Role.CHAMPION)
    person = PersonFactory(first_name="Aisha", last_name="Khan")
    db.session.commit()
    sharing = {"purpose": "sharing", "wording": STANDARD_WORDING[ConsentPurpose.SHARING]}
    record(post_form, person, sharing | {"partner_name": "University of Essex"})
    refused = record(post_form, person, sharing | {"partner_name": "university of essex"}).get_data(as_text=True)
    assert "Aisha Khan already has a current consent for sharing with a named partner" in refused
    record(post_form, person, sharing | {"partner_name": "YMCA Southend"})
    consents = db.session.query(Consent).order_by(Consent.id).all()
    assert [c.partner_name for c in consents] == ["University of Essex", "YMCA Southend"]
    # The standard wording names the partner.
    assert "give your name and contact details to University of Essex so" in consents[0].wording
    assert "{partner}" not in consents[1].wording


def test_the_consent_form_starts_with_the_standard_wording_and_today(client, login_as, db):
    login_as(Role.CHAMPION)
    person = PersonFactory()
    db.session.commit()
    today = uk_today()
    page = client.get(f"/people/{person.id}/consents/new").get_data(as_text=True)
    assert CONTACT_WORDING in page and "change it to exactly what they saw or heard" in page
    assert f'id="given_on-day" name="given_on" type="text" value="{today:%d}"' in page
    assert f'id="given_on-year" name="given_on" type="text" value="{today:%Y}"' in page
    photos = client.get(f"/people/{person.id}/consents/new?purpose=photos").get_data(as_text=True)
    assert STANDARD_WORDING[ConsentPurpose.PHOTOS] in photos and CONTACT_WORDING not in photos
    assert re.search(r'value="photos" checked', photos)


def test_consent_from_a_paper_form_last_week_keeps_its_date(client, login_as, post_form, db):
    login_as(Role.CHAMPION)
    person = PersonFactory()
    db.session.commit()
    last_week = uk_today() - timedelta(days=7)
    response = record(
        post_form,
        person,
        {"given_on": [str(last_week.day), str(last_week.month), str(last_week.year)]},
        follow_redirects=True,
    )
    assert "Consent recorded" in response.get_data(as_text=True)
    consent = db.session.query(Consent).one()
    assert consent.given_at.astimezone(LONDON).date() == last_week


def test_consent_with_no_date_is_given_today(client, login_as, post_form, db):
    login_as(Role.CHAMPION)
    person = PersonFactory()
    db.session.commit()
    record(post_form, person, {"given_on": ["", "", ""]})
    assert db.session.query(Consent).one().given_at.astimezone(LONDON).date() == uk_today()


def test_consent_dates_in_the_future_or_not_real_are_refused(client, login_as, post_form, db):
    login_as(Role.CHAMPION)
    person = PersonFactory()
    db.session.commit()
    tomorrow = uk_today() + timedelta(days=1)
    for date_parts, message in (
        ([str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)], "Date given must be today or in the past"),
        (["31", "2", "2025"], "Enter a real date"),
        (["3", "", "2025"], "Date given must include a month"),
        (["3", "3", "1925"], "Date given must be in 2000 or later"),
    ):
        response = record(post_form, person, {"given_on": date_parts})
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and message in page, message
        assert 'href="#given_on"' in page
    assert db.session.query(Consent).count() == 0


def test_contact_wording_left_in_place_for_another_purpose_is_swapped_for_that_purposes_wording(
    client, login_as, post_form, db
):
    login_as(Role.CHAMPION)
    person = PersonFactory()
    db.session.commit()
    response = record(post_form, person, {"purpose": "quotes", "wording": CONTACT_WORDING})
    page = response.get_data(as_text=True)
    assert "You chose quotes in reports, but the wording was our wording for contact about opportunities" in page
    assert STANDARD_WORDING[ConsentPurpose.QUOTES] in page
    assert db.session.query(Consent).count() == 0

    again = client.post(
        f"/people/{person.id}/consents",
        data={
            "csrf_token": csrf_token(response),
            "purpose": "quotes",
            "method": "paper",
            "wording": re.search(r'<textarea[^>]*name="wording"[^>]*>\s*([^<]*)</textarea>', page).group(1).strip(),
        },
        follow_redirects=True,
    )
    assert "Consent recorded" in again.get_data(as_text=True)
    assert db.session.query(Consent).one().wording == STANDARD_WORDING[ConsentPurpose.QUOTES]


def test_search_text_never_appears_in_a_url(client, login_as, people_search, db):
    login_as(Role.CHAMPION)
    PersonFactory(first_name="Grace", last_name="Hopper", email="grace@example.com")
    db.session.commit()
    page = people_search("grace@example.com", type="parent_carer")
    text = page.get_data(as_text=True)
    assert "Grace Hopper" in text
    assert 'value="grace@example.com"' in text  # the box still shows what was typed
    links = re.findall(r'href="([^"]+)"', text)
    assert not [link for link in links if "grace" in link.lower()]


def test_the_people_search_needs_a_csrf_token(client, login_as):
    login_as(Role.CHAMPION)
    assert client.post("/people/search", data={"q": "grace"}).status_code == 400
