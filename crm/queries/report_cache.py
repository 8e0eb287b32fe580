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

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session as OrmSession

from crm.database import READ_ONLY
from crm.extensions import db
from crm.models.base import utcnow
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
logger = logging.getLogger(__name__)


def cache_key(kind: str, period: Period) -> str:
    return f"{kind}:{period.basis}:{period.year}:{period.start_month}"


def current_data_version() -> int:
    return db.session.scalar(select(DataVersion.value).where(DataVersion.id == 1)) or 0


@dataclass(frozen=True)
class CachedReport:
    payload: dict
    computed_at: datetime
    # True when the data changed since: the figures are as they were at `computed_at`.
    stale: bool = False


class InlineBudget:
    """How long one request may spend counting stale figures again (REPORT_INLINE_MS unless
    told): a page made of several reports shares one budget, so it stays fast however its
    figures add up. Figures that would overrun it are shown as they were and refreshed in the
    background."""

    def __init__(self, ms: float | None = None) -> None:
        self.left_ms = current_app.config["REPORT_INLINE_MS"] if ms is None else ms

    def allows(self, compute_ms: float) -> bool:
        return compute_ms < self.left_ms

    def spend(self, ms: float) -> None:
        self.left_ms -= ms


def cached_report(
    kind: str, period: Period, compute: Callable[[Period], dict], *, budget: InlineBudget | None = None
) -> CachedReport:
    """The report `kind` for `period`: from the cache while the data is unchanged, else computed
    and stored. The caller commits (the stored copy is then shared by every request).

    With a `budget`, a report whose last count took longer than the budget has left is not
    counted again in the request when the data changes: the stored figures come back marked
    stale while a background refresh counts new ones (for a page that must stay fast at any
    size)."""
    version = current_data_version()
    key = cache_key(kind, period)
    row = db.session.get(ReportCache, key)
    if row is not None and row.data_version == version:
        return CachedReport(row.payload, row.computed_at)
    if row is not None and budget is not None and not budget.allows(row.compute_ms or 0):
        refresh_in_background(kind, period, compute)
        return CachedReport(row.payload, row.computed_at, stale=True)
    started = time.perf_counter()
    payload = compute(period)
    _store(key, version, payload, started)
    if budget is not None:
        budget.spend((time.perf_counter() - started) * 1000)
    if row is not None:
        db.session.expire(row)
    return CachedReport(payload, utcnow())


def store_payload(key: str, version: int, payload: dict, started: float) -> None:
    """Store a payload that is not a report over a period (its key chosen by the caller), with
    the data version it was computed from and the perf_counter() its computing started at. The
    caller commits."""
    _store(key, version, payload, started)


def _store(key: str, version: int, payload: dict, started: float) -> None:
    """Insert or replace a cached report, unless a newer one was stored meanwhile."""
    from crm.services.participation import dialect_insert

    values = {
        "data_version": version,
        "payload": payload,
        "computed_at": utcnow(),
        "compute_ms": round((time.perf_counter() - started) * 1000),
        "refresh_started_at": None,
    }
    statement = dialect_insert()(ReportCache).values(key=key, **values)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["key"],
            set_={name: statement.excluded[name] for name in values},
            where=ReportCache.data_version <= statement.excluded.data_version,
        )
    )


# Background refresh -----------------------------------------------------------------------------

# A refresh claimed longer ago than this is taken to have died with its worker.
REFRESH_CLAIM = timedelta(minutes=10)
_refreshing: dict[str, threading.Thread] = {}
_refreshing_lock = threading.Lock()


def refresh_in_background(kind: str, period: Period, compute: Callable[[Period], dict]) -> None:
    """Compute the report again in a thread of this worker (one per report at a time)."""
    key = cache_key(kind, period)
    app = current_app._get_current_object()
    with _refreshing_lock:
        if key in _refreshing:
            return
        thread = threading.Thread(
            target=_refresh_thread, args=(app, kind, period, compute), name=f"refresh {key}", daemon=True
        )
        _refreshing[key] = thread
    thread.start()


def _refresh_thread(app, kind: str, period: Period, compute: Callable[[Period], dict]) -> None:
    try:
        with app.app_context():
            try:
                refresh_report(kind, period, compute)
            except Exception:  # a failed refresh leaves the old figures; the next view tries again
                db.session.rollback()
                logger.exception("refreshing the %s report failed", kind)
            finally:
                db.session.remove()
    finally:
        with _refreshing_lock:
            _refreshing.pop(cache_key(kind, period), None)


def wait_for_refreshes(timeout: float = 120) -> None:
    """Wait for this process's background refreshes to finish (for tests and benchmarks)."""
    with _refreshing_lock:
        threads = list(_refreshing.values())
    for thread in threads:
        thread.join(timeout)


def refresh_report(kind: str, period: Period, compute: Callable[[Period], dict]) -> bool:
    """Compute one cached report again and store it, unless another worker or server is already
    doing so (claimed in the database). The figures are read in a read-only transaction, so a
    slow report never holds SQLite's write lock. Returns whether this call did the refresh."""
    key = cache_key(kind, period)
    now = utcnow()
    claimed = db.session.execute(
        update(ReportCache)
        .where(
            ReportCache.key == key,
            or_(ReportCache.refresh_started_at.is_(None), ReportCache.refresh_started_at < now - REFRESH_CLAIM),
        )
        .values(refresh_started_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not claimed:
        return False
    try:
        connection = db.session.connection(execution_options={READ_ONLY: True})
        if connection.dialect.name == "postgresql":
            # Compiling these one-off aggregates to machine code costs more than it saves.
            connection.exec_driver_sql("SET LOCAL jit = off")
        started = time.perf_counter()
        version = current_data_version()
        payload = compute(period)
        db.session.rollback()  # ends the read; nothing was written
        _store(key, version, payload, started)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        db.session.execute(update(ReportCache).where(ReportCache.key == key).values(refresh_started_at=None))
        db.session.commit()
        raise
    return True


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
