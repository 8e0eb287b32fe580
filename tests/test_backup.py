"""Backups: a consistent SQLite copy while another connection writes; pg_dump for PostgreSQL."""

from __future__ import annotations

import sqlite3
import subprocess
import threading
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from crm.services.backup import BackupError, backup_database, backup_sqlite_file, pg_dump_command, target_path


@pytest.fixture
def busy_database(tmp_path):
    """A WAL-mode SQLite file with 20,000 rows, and a writer that keeps adding rows in batches of 100."""
    path = tmp_path / "live.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE readings (id INTEGER PRIMARY KEY, batch INTEGER, note TEXT)")
    connection.executemany("INSERT INTO readings (batch, note) VALUES (0, ?)", [("x" * 200,) for _ in range(20_000)])
    connection.commit()
    connection.close()
    stop = threading.Event()
    written = []

    def write():
        writer = sqlite3.connect(path, timeout=30)
        batch = 1
        while not stop.is_set():
            with writer:  # one transaction per batch: a consistent copy holds whole batches only
                writer.executemany(
                    "INSERT INTO readings (batch, note) VALUES (?, ?)", [(batch, "y" * 200) for _ in range(100)]
                )
            written.append(batch)
            batch += 1
        writer.close()

    thread = threading.Thread(target=write)
    thread.start()
    deadline = time.monotonic() + 10
    while not written and time.monotonic() < deadline:
        time.sleep(0.01)
    assert written, "the writer did not start"
    yield path, written
    stop.set()
    thread.join()


def test_sqlite_backup_while_another_connection_writes(busy_database, tmp_path):
    path, written = busy_database
    copies = []
    for n in range(3):
        backup = backup_sqlite_file(str(path), tmp_path / f"copy{n}.sqlite3")
        copies.append(backup.path)
        assert backup.size > 4_000_000 and backup.kind == "sqlite"
    assert len(written) > 1  # the writer kept going during the backups
    for copy in copies:
        connection = sqlite3.connect(copy)
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        total, batches = connection.execute("SELECT count(*), count(DISTINCT batch) FROM readings").fetchone()
        by_batch = dict(connection.execute("SELECT batch, count(*) FROM readings GROUP BY batch"))
        connection.close()
        assert by_batch[0] == 20_000
        # Only whole batches: the copy is one moment of the database, never half a transaction.
        assert all(count == 100 for batch, count in by_batch.items() if batch)
        assert total == 20_000 + 100 * (batches - 1)
    assert not list(tmp_path.glob("*.partial"))


def test_backup_refuses_to_overwrite_and_dates_files_in_a_folder(tmp_path):
    existing = tmp_path / "backup.sqlite3"
    existing.write_text("old")
    with pytest.raises(BackupError, match="already exists"):
        target_path(existing, ".sqlite3")
    assert target_path(existing, ".sqlite3", overwrite=True) == existing
    dated = target_path(tmp_path, ".sqlite3")
    assert dated.parent == tmp_path and dated.name.startswith("crm-") and dated.suffix == ".sqlite3"
    with pytest.raises(BackupError, match="does not exist"):
        target_path(tmp_path / "no-such-folder" / "x.sqlite3", ".sqlite3")


def test_backup_of_an_application_database_file(tmp_path):
    source = tmp_path / "crm.sqlite3"
    engine = create_engine(f"sqlite:///{source}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE people (id INTEGER PRIMARY KEY, first_name TEXT)")
        connection.exec_driver_sql("INSERT INTO people (first_name) VALUES ('Ada'), ('Bo')")
    backup = backup_database(engine, tmp_path / "out.sqlite3")
    engine.dispose()
    copy = sqlite3.connect(backup.path)
    assert copy.execute("SELECT first_name FROM people ORDER BY id").fetchall() == [("Ada",), ("Bo",)]
    copy.close()
    # Personal data: readable by its owner only.
    assert backup.path.stat().st_mode & 0o777 == 0o600


def test_pg_dump_gets_the_password_from_the_environment_not_the_command_line(tmp_path):
    url = make_url("postgresql+psycopg://crm:s3cret@db.example:5433/crm_live")
    command, environment = pg_dump_command(url, tmp_path / "crm.dump")
    assert command[:2] == ["pg_dump", "--format=custom"]
    assert "--host=db.example" in command and "--port=5433" in command and "--username=crm" in command
    assert "--dbname=crm_live" in command
    assert not any("s3cret" in part for part in command)
    assert environment["PGPASSWORD"] == "s3cret"


def test_a_missing_pg_dump_is_explained(tmp_path, monkeypatch):
    from crm.services.backup import backup_postgresql

    monkeypatch.setattr("crm.services.backup.shutil.which", lambda name: None)
    with pytest.raises(BackupError, match="pg_dump was not found. Install the PostgreSQL client tools"):
        backup_postgresql(make_url("postgresql+psycopg://crm@localhost/crm"), tmp_path / "x.dump")


def test_backup_command(tmp_path, fresh_database_url):
    """On a database of the kind the suite runs on (a SQLite file, or PostgreSQL with pg_dump)."""
    from flask_migrate import upgrade

    from crm import create_app
    from crm.config import TestConfig
    from crm.extensions import db

    app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=fresh_database_url))
    with app.app_context():
        upgrade()
        # Through the fresh app's engine (the suite's `db` fixture has replaced db.session).
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO wards (name, is_priority) VALUES ('Backup Ward', false)"))
    runner = app.test_cli_runner()
    target = tmp_path / "crm-backup"
    # Inside the fresh app's context: the suite's own app context is already pushed.
    with app.app_context():
        try:
            result = runner.invoke(args=["crm", "backup", str(target)])
            again = runner.invoke(args=["crm", "backup", str(target)])
        finally:
            db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert f"Backup written to {target}" in result.output
    assert again.exit_code == 1 and "already exists" in again.output
    if fresh_database_url.startswith("postgresql"):
        assert target.read_bytes()[:5] == b"PGDMP"
        listing = subprocess.run(  # noqa: S603
            ["pg_restore", "--list", str(target)],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        )
        assert "TABLE DATA public wards" in listing.stdout
    else:
        copy = sqlite3.connect(target)
        assert copy.execute("SELECT count(*) FROM wards WHERE name = 'Backup Ward'").fetchone() == (1,)
        tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        copy.close()
        assert {"people", "participations", "programme_settings"} <= tables


def test_an_in_memory_database_is_refused(tmp_path):
    with pytest.raises(BackupError, match="in memory"):
        backup_database(create_engine("sqlite://"), tmp_path / "x.sqlite3")
