"""The benchmark harness behind `make bench`, run against a tiny dataset. Speed targets belong
to `make bench`; these tests check that the harness measures what it says it does."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bench.operations import OPERATIONS, BenchError, Operation, prepare
from bench.run import Settings, Timing, measure, rows_for, table
from crm.models import Participation, Person, Session
from crm.seed import seed


@pytest.fixture
def bench(app, db):
    seed(60, 8, random_seed=2)
    db.session.commit()
    return prepare(app)


def by_name(name: str) -> Operation:
    return next(op for op in OPERATIONS if op.name == name)


def test_an_operation_reports_timings_and_the_queries_each_request_ran(bench, db):
    timing = measure(by_name("people list, page 1"), bench, db.engine, repeat=3, warmup=1)

    assert len(timing.samples_ms) == len(timing.queries) == len(timing.collections) == 3
    assert all(sample > 0 for sample in timing.samples_ms)
    assert timing.p95 >= timing.p50 > 0
    # At least: the signed-in user, the page of people, the count for the pager.
    assert timing.query_count >= 3


def test_every_registered_operation_runs_against_a_small_database(bench, db):
    names = [op.name for op in OPERATIONS]
    assert len(names) == len(set(names))

    for op in OPERATIONS:
        timing = measure(op, bench, db.engine, repeat=1, warmup=0)
        assert timing.query_count > 0, op.name


def test_the_facts_point_at_the_busiest_person_and_session(bench, db):
    facts = bench.facts

    def most(column, *where) -> int:
        counts = select(column, func.count().label("n")).join(Session).where(*where).group_by(column).subquery()
        return db.session.scalar(select(func.max(counts.c.n)))

    busiest = most(Participation.person_id)
    largest = most(Participation.session_id, Session.cancelled_at.is_(None), Session.date <= date.today())
    session = db.session.get(Session, facts["largest_session_id"])
    assert not session.cancelled and session.date <= date.today()
    assert facts["most_active_person_participations"] == busiest
    assert (
        db.session.scalar(select(func.count()).where(Participation.person_id == facts["most_active_person_id"]))
        == busiest
    )
    assert facts["largest_session_participations"] == largest
    assert facts["people"] == 60
    assert facts["people_pages"] == 3  # 25 a page
    assert facts["search_name"] == db.session.get(Person, facts["most_active_person_id"]).full_name


def test_an_operation_that_does_not_answer_as_expected_stops_the_run(bench, db):
    missing = Operation("a page that is not there", lambda ctx: lambda: ctx.client.get("/people/999999999"))

    with pytest.raises(BenchError, match="status 404, expected 200"):
        measure(missing, bench, db.engine, repeat=1, warmup=0)


def test_the_table_shows_the_large_to_small_ratio_of_p95():
    name = OPERATIONS[1].name
    runs = [
        {"database": "sqlite", "size": size, "people": people, "timings": [Timing(name, samples, [4, 4])]}
        for size, people, samples in (("small", 10_000, [10.0, 20.0]), ("large", 50_000, [15.0, 30.0]))
    ]

    rows = rows_for(runs)

    assert [(row["size"], row["p95_ms"], row["queries"]) for row in rows] == [
        ("small (10k)", 20.0, 4),
        ("large (50k)", 30.0, 4),
    ]
    assert rows[0]["ratio_p95_large_small"] is None
    assert rows[1]["ratio_p95_large_small"] == 1.5
    assert "1.50" in table(rows)


def test_bench_operations_picks_operations_by_name_and_refuses_unknown_ones():
    chosen = Settings.from_environment({"BENCH_OPERATIONS": "people list, page 1; annual report JSON"})
    assert chosen.operations == ("people list, page 1", "annual report JSON")
    assert Settings.from_environment({}).operations == ()
    with pytest.raises(SystemExit, match="'people lists'"):
        Settings.from_environment({"BENCH_OPERATIONS": "people lists"})
