"""`flask crm seed`: synthetic data at scale for benchmarks."""

from __future__ import annotations

from datetime import date, timedelta

import phonenumbers
import pytest
from sqlalchemy import func, select

from crm.models import Contribution, Participation, Person, PersonTypeLink, Session
from crm.models.enums import ParticipationStatus, PersonType
from crm.seed import SeedError, seed
from tests.factories import PersonFactory

TODAY = date(2026, 3, 15)


def count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def fingerprint(db) -> tuple:
    """Enough of what was written to tell two datasets apart."""
    people = db.session.execute(
        select(Person.id, Person.first_name, Person.last_name, Person.email, Person.phone).order_by(Person.id)
    ).all()
    sessions = db.session.execute(select(Session.id, Session.title, Session.date).order_by(Session.id)).all()
    participations = db.session.execute(
        select(Participation.session_id, Participation.person_id, Participation.status).order_by(Participation.id)
    ).all()
    return people, sessions, participations


def test_seed_writes_about_the_numbers_asked_for(db):
    counts = seed(200, 20, random_seed=7, today=TODAY)

    assert count(db, Person) == 200 == counts["people"]
    assert count(db, Session) == 20 == counts["sessions"]
    participations = count(db, Participation)
    assert participations == counts["participations"]
    assert 1900 <= participations <= 2100  # ten per person by default
    assert count(db, Contribution) > 0
    assert count(db, PersonTypeLink, PersonTypeLink.type == PersonType.PARENT_CHAMPION) > 0


def test_seed_honours_an_explicit_number_of_participations(db):
    seed(100, 30, participations=400, random_seed=7, today=TODAY)

    assert 380 <= count(db, Participation) <= 420


def test_seeded_data_respects_the_unique_pair_and_unique_emails(db):
    seed(200, 20, random_seed=11, today=TODAY)

    repeated_pairs = db.session.execute(
        select(Participation.session_id, Participation.person_id)
        .group_by(Participation.session_id, Participation.person_id)
        .having(func.count() > 1)
    ).all()
    assert repeated_pairs == []
    emails = db.session.scalars(select(Person.email).where(Person.email.is_not(None))).all()
    assert len(emails) > 100
    assert len(emails) == len(set(emails))
    assert all(email == email.lower() and email.endswith(("@example.com", "@example.org")) for email in emails)
    phones = db.session.scalars(select(Person.phone).where(Person.phone.is_not(None))).all()
    assert phones
    for phone in phones:
        number = phonenumbers.parse(phone)
        assert phonenumbers.is_valid_number(number), phone
        assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone


def test_most_people_come_a_few_times_and_a_core_comes_often(db):
    seed(300, 150, random_seed=5, today=TODAY)

    per_person = db.session.scalars(
        select(func.count()).select_from(Participation).group_by(Participation.person_id)
    ).all()
    assert sum(1 for n in per_person if n <= 3) > len(per_person) / 2
    assert max(per_person) >= 30
    assert count(db, Participation, Participation.status == ParticipationStatus.ATTENDED) > 0.6 * len(per_person)


def test_sessions_span_the_last_five_years_and_the_next_two_months(db):
    seed(100, 200, random_seed=3, today=TODAY)

    first, last = db.session.execute(select(func.min(Session.date), func.max(Session.date))).one()
    assert TODAY - timedelta(days=5 * 366) <= first < TODAY - timedelta(days=3 * 365)
    assert TODAY < last <= TODAY + timedelta(days=60)
    future = select(Participation.status).join(Session).where(Session.date > TODAY).distinct()
    assert ParticipationStatus.ATTENDED not in db.session.scalars(future).all()


def test_seed_can_pack_the_sessions_into_the_last_year(db):
    seed(100, 200, random_seed=3, today=TODAY, years=1)

    first, last = db.session.execute(select(func.min(Session.date), func.max(Session.date))).one()
    assert TODAY - timedelta(days=366) <= first < TODAY - timedelta(days=200)
    assert TODAY < last <= TODAY + timedelta(days=60)


def test_the_same_random_seed_gives_the_same_data_and_another_seed_does_not(db):
    seed(150, 15, random_seed=42, today=TODAY)
    first = fingerprint(db)
    db.session.rollback()
    assert count(db, Person) == 0

    seed(150, 15, random_seed=42, today=TODAY)
    assert fingerprint(db) == first
    db.session.rollback()

    seed(150, 15, random_seed=43, today=TODAY)
    assert fingerprint(db) != first


def test_seed_refuses_a_database_that_has_people(db):
    PersonFactory()
    db.session.flush()

    with pytest.raises(SeedError, match="already has 1 person"):
        seed(10, 2, random_seed=1, today=TODAY)


def test_flask_crm_seed_fills_an_empty_database_and_refuses_a_second_run(runner, db):
    result = runner.invoke(args=["crm", "seed", "--people", "40", "--sessions", "6", "--random-seed", "9"])

    assert result.exit_code == 0, result.output
    assert "40 people" in result.output
    assert count(db, Person) == 40

    again = runner.invoke(args=["crm", "seed", "--people", "40", "--sessions", "6"])
    assert again.exit_code == 1
    assert "already has 40 people" in again.output
    assert count(db, Person) == 40


def test_flask_crm_seed_needs_the_sizes(runner, db):
    result = runner.invoke(args=["crm", "seed", "--people", "0", "--sessions", "5"])

    assert result.exit_code == 2
    assert "--people" in result.output
    assert count(db, Person) == 0


def test_records_added_after_seeding_get_fresh_ids(db):
    seed(30, 5, random_seed=1, today=TODAY)
    highest = db.session.scalar(select(func.max(Person.id)))

    person = PersonFactory()
    db.session.flush()

    assert person.id > highest
