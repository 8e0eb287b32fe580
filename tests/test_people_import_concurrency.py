"""The same people import confirmed twice at once (a double click, two tabs): the second waits
for the first and then finds it applied, instead of adding everyone a second time. Real commits
from two threads on a database of its own (a SQLite file, or a throwaway PostgreSQL database)."""

from __future__ import annotations

import threading

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from crm import create_app
from crm.config import TestConfig
from crm.extensions import db as _db
from crm.models import Person
from crm.services.errors import InvalidInput
from crm.services.people_import_apply import ALREADY_APPLIED, apply_people_import
from tests.test_people_import import csv_bytes, preview_of

# People with no email or phone: nothing unique in the table would stop a second copy of them.
FILE = csv_bytes("First name,Last name,Postcode", "Aisha,Khan,SS1 1AA", "Tom,Price,SS2 2BB")


@pytest.fixture(autouse=True)
def db():
    """Replaces the rolled-back `db` fixture: these imports commit for real."""
    yield _db


@pytest.fixture
def app(fresh_database_url):
    app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=fresh_database_url))
    with app.app_context():
        upgrade()
        _db.session.remove()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def test_a_second_confirmation_of_the_same_import_waits_and_then_changes_nothing(app):
    first_applied = threading.Event()
    release_first = threading.Event()
    outcome: dict[str, object] = {}

    def confirm(name: str, hold: bool) -> None:
        try:
            with app.app_context():
                try:
                    preview = preview_of(FILE)
                    result = apply_people_import(preview, None, reference="same-confirmation")
                    if hold:  # the first keeps its transaction open until the second has begun
                        first_applied.set()
                        release_first.wait(10)
                    _db.session.commit()
                    outcome[name] = result.created
                except InvalidInput as error:
                    _db.session.rollback()
                    outcome[name] = error.message
                finally:
                    _db.session.remove()
        except Exception as error:  # reported below, so a failing thread fails the test
            outcome[name] = error

    first = threading.Thread(target=confirm, args=("first", True))
    first.start()
    assert first_applied.wait(10)
    second = threading.Thread(target=confirm, args=("second", False))
    second.start()
    second.join(1)  # the second is now waiting for the first (or, wrongly, has applied again)
    release_first.set()
    first.join(20)
    second.join(20)

    assert outcome == {"first": 2, "second": ALREADY_APPLIED}
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(Person)) == 2
        _db.session.remove()
