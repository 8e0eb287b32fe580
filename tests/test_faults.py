"""Faults: the database going away and coming back, and storage that can't take writes (mail
that can't be sent waits in the outbox: tests/test_mail.py). Each uses a database of its own
with real commits (a SQLite file, or on PostgreSQL a throwaway database reached through a
loopback relay the test can cut)."""

from __future__ import annotations

import contextlib
import select
import shutil
import socket
import sqlite3
import threading

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import event, func
from sqlalchemy import select as sql_select

from crm import create_app
from crm.config import TestConfig
from crm.extensions import db as _db
from crm.models import AuditEvent, Person
from crm.models.enums import Role
from tests.conftest import csrf_token
from tests.factories import PersonFactory, UserFactory

UNREACHABLE_TEXT = "The CRM can&#39;t reach its database at the moment"
CANNOT_SAVE_TEXT = "The CRM&#39;s database can&#39;t accept changes just now"


@pytest.fixture(autouse=True)
def db():
    """Replaces the rolled-back `db` fixture: these requests commit for real."""
    yield _db


def build_database(url: str) -> str:
    """Migrate the database at `url`, add a coordinator; returns their session token."""
    app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        upgrade()
        token = UserFactory(role=Role.COORDINATOR).session_token
        _db.session.commit()
        _db.session.remove()
        _db.engine.dispose()
    return token


def signed_in(app, token):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return client


def close(app):
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def counts(url: str) -> tuple[int, int]:
    """People and audit rows, read on a connection of the test's own."""
    engine = sa.create_engine(TestConfig(SQLALCHEMY_DATABASE_URI=url).SQLALCHEMY_DATABASE_URI)
    with engine.connect() as connection:
        people = connection.scalar(sql_select(func.count()).select_from(Person))
        audits = connection.scalar(sql_select(func.count()).select_from(AuditEvent))
    engine.dispose()
    return people, audits


NEW_PERSON = {"first_name": "Amara", "last_name": "Okafor", "email": "amara@example.com", "status": "active"}


def add_person(client):
    page = client.get("/people/new")
    return client.post("/people/new", data={"csrf_token": csrf_token(page), **NEW_PERSON})


def assert_unavailable_page(response, text=UNREACHABLE_TEXT):
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert text in page
    assert "Nothing you entered on this page has been saved" in page
    assert "Traceback" not in page and "sqlalchemy" not in page.lower()
    assert response.headers["Retry-After"] == "30"


# --- The database goes away and comes back -------------------------------------------------


