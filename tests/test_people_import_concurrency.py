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


def test_two_previews_of_the_same_file_confirmed_at_once_add_the_people_once(app, monkeypatch):
    """Two coordinators (or two tabs) preview the same file and confirm together: each preview has
    its own reference, so the second must see the first's people before it checks its preview,
    and is shown the changed preview instead of adding them again."""
    import crm.views.people_import as view
    from crm.models.enums import Role
    from tests.factories import UserFactory
    from tests.test_people_import_web import check_rows, confirm, upload
    from tests.test_register_concurrency import signed_in_client

    with app.app_context():
        tokens = [UserFactory(role=Role.COORDINATOR).session_token for _ in range(2)]
        _db.session.commit()
    clients = [signed_in_client(app, token) for token in tokens]
    previews = [check_rows(client, upload(client, FILE)) for client in clients]
    assert all(preview.status_code == 200 for preview in previews)

    first_applied, release_first = threading.Event(), threading.Event()
    real_apply = view.apply_people_import

    def apply_and_hold(*args, **kwargs):
        result = real_apply(*args, **kwargs)
        if not first_applied.is_set():  # the first keeps its transaction open until the second has begun
            first_applied.set()
            release_first.wait(10)
        return result

    monkeypatch.setattr(view, "apply_people_import", apply_and_hold)
    responses: dict[str, object] = {}

    def post(name: str, index: int) -> None:
        try:
            responses[name] = confirm(clients[index], previews[index])
        except Exception as error:  # reported below, so a failing thread fails the test
            responses[name] = error

    first = threading.Thread(target=post, args=("first", 0))
    first.start()
    assert first_applied.wait(10)
    second = threading.Thread(target=post, args=("second", 1))
    second.start()
    second.join(1)  # the second is now waiting for the first (or, wrongly, reading the CRM as it was)
    release_first.set()
    first.join(20)
    second.join(20)

    assert responses["first"].status_code == 200
    assert responses["second"].status_code == 409
    assert "changed since" in responses["second"].get_data(as_text=True)
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(Person)) == 2
        _db.session.remove()
