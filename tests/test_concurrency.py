"""Many writers at once, with real commits on separate connections (a SQLite file, or a
throwaway PostgreSQL database when the suite runs on PostgreSQL).

Two champions saving one register is tests/test_register_concurrency.py; here: twenty saves of
the same participation at the same moment, and two people editing the same person."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from crm import create_app
from crm.config import TestConfig
from crm.extensions import db as _db
from crm.models import Participation, Person
from crm.models.enums import ParticipationSource, ParticipationStatus, Role
from crm.services.participation import Mark, upsert_participations
from tests.conftest import csrf_token
from tests.factories import PersonFactory, SessionFactory, UserFactory
from tests.test_register import mark, read_register
from tests.test_register_concurrency import at_once, signed_in_client

WRITERS = 20
STATUSES = [ParticipationStatus.ATTENDED, ParticipationStatus.APOLOGIES, ParticipationStatus.NO_SHOW]


@pytest.fixture(autouse=True)
def db():
    """Replaces the rolled-back `db` fixture: these requests commit for real."""
    yield _db


@pytest.fixture
def live(fresh_database_url):
    app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=fresh_database_url))
    with app.app_context():
        upgrade()
        champions = [UserFactory(role=Role.CHAMPION).session_token for _ in range(WRITERS)]
        editors = [UserFactory(role=Role.COORDINATOR).session_token for _ in range(2)]
        session = SessionFactory(date=dt.date.today())
        person = PersonFactory(first_name="Grace", last_name="Adeyemi")
        _db.session.commit()
        ids = session.id, person.id
        _db.session.remove()
    yield app, champions, editors, ids
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def participation_rows(app, session_id, person_id):
    with app.app_context():
        rows = _db.session.execute(
            select(Participation.status, Participation.minutes).where(
                Participation.session_id == session_id, Participation.person_id == person_id
            )
        ).all()
        _db.session.remove()
    return rows


def test_twenty_simultaneous_upserts_of_one_participation_leave_one_row(live):
    """Twenty workers (an API client retrying, imports, the register) record the same person at
    the same session at the same moment: each on its own connection, each committing."""
    app, _, _, (session_id, person_id) = live
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                status = STATUSES[index % len(STATUSES)]
                upsert_participations(session_id, [Mark(person_id, status, minutes=index)], ParticipationSource.API)
                _db.session.commit()
                _db.session.remove()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    ((status, minutes),) = participation_rows(app, session_id, person_id)
    # Whichever write came last, whole: its status and its minutes together.
    assert status == STATUSES[minutes % len(STATUSES)]


def test_twenty_champions_saving_the_same_mark_at_once_all_succeed_with_one_row(live):
    app, champions, _, (session_id, person_id) = live
    with app.app_context():
        upsert_participations(session_id, [Mark(person_id, ParticipationStatus.REGISTERED)], ParticipationSource.RSVP)
        _db.session.commit()
        _db.session.remove()
    url = f"/sessions/{session_id}/register"
    clients = [signed_in_client(app, token) for token in champions]
    forms = []
    for index, client in enumerate(clients):
        form = read_register(client.get(url))
        forms.append(mark(form, person_id, status=STATUSES[index % len(STATUSES)].value, minutes=str(30 + index)))

    responses = at_once(*[(client, url, form) for client, form in zip(clients, forms)])

    assert [r.status_code for r in responses] == [302] * WRITERS
    ((status, minutes),) = participation_rows(app, session_id, person_id)
    assert status == STATUSES[(minutes - 30) % len(STATUSES)]


def edit_form(page) -> dict[str, str]:
    text = page.get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', text) or re.search(
        r'type="hidden" name="version" value="(\d+)"', text
    )
    assert version, "no version on the edit form"
    return {
        "csrf_token": csrf_token(page),
        "version": version.group(1),
        "first_name": "Grace",
        "last_name": "Adeyemi",
        "status": "active",
    }


@pytest.mark.parametrize("attempt", range(3))
def test_two_people_saving_the_same_person_at_once_one_is_told_someone_else_changed_it(live, attempt):
    app, _, editors, (_, person_id) = live
    url = f"/people/{person_id}/edit"
    first, second = (signed_in_client(app, token) for token in editors)
    # Both open the form before either saves.
    first_form = edit_form(first.get(url)) | {"notes": "Prefers mornings"}
    second_form = edit_form(second.get(url)) | {"notes": "Needs a creche place for two"}

    forms = (first_form, second_form)
    responses = at_once((first, url, first_form), (second, url, second_form))

    assert sorted(r.status_code for r in responses) == [200, 302]
    winner, loser = (0, 1) if responses[0].status_code == 302 else (1, 0)
    refused = responses[loser].get_data(as_text=True)
    assert "Someone else changed this record while you were editing it" in refused
    # What the second person typed is still on their screen, to save again if they mean it.
    assert forms[loser]["notes"] in refused
    with app.app_context():
        notes, version = _db.session.execute(select(Person.notes, Person.version).where(Person.id == person_id)).one()
        people = _db.session.scalar(select(func.count()).select_from(Person))
        _db.session.remove()
    assert notes == forms[winner]["notes"]
    assert version == int(first_form["version"]) + 1
    assert people == 1
