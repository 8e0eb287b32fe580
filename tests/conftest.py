"""Fixtures: one app and schema per run (built by the migrations), each test in a transaction
that is rolled back at the end. Set TEST_DATABASE_URL to run against PostgreSQL."""

from __future__ import annotations

import re
import uuid
import warnings
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import event, orm

from crm import create_app
from crm.config import TestConfig
from crm.extensions import db as _db
from crm.extensions import limiter
from crm.models.enums import Role
from tests.factories import PASSWORD, UserFactory

warnings.filterwarnings("ignore", category=DeprecationWarning, module="flask_limiter")


def reset_database(url: str) -> None:
    """Drop everything in a PostgreSQL test database, so the migrations start from empty."""
    if not url.startswith(("postgresql", "postgres")):
        return
    engine = sa.create_engine(TestConfig(SQLALCHEMY_DATABASE_URI=url).SQLALCHEMY_DATABASE_URI)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


class RequestIsolatingClient(FlaskClient):
    """Each request gets its own app context, as in production: a fresh `g` (so the signed-in
    user is looked up again) and its own database session, though on the test's connection."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # Objects the test loaded may have been changed by the request.
        _db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def app():
    config = TestConfig()
    reset_database(config.SQLALCHEMY_DATABASE_URI)
    app = create_app(config)
    app.test_client_class = RequestIsolatingClient
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def db(app):
    """The database, inside a transaction rolled back after the test (commits become savepoints)."""
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original = _db.session
        # A plain Session bound to this connection (Flask-SQLAlchemy's own would pick the engine),
        # scoped like Flask-SQLAlchemy's to the app context.
        _db.session = orm.scoped_session(
            orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )
        limiter.reset()
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            if transaction.is_active:
                transaction.rollback()
            connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(response) -> str:
    """The CSRF token in a rendered form."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.get_data(as_text=True))
    if not match:
        match = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def login_as(client, db):
    """Sign the test client in as a new user with `role`; returns the user."""

    def login(role: Role | str = Role.ADMIN, **kwargs):
        user = UserFactory(role=Role(role), **kwargs)
        db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = user.session_token
            session["_fresh"] = True
        return user

    return login


@pytest.fixture
def post_form(client):
    """POST a form the way a browser would: fetch the page, take its CSRF token, submit."""

    def post(url: str, data: dict | None = None, *, form_url: str | None = None, **kwargs):
        page = client.get(form_url or url)
        payload = {"csrf_token": csrf_token(page), **(data or {})}
        return client.post(url, data=payload, **kwargs)

    return post


__all__ = ["PASSWORD", "csrf_token"]


@pytest.fixture
def people_search(client):
    """Search the people list as the form does (a POST, then the redirect); returns the page."""

    def search(q: str = "", **filters):
        token = csrf_token(client.get("/people/"))
        response = client.post("/people/search", data={"csrf_token": token, "q": q, **filters})
        assert response.status_code == 302
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        assert "q" not in query and q not in [v for values in query.values() for v in values], (
            "search text must not be in the URL"
        )
        return client.get(response.headers["Location"])

    return search


def count_queries(db, action) -> int:
    """How many SQL statements `action()` sends to the database, leaving out the savepoints the
    test's transaction wraps around each commit (not queries the code under test makes)."""
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", listener)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len([s for s in statements if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))])


@pytest.fixture
def fresh_database_url(tmp_path):
    """The URL of a new, empty database of the kind the suite runs on, for tests that need their
    own schema or real commits: a SQLite file, or a PostgreSQL database created for the test
    (beside the suite's own) and dropped after it."""
    url = TestConfig().SQLALCHEMY_DATABASE_URI
    if not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'fresh.sqlite'}"
        return
    name = f"crm_fresh_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


class ApiClient:
    """The test client, sending the bearer token with every request."""

    def __init__(self, client, token: str, user):
        self.client, self.token, self.user = client, token, user

    def open(self, method: str, url: str, **kwargs):
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, url, **kwargs):
        return self.open("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self.open("POST", url, **kwargs)

    def patch(self, url, **kwargs):
        return self.open("PATCH", url, **kwargs)


@pytest.fixture
def api_as(client, db):
    """An API client whose token belongs to a new user with `role`."""

    def make(role: Role | str = Role.COORDINATOR) -> ApiClient:
        from tests.factories import UserFactory

        user = UserFactory(role=Role(role))
        from crm.services.users import create_api_token

        token = create_api_token(user)
        # Committed (a savepoint in tests), so a request that rolls back keeps the user and token.
        db.session.commit()
        return ApiClient(client, token, user)

    return make
