"""The demo dataset: what someone trying the CRM sees after `flask crm demo`."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import pytest
from sqlalchemy import func, select

from crm.demo import DemoError, load_demo
from crm.models import (
    Affiliation,
    Consent,
    Event,
    Organisation,
    Person,
    PersonTypeLink,
    Session,
    Tag,
    User,
)
from crm.models.enums import (
    InvolvementLevel,
    OrganisationType,
    PersonStatus,
    PersonType,
    Role,
    SessionFormat,
    SessionKind,
    TagCategory,
)
from crm.passwords import hash_password, password_problem
from crm.services.users import authenticate
from crm.validation import normalise_email, normalise_phone, normalise_postcode
from tests.factories import PersonFactory

PASSWORD = "otter-lantern-pebble-wharf"


@pytest.fixture(autouse=True)
def hash_each_password_once(monkeypatch):
    """Argon2 is slow on purpose; the four demo accounts share one password, so hash it once."""
    monkeypatch.setattr("crm.services.users.hash_password", cache(hash_password))


def count(db, query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def event_sessions(db, name: str) -> list[Session]:
    event = db.session.scalar(select(Event).where(Event.name == name))
    assert event is not None, f"no event called {name!r}"
    return list(db.session.scalars(select(Session).where(Session.event_id == event.id)))


def test_demo_has_one_account_per_role_sharing_a_generated_passphrase(db):
    accounts = load_demo()

    assert sorted(role for _, role, _ in accounts) == sorted(Role.values())
    assert {email for email, _, _ in accounts} == {
        "admin@demo.example",
        "manager@demo.example",
        "coordinator@demo.example",
        "champion@demo.example",
    }
    passwords = {password for _, _, password in accounts}
    assert len(passwords) == 1
    password = passwords.pop()
    assert len(password.split("-")) == 4 and password_problem(password) is None
    for email, role, _ in accounts:
        user = authenticate(email, password)
        assert user is not None and user.role == Role(role) and " " in user.name


def test_demo_people_and_partners_are_a_believable_mix(db):
    load_demo(PASSWORD)

    assert count(db, select(Person)) >= 100
    by_type = dict(db.session.execute(select(PersonTypeLink.type, func.count()).group_by(PersonTypeLink.type)).all())
    assert 15 <= by_type[PersonType.PARENT_CHAMPION] <= 25
    assert by_type[PersonType.PARENT_CARER] == max(by_type.values())
    assert set(by_type) == set(PersonType)
    with_job = select(Affiliation.person_id).where(Affiliation.job_title.is_not(None))
    professionals = count(db, with_job)
    assert professionals >= 15
    categories = db.session.scalars(select(Tag.category).distinct())
    assert set(categories) == set(TagCategory)
    statuses = dict(db.session.execute(select(Person.status, func.count()).group_by(Person.status)).all())
    assert statuses[PersonStatus.INACTIVE] >= 3 and statuses[PersonStatus.LEFT] >= 2
    assert count(db, select(Person).where(Person.needs_creche.is_(True))) >= 10
    contact = select(Consent.person_id).where(Consent.purpose == "contact").distinct()
    assert count(db, contact) >= 0.75 * count(db, select(Person))
    assert count(db, select(Consent).where(Consent.withdrawn_at.is_not(None))) >= 3
    assert count(db, select(Person).where(Person.ward_id.is_not(None))) >= 80

    types = dict(db.session.execute(select(Organisation.name, Organisation.type)).all())
    assert types["Southend-on-Sea City Council"] == OrganisationType.COUNCIL
    assert types["University of Essex"] == OrganisationType.UNIVERSITY
    assert types["Mid and South Essex NHS Foundation Trust"] == OrganisationType.NHS
    assert types["Southend Association of Voluntary Services (SAVS)"] == OrganisationType.VOLUNTARY
    assert list(types.values()).count(OrganisationType.EARLY_YEARS) >= 2


def test_every_demo_contact_detail_passes_validation_and_uses_reserved_domains(db):
    load_demo(PASSWORD)

    people = db.session.scalars(select(Person)).all()
    for person in people:
        if person.email:
            assert normalise_email(person.email) == person.email
            assert person.email.endswith(("@example.com", "@example.org")), person.email
        if person.phone:
            assert normalise_phone(person.phone) == person.phone
        if person.postcode:
            assert normalise_postcode(person.postcode) == person.postcode
            assert person.postcode.startswith("SS"), person.postcode
    assert sum(1 for p in people if p.phone) >= 80
    assert sum(1 for p in people if p.email) >= 80


def test_demo_has_coproduction_week_2020_and_the_2019_conference(db):
    load_demo(PASSWORD)

    sessions = event_sessions(db, "Co-production Week 2020")
    assert len(sessions) == 9
    assert {s.format for s in sessions} == {SessionFormat.ONLINE}
    days = {s.date for s in sessions}
    assert len(days) == 5 and max(days) - min(days) == timedelta(days=4)
    assert all(d.year == 2020 for d in days)
    teams = "https://teams.microsoft.com/l/meetup-join/"
    assert all(s.meeting_link.startswith(teams) for s in sessions)

    sessions = event_sessions(db, "Who's the Expert? 2019")
    kinds = {s.kind for s in sessions}
    assert {SessionKind.KEYNOTE, SessionKind.BREAKOUT} <= kinds
    assert sum(s.kind == SessionKind.BREAKOUT for s in sessions) >= 4
    assert len({s.date for s in sessions}) == 1 and sessions[0].date.year == 2019
    assert {s.involvement_level for s in sessions} <= {
        InvolvementLevel.INFORMING,
        InvolvementLevel.CONSULTING,
        InvolvementLevel.ENGAGING,
    }


def test_demo_sessions_run_every_year_and_some_are_coming_up(db):
    load_demo(PASSWORD)
    today = date.today()

    for year in (2023, 2024, 2025):
        held = count(db, select(Session).where(Session.date >= date(year, 1, 1), Session.date <= date(year, 12, 31)))
        assert held >= 12, f"only {held} sessions in {year}"
    upcoming = db.session.scalars(select(Session).where(Session.date >= today)).all()
    assert len(upcoming) >= 3
    assert all(s.date <= today + timedelta(days=60) for s in upcoming)
    levels = db.session.scalars(select(Session.involvement_level).distinct())
    assert set(levels) == set(InvolvementLevel)
    assert count(db, select(Session.theme_id).distinct().where(Session.theme_id.is_not(None))) == 5
    assert count(db, select(Session).where(Session.creche_places > 0)) >= 10


def test_demo_people_are_the_same_every_time_whatever_the_date(db, monkeypatch):
    def names():
        query = select(Person.first_name, Person.last_name, Person.email, Person.postcode)
        return sorted(db.session.execute(query).all())

    savepoint = db.session.begin_nested()
    load_demo(PASSWORD)
    first = names()
    savepoint.rollback()
    assert count(db, select(Person)) == 0

    class LaterDate(date):
        @classmethod
        def today(cls):
            return date(2027, 3, 15)

    monkeypatch.setattr("crm.demo.date", LaterDate)
    load_demo(PASSWORD)
    assert names() == first
    assert count(db, select(Session).where(Session.date >= date(2027, 3, 15))) >= 3


def test_demo_refuses_a_database_that_already_has_people(db):
    PersonFactory()

    with pytest.raises(DemoError, match="only into an empty database"):
        load_demo(PASSWORD)
    assert count(db, select(User)) == 0


def test_demo_refuses_a_weak_password(db):
    with pytest.raises(DemoError, match="cannot be used"):
        load_demo("password")
    assert count(db, select(Person)) == 0


def test_flask_crm_demo_prints_the_accounts_and_refuses_a_second_run(runner, db):
    result = runner.invoke(args=["crm", "demo"])

    assert result.exit_code == 0, result.output
    for email in ("admin@demo.example", "manager@demo.example", "coordinator@demo.example", "champion@demo.example"):
        assert email in result.output
    assert result.output.count("password: ") == 4
    assert count(db, select(Person)) >= 100

    again = runner.invoke(args=["crm", "demo"])
    assert again.exit_code == 1
    assert "only into an empty database" in again.output


def test_flask_crm_demo_takes_the_password_from_stdin(runner, db):
    result = runner.invoke(args=["crm", "demo", "--password-stdin"], input=PASSWORD + "\n")

    assert result.exit_code == 0, result.output
    assert result.output.count(f"password: {PASSWORD}") == 4
    assert authenticate("manager@demo.example", PASSWORD) is not None