class Relay:
    """A TCP relay on loopback in front of PostgreSQL: `cut()` drops every connection and stops
    listening, as a database server going down does; `restore()` listens again on the same port."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.listener: socket.socket | None = None
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        if self.listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone leaves it listening.
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, server]
            threading.Thread(target=self._pipe, args=(client, server), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        peers = {a: b, b: a}
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 5)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except (OSError, ValueError):  # ValueError: cut() closed a socket mid-select
            return


@pytest.fixture
def outage(fresh_database_url, tmp_path):
    """(app, token, go_down, come_back): an app whose database can be taken away and returned."""
    token = build_database(fresh_database_url)
    url = sa.engine.make_url(fresh_database_url)
    if url.get_backend_name() == "sqlite":
        # The file moves out of reach (as a lost mount would) and back.
        live_dir = tmp_path / "live"
        live_dir.mkdir()
        live = live_dir / "crm.sqlite"
        shutil.move(url.database, live)
        app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=f"sqlite:///{live}"))
        away = tmp_path / "away"

        def go_down():
            close(app)  # the pool's open handle would keep the moved file readable
            live_dir.rename(away)

        def come_back():
            away.rename(live_dir)

        yield app, token, go_down, come_back
        close(app)
        return
    relay = Relay(url.host or "127.0.0.1", url.port or 5432)
    relay.restore()
    relayed = url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=relayed))
    yield app, token, relay.cut, relay.restore
    relay.cut()
    close(app)


def test_database_outage_shows_a_clear_page_and_recovers_without_a_restart(outage):
    app, token, go_down, come_back = outage
    client = signed_in(app, token)
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "up"}
    assert "Find people" in client.get("/people/").get_data(as_text=True)

    go_down()

    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"status": "unavailable", "database": "down"}
    assert_unavailable_page(client.get("/people/"))
    assert_unavailable_page(client.get("/sessions/"))
    api = client.get("/api/v1/people", headers={"Authorization": "Bearer anything"})
    assert api.status_code == 503
    assert api.get_json()["error"]["code"] == "database_unavailable"

    come_back()

    assert client.get("/healthz").get_json() == {"status": "ok", "database": "up"}
    response = client.get("/people/")
    assert response.status_code == 200 and "Find people" in response.get_data(as_text=True)
    saved = add_person(client)
    assert saved.status_code == 302


def test_a_restarted_database_server_is_reconnected_to_transparently(fresh_database_url):
    """PostgreSQL ended every connection (a restart, a failover): the pool notices the dead
    connections before using them (pool_pre_ping), so no one sees an error."""
    if not fresh_database_url.startswith("postgresql"):
        pytest.skip("ending server connections is a PostgreSQL matter")
    token = build_database(fresh_database_url)
    app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=fresh_database_url))
    client = signed_in(app, token)
    try:
        assert client.get("/people/").status_code == 200
        name = sa.engine.make_url(fresh_database_url).database
        admin = sa.create_engine(TestConfig(SQLALCHEMY_DATABASE_URI=fresh_database_url).SQLALCHEMY_DATABASE_URI)
        with admin.connect() as connection:
            ended = connection.scalar(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
        admin.dispose()
        assert ended >= 1
        assert client.get("/people/").status_code == 200
        assert add_person(client).status_code == 302
    finally:
        close(app)


# --- Storage that can't take writes --------------------------------------------------------


@pytest.fixture
def sqlite_file(tmp_path):
    if TestConfig().SQLALCHEMY_DATABASE_URI.startswith("postgresql"):
        pytest.skip("read-only and full files are SQLite's failures")
    path = tmp_path / "crm.sqlite"
    url = f"sqlite:///{path}"
    token = build_database(url)
    app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        PersonFactory(first_name="Existing")
        _db.session.commit()
        _db.session.remove()
    close(app)
    return path, url, token


def test_a_read_only_database_refuses_changes_clearly_and_writes_nothing(sqlite_file):
    path, url, token = sqlite_file
    before = counts(url)
    app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=f"sqlite:///file:{path}?mode=ro&uri=true"))
    client = signed_in(app, token)
    try:
        # Reading still works.
        assert "Existing" in client.get("/people/").get_data(as_text=True)

        response = add_person(client)

        assert_unavailable_page(response, CANNOT_SAVE_TEXT)
        assert "can&#39;t save changes at the moment" in response.get_data(as_text=True)
    finally:
        close(app)
    assert counts(url) == before


def test_a_read_only_postgresql_database_refuses_changes_clearly(fresh_database_url):
    """A database switched to read-only (a standby after failover, a quota): changes are
    refused with the same page, and reading carries on."""
    if not fresh_database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's read-only mode")
    token = build_database(fresh_database_url)
    before = counts(fresh_database_url)
    name = sa.engine.make_url(fresh_database_url).database
    admin = sa.create_engine(
        TestConfig(SQLALCHEMY_DATABASE_URI=fresh_database_url).SQLALCHEMY_DATABASE_URI, isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.exec_driver_sql(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    admin.dispose()
    app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=fresh_database_url))
    client = signed_in(app, token)
    try:
        assert "Find people" in client.get("/people/").get_data(as_text=True)
        assert_unavailable_page(add_person(client), CANNOT_SAVE_TEXT)
    finally:
        close(app)
    assert counts(fresh_database_url) == before


def test_a_full_disk_refuses_changes_clearly_and_leaves_no_half_written_record(sqlite_file):
    """The file may not grow, as on a full disk: adding a person (the person and the audit row,
    one transaction) fails, none of it is kept, and the app carries on."""
    path, url, token = sqlite_file
    before = counts(url)
    # No free pages left inside the file either: a write needs the file to grow.
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("VACUUM")
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = raw.execute("PRAGMA page_count").fetchone()[0]
    raw.close()
    app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():

        @event.listens_for(_db.engine, "connect")
        def no_room(dbapi_connection, _record):
            dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

        _db.engine.dispose()
    client = signed_in(app, token)
    try:
        page = client.get("/people/new")
        response = client.post(
            "/people/new", data={"csrf_token": csrf_token(page), **NEW_PERSON, "notes": "A long note. " * 350}
        )
        assert_unavailable_page(response, CANNOT_SAVE_TEXT)
        # The next page still works: the failed transaction was rolled back, not left open.
        assert "Existing" in client.get("/people/").get_data(as_text=True)
    finally:
        close(app)
    assert counts(url) == before


class _DriverError(Exception):
    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("error", "fault"),
    [
        (sa.exc.OperationalError("SELECT 1", {}, _DriverError("connection refused")), "unreachable"),
        (sa.exc.InterfaceError("SELECT 1", {}, _DriverError("connection already closed")), "unreachable"),
        (sa.exc.OperationalError("INSERT", {}, _DriverError("attempt to write a readonly database")), "cannot_write"),
        (sa.exc.OperationalError("INSERT", {}, _DriverError("database or disk is full")), "cannot_write"),
        (sa.exc.InternalError("INSERT", {}, _DriverError("read-only transaction", "25006")), "cannot_write"),
        (sa.exc.OperationalError("INSERT", {}, _DriverError("could not extend file", "53100")), "cannot_write"),
        (sa.exc.OperationalError("UPDATE", {}, _DriverError("database is locked")), "busy"),
        (sa.exc.OperationalError("SELECT", {}, _DriverError("canceling statement", "57014")), "busy"),
        (sa.exc.TimeoutError("QueuePool limit reached"), "busy"),
        # Bugs, not outages: they stay 500s and are logged as such.
        (sa.exc.IntegrityError("INSERT", {}, _DriverError("UNIQUE constraint failed", "23505")), None),
        (sa.exc.ProgrammingError("SELECT", {}, _DriverError("syntax error", "42601")), None),
        (ValueError("not a database error"), None),
    ],
)
def test_database_errors_are_told_apart(error, fault):
    from crm.errors import database_fault

    assert database_fault(error) == fault
