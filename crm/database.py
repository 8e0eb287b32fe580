"""Engine settings per database: SQLite pragmas and immediate write transactions."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Execution option for a transaction that only reads, such as recomputing a long report:
# `db.session.connection(execution_options={READ_ONLY: True})` before its first statement.
READ_ONLY = "crm_read_only"


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin (see below).
        dbapi_connection.isolation_level = None
        # SQLite's own lower() only knows A-Z; Python's knows Ö, Ł and Ż, as PostgreSQL's does,
        # so case-insensitive search and sorting work for every name.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database and engine.url.database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Take the write lock at the start, so two writers queue on busy_timeout instead of one
        # failing with "database is locked" when it upgrades a read lock midway. A transaction
        # that only reads (READ_ONLY, below) takes no lock: in WAL mode it reads a snapshot while
        # others write.
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
