"""Backups: a consistent copy of the database while the application keeps running.

SQLite: the online backup API copies the database page by page inside one read transaction, so
the copy is a snapshot even while others write (WAL lets them carry on meanwhile).
PostgreSQL: pg_dump in its custom format (restore with pg_restore); pg_dump also works from one
snapshot. docs/data-protection.md explains restoring.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, Engine


class BackupError(Exception):
    """The backup could not be made; the message says why and what to do."""


@dataclass
class Backup:
    path: Path
    size: int
    kind: str  # "sqlite" or "pg_dump"


def target_path(path: str | Path, suffix: str, *, overwrite: bool = False) -> Path:
    """Where to write: a directory gets a dated file name; an existing file is refused unless `overwrite`."""
    target = Path(path)
    if target.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        target = target / f"crm-{stamp}{suffix}"
    if target.exists() and not overwrite:
        raise BackupError(f"{target} already exists. Choose a new file name, or add --overwrite to replace it.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    return target


def backup_sqlite(source: sqlite3.Connection, target: Path) -> Backup:
    """Copy the database behind `source` into `target` with SQLite's online backup API.

    The copy is written next to the target and moved into place only when complete, so a
    failed backup never leaves a half-written file under the chosen name."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # Backups hold personal data: readable by the owner only.
    os.close(os.open(partial, os.O_CREAT | os.O_WRONLY, 0o600))
    destination = sqlite3.connect(partial)
    try:
        # pages=-1: everything in one step, so the copy is one snapshot (another connection's
        # write would otherwise restart a step-by-step copy).
        source.backup(destination, pages=-1)
        destination.execute("PRAGMA journal_mode=DELETE")
        result = destination.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"The copy failed its integrity check: {result}")
    finally:
        destination.close()
    os.replace(partial, target)
    return Backup(target, target.stat().st_size, "sqlite")


def backup_sqlite_file(database: str, target: Path) -> Backup:
    """Back up the SQLite database file `database` (opened with its own connection)."""
    if not Path(database).exists():
        raise BackupError(f"The database file {database} does not exist.")
    source = sqlite3.connect(database, timeout=30)
    try:
        return backup_sqlite(source, target)
    finally:
        source.close()


def pg_dump_command(url: URL, target: Path) -> tuple[list[str], dict[str, str]]:
    """The pg_dump command line and environment; the password goes in the environment, never
    on the command line (where other users of the machine could see it)."""
    command = ["pg_dump", "--format=custom", "--no-owner", f"--file={target}"]
    if url.host:
        command.append(f"--host={url.host}")
    if url.port:
        command.append(f"--port={url.port}")
    if url.username:
        command.append(f"--username={url.username}")
    command.append(f"--dbname={url.database}")
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    return command, environment


def backup_postgresql(url: URL, target: Path) -> Backup:
    if shutil.which("pg_dump") is None:
        raise BackupError(
            "pg_dump was not found. Install the PostgreSQL client tools of the same (or a newer) version "
            "as the server, for example `apt install postgresql-client`, or back up with your database "
            "host's own tools. See docs/data-protection.md."
        )
    partial = target.with_name(target.name + ".partial")
    command, environment = pg_dump_command(url, partial)
    completed = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)  # noqa: S603
    if completed.returncode != 0:
        partial.unlink(missing_ok=True)
        message = (completed.stderr or completed.stdout).strip().splitlines()
        raise BackupError("pg_dump failed: " + (message[-1] if message else f"exit status {completed.returncode}"))
    os.chmod(partial, 0o600)
    os.replace(partial, target)
    return Backup(target, target.stat().st_size, "pg_dump")


def backup_database(engine: Engine, path: str | Path, *, overwrite: bool = False) -> Backup:
    """Back up the application's database to `path` (a file, or a folder for a dated file)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            raise BackupError("The database is in memory only: there is no file to back up.")
        return backup_sqlite_file(url.database, target_path(path, ".sqlite3", overwrite=overwrite))
    if url.get_backend_name() == "postgresql":
        return backup_postgresql(url, target_path(path, ".dump", overwrite=overwrite))
    raise BackupError(f"Backups of {url.get_backend_name()} databases are not supported.")
