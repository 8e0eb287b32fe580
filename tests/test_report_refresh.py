"""A slow dashboard after a change: the page shows the figures it has, with the time they were
counted, while a background refresh counts them again; the next view has the new figures. Real
commits on their own database (a SQLite file or a throwaway PostgreSQL database), real threads."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, update

from crm import create_app
from crm.config import TestConfig
from crm.extensions import db as _db
from crm.models import Participation
from crm.models.enums import ParticipationSource, ParticipationStatus, Role
from crm.models.settings import ReportCache
from crm.periods import CALENDAR, Period
from crm.queries.report_cache import InlineBudget, cache_key, cached_report, refresh_report, wait_for_refreshes
from tests.factories import PersonFactory, SessionFactory, UserFactory
from tests.test_dashboard import headline
from tests.test_register_concurrency import signed_in_client

YEAR = dt.date.today().year


@pytest.fixture(autouse=True)
def db():
    """Replaces the rolled-back `db` fixture: these requests commit for real."""
    yield _db


@pytest.fixture
def live(fresh_database_url):
    """A programme whose dashboard counts as slow (REPORT_INLINE_MS 0): one attendance this year."""
    app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=fresh_database_url, REPORT_INLINE_MS=0))
    with app.app_context():
        upgrade()
        manager = UserFactory(role=Role.MANAGER).session_token
        session = SessionFactory(date=dt.date(YEAR, 1, 15))
        attend(session.id, PersonFactory().id)
        session_id = session.id
        _db.session.remove()
    yield app, manager, session_id
    wait_for_refreshes()
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def attend(session_id: int, person_id: int) -> None:
    _db.session.add(
        Participation(
            session_id=session_id,
            person_id=person_id,
            status=ParticipationStatus.ATTENDED,
            source=ParticipationSource.MANUAL,
        )
    )
    _db.session.commit()


def attendances(page: str) -> int:
    """This year's figure on the attendances card (the first number on it)."""
    return int(headline(page, "attendances").split()[1])


def dashboard_page(client) -> str:
    response = client.get("/reports/", query_string={"year": YEAR, "basis": CALENDAR})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_after_a_change_a_slow_dashboard_shows_its_figures_with_their_time_then_the_new_ones(live):
    app, manager, session_id = live
    client = signed_in_client(app, manager)

    first = dashboard_page(client)  # nothing cached yet: counted in the request
    assert attendances(first) == 1
    assert 'id="figures-as-of"' not in first

    with app.app_context():
        attend(session_id, PersonFactory().id)
        _db.session.remove()

    during = dashboard_page(client)
    # The figures from before the change, said to be so, with when they were counted.
    assert attendances(during) == 1
    assert 'id="figures-as-of"' in during
    assert "These figures were counted on" in during

    wait_for_refreshes()
    after = dashboard_page(client)
    assert attendances(after) == 2
    assert 'id="figures-as-of"' not in after


def test_the_reports_of_one_page_share_one_budget_for_counting_again(live):
    """Three figures that each took 100 ms to count, on a page allowed 200 ms: the first is counted
    again in the request (taking 120 ms), and the other two would overrun what is left, so they
    are shown as they were while the background counts them."""
    app, _manager, session_id = live
    period = Period.of(YEAR, CALENDAR)
    counted: list[str] = []

    def compute_for(kind):
        def compute(_period):
            counted.append(kind)
            time.sleep(0.12)
            return {"kind": kind, "count": counted.count(kind)}

        return compute

    kinds = ("first", "second", "third")
    with app.app_context():
        for kind in kinds:
            cached_report(kind, period, lambda _p: {"count": 0})
        _db.session.execute(update(ReportCache).values(compute_ms=100))
        _db.session.commit()
        attend(session_id, PersonFactory().id)  # the data changes: all three are stale

        budget = InlineBudget(200)
        results = [cached_report(kind, period, compute_for(kind), budget=budget) for kind in kinds]
        _db.session.commit()
        assert [(r.payload["count"], r.stale) for r in results] == [(1, False), (0, True), (0, True)]
        assert budget.left_ms <= 80

        wait_for_refreshes()
        assert sorted(counted) == ["first", "second", "third"]
        fresh = [cached_report(kind, period, compute_for(kind), budget=InlineBudget(0)) for kind in kinds]
        assert [(r.payload["count"], r.stale) for r in fresh] == [(1, False)] * 3
        _db.session.remove()


def test_a_refresh_claimed_elsewhere_is_left_to_it_until_the_claim_is_old(live):
    app, _manager, _session_id = live
    period = Period.of(YEAR, CALENDAR)
    computed = []

    def compute(p):
        computed.append(p)
        return {"n": len(computed)}

    with app.app_context():
        cached_report("test", period, compute)
        _db.session.commit()
        key = cache_key("test", period)
        claimed_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
        _db.session.execute(update(ReportCache).where(ReportCache.key == key).values(refresh_started_at=claimed_at))
        _db.session.commit()

        # Another worker started two minutes ago: this one does not compute it as well.
        assert refresh_report("test", period, compute) is False
        assert computed == [period]

        # A claim from an hour ago died with its worker: the refresh goes ahead and clears it.
        _db.session.execute(
            update(ReportCache)
            .where(ReportCache.key == key)
            .values(refresh_started_at=claimed_at - dt.timedelta(hours=1))
        )
        _db.session.commit()
        assert refresh_report("test", period, compute) is True
        row = _db.session.execute(select(ReportCache.payload, ReportCache.refresh_started_at)).one()
        assert row == ({"n": 2}, None)
        _db.session.remove()


def test_a_refresh_on_sqlite_lets_others_save_while_it_counts(live):
    """Counting a big year takes seconds; a register saved meanwhile must not wait for it (or
    fail with "database is locked")."""
    app, _manager, session_id = live
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("PostgreSQL readers never block writers")
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    period = Period.of(YEAR, CALENDAR)
    saved = []

    def compute(_period):
        # While the refresh is reading, another connection saves, giving up after half a second.
        def save():
            connection = sqlite3.connect(path, timeout=0.5, isolation_level=None)
            try:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("UPDATE sessions SET notes = 'saved meanwhile' WHERE id = ?", (session_id,))
                connection.execute("COMMIT")
                saved.append(True)
            except sqlite3.OperationalError as error:
                saved.append(str(error))
            finally:
                connection.close()

        writer = threading.Thread(target=save)
        writer.start()
        writer.join()
        return {"counted": True}

    with app.app_context():
        cached_report("test", period, lambda _p: {"counted": False})
        _db.session.commit()
        assert refresh_report("test", period, compute) is True
        assert saved == [True]
        assert _db.session.scalar(select(ReportCache.payload)) == {"counted": True}
        _db.session.remove()
