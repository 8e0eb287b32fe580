"""Two champions saving the same register at the same moment: real requests from two threads,
each committing, against a database of its own (a SQLite file, or a throwaway PostgreSQL
database when the suite runs on PostgreSQL). Neither loses the other's marks, there is one
participation per person, and neither request fails: writes to one session take turns (the
session's row lock on PostgreSQL, the write lock on SQLite)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from crm import create_app
from crm.config import TestConfig
from crm.extensions import db as _db
from crm.models import AuditEvent, Participation, Person
from crm.models.enums import ParticipationSource, ParticipationStatus, Role
from crm.services.participation import Mark, upsert_participations
from tests.factories import PersonFactory, SessionFactory, UserFactory
from tests.test_register import mark, read_register

ROUNDS = 3


@pytest.fixture(autouse=True)
def db():
    """Replaces the rolled-back `db` fixture: these requests commit for real."""
    yield _db


@pytest.fixture
def live(fresh_database_url):
    app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=fresh_database_url))
    with app.app_context():
        upgrade()
        tokens = [UserFactory(role=Role.CHAMPION).session_token for _ in range(2)]
        _db.session.commit()
    yield app, tokens
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def signed_in_client(app, token):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return client


def new_register(app, people: int = 6):
    """A session today with `people` registered; returns (session id, person ids)."""
    with app.app_context():
        session = SessionFactory(date=dt.date.today())
        ids = [PersonFactory().id for _ in range(people)]
        upsert_participations(
            session.id, [Mark(i, ParticipationStatus.REGISTERED) for i in ids], ParticipationSource.RSVP
        )
        _db.session.commit()
        return session.id, ids


def at_once(*posts):
    """POST each (client, url, form) from its own thread, all released together; returns the
    responses in the same order."""
    barrier = threading.Barrier(len(posts))
    responses: list = [None] * len(posts)
    errors: list = []

    def run(index, post):
        client, url, data = post
        try:
            barrier.wait(timeout=10)
            responses[index] = client.post(url, data=data)
        except Exception as error:  # reported below, so a failing thread fails the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, post)) for i, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return responses


def stored(app, session_id):
    with app.app_context():
        rows = _db.session.execute(
            select(Participation.person_id, Participation.status).where(Participation.session_id == session_id)
        ).all()
        audits = _db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.entity_type == "sessions", AuditEvent.entity_id == session_id)
        )
        _db.session.remove()
    return rows, audits


def test_two_champions_marking_different_people_keep_both_marks(live):
    app, tokens = live
    for _ in range(ROUNDS):
        session_id, people = new_register(app)
        url = f"/sessions/{session_id}/register"
        first, second = (signed_in_client(app, token) for token in tokens)
        # Both open the register before either saves.
        first_form, second_form = read_register(first.get(url)), read_register(second.get(url))
        for person_id in people[:3]:
            mark(first_form, person_id, status="attended")
        mark(second_form, people[3], status="no_show")
        mark(second_form, people[4], status="apologies")
        mark(second_form, people[5], status="attended", minutes="45")

        responses = at_once((first, url, first_form), (second, url, second_form))

        assert [r.status_code for r in responses] == [302, 302]
        rows, audits = stored(app, session_id)
        assert len(rows) == 6 and len({person for person, _ in rows}) == 6
        assert dict(rows) == {
            people[0]: ParticipationStatus.ATTENDED,
            people[1]: ParticipationStatus.ATTENDED,
            people[2]: ParticipationStatus.ATTENDED,
            people[3]: ParticipationStatus.NO_SHOW,
            people[4]: ParticipationStatus.APOLOGIES,
            people[5]: ParticipationStatus.ATTENDED,
        }
        assert audits == 2


def test_two_champions_marking_the_same_person_leave_one_row(live):
    app, tokens = live
    for _ in range(ROUNDS):
        session_id, people = new_register(app, people=3)
        url = f"/sessions/{session_id}/register"
        first, second = (signed_in_client(app, token) for token in tokens)
        first_form, second_form = read_register(first.get(url)), read_register(second.get(url))
        mark(first_form, people[0], status="attended")
        mark(first_form, people[1], status="attended")
        mark(second_form, people[0], status="apologies")
        mark(second_form, people[2], status="no_show")

        responses = at_once((first, url, first_form), (second, url, second_form))

        assert [r.status_code for r in responses] == [302, 302]
        rows, _ = stored(app, session_id)
        statuses = dict(rows)
        assert len(rows) == 3
        # One of the two marks for the same person, whichever was saved last.
        assert statuses[people[0]] in (ParticipationStatus.ATTENDED, ParticipationStatus.APOLOGIES)
        assert statuses[people[1]] == ParticipationStatus.ATTENDED
        assert statuses[people[2]] == ParticipationStatus.NO_SHOW


def test_two_champions_adding_the_same_walk_in_leave_one_row(live):
    app, tokens = live
    for _ in range(ROUNDS):
        session_id, people = new_register(app, people=1)
        with app.app_context():
            walk_in = PersonFactory().id
            _db.session.commit()
        url = f"/sessions/{session_id}/register"
        first, second = (signed_in_client(app, token) for token in tokens)
        first_form, second_form = read_register(first.get(url)), read_register(second.get(url))
        mark(second_form, people[0], status="attended")
        walk_ins = f"{url}/walk-ins"

        responses = at_once(
            (first, walk_ins, {**first_form, "person_id": walk_in}),
            (second, walk_ins, {**second_form, "person_id": walk_in}),
        )

        assert [r.status_code for r in responses] == [302, 302]
        rows, audits = stored(app, session_id)
        assert sorted(rows) == sorted(
            [(people[0], ParticipationStatus.ATTENDED), (walk_in, ParticipationStatus.ATTENDED)]
        )
        # The second champion's mark, and one "walk-in added": the later request changed nothing.
        assert audits == 2


def test_a_double_tap_on_create_new_person_adds_them_once(live):
    app, tokens = live
    for round_number in range(ROUNDS):
        session_id, people = new_register(app, people=1)
        url = f"/sessions/{session_id}/register"
        first, second = (signed_in_client(app, token) for token in tokens)
        email = f"tariq.{round_number}@example.com"
        person = {"first_name": "Tariq", "last_name": "Aziz", "email": email, "confirmed": f"Tariq|Aziz|{email}|"}
        first_form, second_form = read_register(first.get(url)), read_register(second.get(url))
        mark(first_form, people[0], status="attended")
        mark(second_form, people[0], status="attended")
        new = f"{url}/walk-ins/new"

        responses = at_once((first, new, {**first_form, **person}), (second, new, {**second_form, **person}))

        assert sorted(r.status_code for r in responses) == [200, 302]
        refused = next(r for r in responses if r.status_code == 200).get_data(as_text=True)
        assert "Someone with this email address is already in the CRM" in refused
        with app.app_context():
            added = _db.session.scalars(select(Person.id).where(Person.email == email)).all()
            _db.session.remove()
        assert len(added) == 1
        rows, audits = stored(app, session_id)
        assert sorted(rows) == sorted(
            [(people[0], ParticipationStatus.ATTENDED), (added[0], ParticipationStatus.ATTENDED)]
        )
        assert audits == 2
