"""Cached reports, invalidated by writes.

A report over a busy year reads a million rows; the dashboard must not. Every transaction that
changes data the reports read bumps one counter (`data_version`) as it commits; a cached report
carries the counter it was computed from and is used only while the counter is unchanged. The
counter and the cache live in the database, so every app server and worker shares them.

Writes through the ORM session are seen in two places: flushed objects (`after_flush`) and
ORM-enabled INSERT/UPDATE/DELETE statements run with `session.execute` (`do_orm_execute`).
Only writes to the tables the reports read (REPORT_TABLES) count as changes.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session as OrmSession

from crm.extensions import db
from crm.models.settings import DataVersion, ReportCache
from crm.periods import Period

# The tables the cached reports read: a write to any other table (the audit log, accounts, the
# outbox, anonymous feedback, consents...) leaves them valid.
REPORT_TABLES = frozenset(
    {
        "sessions",
        "participations",
        "contributions",
        "people",
        "person_types",
        "affiliations",
        "organisations",
        "wards",
        "themes",
        "equality_monitoring",
    }
)
_CHANGED = "crm.report_data_changed"


def cache_key(kind: str, period: Period) -> str:
    return f"{kind}:{period.basis}:{period.year}:{period.start_month}"


def current_data_version() -> int:
    return db.session.scalar(select(DataVersion.value).where(DataVersion.id == 1)) or 0


def cached_report(kind: str, period: Period, compute: Callable[[Period], dict]) -> dict:
    """The report `kind` for `period`: from the cache while the data is unchanged, else computed
    and stored. The caller commits (the stored copy is then shared by every request)."""
    version = current_data_version()
    key = cache_key(kind, period)
    row = db.session.get(ReportCache, key)
    if row is not None and row.data_version == version:
        return row.payload
    payload = compute(period)
    from crm.services.participation import dialect_insert

    insert = dialect_insert()
    statement = insert(ReportCache).values(key=key, data_version=version, payload=payload)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["key"],
            set_={name: statement.excluded[name] for name in ("data_version", "payload", "computed_at")},
        )
    )
    if row is not None:
        db.session.expire(row)
    return payload


def _table_of(mapper) -> str | None:
    table = getattr(mapper, "local_table", None) if mapper is not None else None
    return getattr(table, "name", None)


def _after_flush(session: OrmSession, _flush_context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        name = getattr(obj, "__tablename__", None)
        if name in REPORT_TABLES and (obj not in session.dirty or session.is_modified(obj)):
            session.info[_CHANGED] = True
            return


def _do_orm_execute(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        name = _table_of(state.bind_mapper)
        if name is None or name in REPORT_TABLES:
            state.session.info[_CHANGED] = True


def _before_commit(session: OrmSession) -> None:
    # Last statement before COMMIT, so the counter's row lock is held only for an instant.
    # Flush first: commit() flushes after this hook, and those writes count too.
    session.flush()
    if session.info.pop(_CHANGED, False):
        session.execute(update(DataVersion).where(DataVersion.id == 1).values(value=DataVersion.value + 1))


def _forget(session: OrmSession, *_args) -> None:
    session.info.pop(_CHANGED, None)


def mark_data_changed() -> None:
    """For writes the listeners cannot see (bulk loads on a raw connection): count them as changes."""
    db.session.info[_CHANGED] = True


def install() -> None:
    """Listen on every ORM session (called by create_app; installing twice is harmless)."""
    session_class = OrmSession
    if event.contains(session_class, "after_flush", _after_flush):
        return
    event.listen(session_class, "after_flush", _after_flush)
    event.listen(session_class, "do_orm_execute", _do_orm_execute)
    event.listen(session_class, "before_commit", _before_commit)
    event.listen(session_class, "after_rollback", _forget)
