"""Benchmarks behind `make bench`: how fast the key pages are with a realistic amount of data.

For each database (SQLite always; PostgreSQL when it answers) and each size, this migrates an
empty database, fills it with `crm.seed`, signs a manager in through the real sign-in form and
times each operation in bench/operations.py through the Flask test client: warm-up requests
first, then N timed ones, reporting p50 and p95 in milliseconds and the SQL statements each
request ran. It prints one table and writes it as JSON to bench/results/. Settings come from the
environment; see bench/README.md.
"""

from __future__ import annotations

import gc
import json
import math
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from bench.operations import OPERATIONS, BenchError, Context, Operation, prepare
from crm import create_app
from crm.config import TestConfig, normalise_database_url
from crm.extensions import db
from crm.seed import PARTICIPATIONS_PER_PERSON, analyse, seed

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SESSIONS_PER_PERSON = 1 / 20
YEAR_OPERATIONS = (
    "annual dashboard",
    "annual dashboard, first view after a change",
    "annual dashboard, counted in full (background refresh)",
    "annual report JSON",
    "sign in",
)
TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)


# Settings ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    name: str
    people: int
    per_person: float = PARTICIPATIONS_PER_PERSON
    # How many years the sessions span, and (if given) the only operations timed at this size.
    years: int = 5
    operations: tuple[str, ...] = ()

    @property
    def participations(self) -> int:
        return round(self.people * self.per_person)

    @property
    def sessions(self) -> int:
        return max(20, round(self.people * SESSIONS_PER_PERSON))

    def __str__(self) -> str:
        return f"{self.name} ({self.people:,} people, {self.participations:,} participations)"


@dataclass(frozen=True)
class Settings:
    sizes: list[Size]
    databases: list[str]
    postgres_url: str
    repeat: int
    warmup: int
    # When given, the only operations timed (at every size).
    operations: tuple[str, ...] = ()

    @classmethod
    def from_environment(cls, env=os.environ) -> Settings:
        known = {
            "small": Size("small", int(env.get("BENCH_SMALL", 10_000))),
            "large": Size("large", int(env.get("BENCH_LARGE", 100_000))),
            # One year holding over a million participation rows, for the annual dashboard.
            "year": Size("year", int(env.get("BENCH_YEAR", 100_000)), 11.5, years=1, operations=YEAR_OPERATIONS),
        }
        names = [name.strip() for name in env.get("BENCH_SIZES", "small,large").split(",") if name.strip()]
        unknown = [name for name in names if name not in known]
        if unknown or not names:
            raise SystemExit(f"BENCH_SIZES must list small, large and/or year, not {env.get('BENCH_SIZES')!r}")
        databases = [name.strip() for name in env.get("BENCH_DATABASES", "sqlite,postgresql").split(",")]
        chosen = tuple(name.strip() for name in env.get("BENCH_OPERATIONS", "").split(";") if name.strip())
        known_operations = {op.name for op in OPERATIONS}
        if any(name not in known_operations for name in chosen):
            wrong = ", ".join(repr(name) for name in chosen if name not in known_operations)
            raise SystemExit(f"BENCH_OPERATIONS names operations the bench does not have: {wrong}")
        return cls(
            sizes=[known[name] for name in names],
            databases=[name for name in databases if name in ("sqlite", "postgresql")],
            postgres_url=env.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432").rstrip("/"),
            repeat=int(env.get("BENCH_REPEAT", 30)),
            warmup=int(env.get("BENCH_WARMUP", 3)),
            operations=chosen,
        )


# Measuring --------------------------------------------------------------------------------------


class QueryCounter:
    """Counts the SQL statements an engine runs (not BEGIN/COMMIT, which only some drivers send
    as statements), so the figure is comparable between SQLite and PostgreSQL."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _connection, _cursor, statement, *_args) -> None:
        if not TRANSACTION_CONTROL.match(statement):
            self.count += 1

    def close(self) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._seen)


class FullCollections:
    """Counts Python's full (generation 2) garbage collections. Each pauses the request it falls
    in, so they explain most p95 outliers; production workers pause the same way."""

    def __init__(self):
        self.count = 0
        gc.callbacks.append(self._seen)

    def _seen(self, phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            self.count += 1

    def close(self) -> None:
        gc.callbacks.remove(self._seen)


@dataclass
class Timing:
    operation: str
    samples_ms: list[float]
    queries: list[int]
    # Full garbage collections during each timed request.
    collections: list[int] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    @property
    def query_count(self) -> int:
        return max(self.queries)


def measure(op: Operation, ctx: Context, engine: sa.Engine, repeat: int = 30, warmup: int = 3) -> Timing:
    """Run the operation warmup + repeat times; time only the requests after the warm-up."""
    counter, collections = QueryCounter(engine), FullCollections()
    samples, queries, paused = [], [], []
    try:
        for attempt in range(warmup + repeat):
            request = op.prepare(ctx)
            counter.count = collections.count = 0
            started = time.perf_counter()
            response = request()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != op.expect:
                raise BenchError(f"{op.name}: status {response.status_code}, expected {op.expect}")
            if op.contains and op.contains not in response.get_data(as_text=True):
                raise BenchError(f"{op.name}: the response does not contain {op.contains!r}")
            if attempt >= warmup:
                samples.append(elapsed)
                queries.append(counter.count)
                paused.append(collections.count)
    finally:
        counter.close()
        collections.close()
    return Timing(op.name, samples, queries, paused)


# Databases --------------------------------------------------------------------------------------


def bench_config(url: str) -> TestConfig:
    return TestConfig(SQLALCHEMY_DATABASE_URI=url)


@contextmanager
def sqlite_database() -> Iterator[str]:
    folder = tempfile.mkdtemp(prefix="crm-bench-")
    try:
        yield f"sqlite:///{folder}/bench.sqlite"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def postgres_reachable(server_url: str) -> bool:
    engine = sa.create_engine(normalise_database_url(f"{server_url}/postgres"), connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


@contextmanager
def postgres_database(server_url: str, name: str = "crm_bench") -> Iterator[str]:
    admin = sa.create_engine(normalise_database_url(f"{server_url}/postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield f"{server_url}/{name}"
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def settle(engine: sa.Engine) -> None:
    """On PostgreSQL, do now what autovacuum does in a default installation soon after a bulk
    load (and what it may never do on a server where it is switched off): mark the new rows
    visible to all, so queries answered from an index alone (counts of people by type or
    consent) need not visit the table. The figures then show the database as it runs day to
    day, not as it is in its first minutes after seeding. Not part of the seeding time."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


def run_size(database: str, url: str, size: Size, settings: Settings, log: Callable[[str], None]) -> dict:
    load = os.getloadavg()[0]
    app = create_app(bench_config(url))
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        counts = seed(size.people, size.sessions, size.participations, random_seed=1, years=size.years)
        db.session.commit()
        analyse()
        db.session.commit()
        seconds = time.perf_counter() - started
        engine = db.engine
        settle(engine)
    log(f"{database}, {size}: seeded in {seconds:.1f} s")
    ctx = prepare(app)
    # As gunicorn.conf.py does in production once the app is loaded: what exists now (the app,
    # and here the seeding's leftovers too) is moved out of the garbage collector's sight, so a
    # full collection during a request scans only what requests create.
    gc.collect()
    gc.freeze()
    timings = []
    for op in OPERATIONS:
        if size.operations and op.name not in size.operations:
            continue
        if settings.operations and op.name not in settings.operations:
            continue
        repeat, warmup = settings.repeat, settings.warmup
        if op.max_repeat:
            repeat, warmup = min(repeat, op.max_repeat), min(warmup, 1)
        timing = measure(op, ctx, engine, repeat, warmup)
        log(f"  {op.name}: p50 {timing.p50:.1f} ms, p95 {timing.p95:.1f} ms, {timing.query_count} queries")
        timings.append(timing)
    engine.dispose()
    gc.unfreeze()
    return {
        "database": database,
        "size": size.name,
        "people": size.people,
        "sessions": size.sessions,
        "participations": counts.get("participations", 0),
        "seed_seconds": round(seconds, 1),
        # Other work on the machine makes the timings noisier; this shows how busy it was.
        "load_average_before": round(load, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "facts": ctx.facts,
        "timings": timings,
    }


# Reporting --------------------------------------------------------------------------------------


def rows_for(runs: list[dict]) -> list[dict]:
    """One row per operation, database and size; large rows carry the large/small p95 ratio."""
    p95 = {(run["database"], run["size"], t.operation): t.p95 for run in runs for t in run["timings"]}
    rows = []
    for op in OPERATIONS:
        for run in runs:
            timing = next((t for t in run["timings"] if t.operation == op.name), None)
            if timing is None:
                continue
            small = p95.get((run["database"], "small", op.name))
            ratio = timing.p95 / small if run["size"] == "large" and small else None
            rows.append(
                {
                    "operation": op.name,
                    "database": run["database"],
                    "size": f"{run['size']} ({run['people'] // 1000}k)",
                    "p50_ms": round(timing.p50, 1),
                    "p95_ms": round(timing.p95, 1),
                    "queries": timing.query_count,
                    "queries_vary": min(timing.queries) != max(timing.queries),
                    "requests": len(timing.samples_ms),
                    "requests_with_full_gc": sum(1 for count in timing.collections if count),
                    "ratio_p95_large_small": round(ratio, 2) if ratio else None,
                }
            )
    return rows


def table(rows: list[dict]) -> str:
    headers = ["operation", "database", "size", "p50 ms", "p95 ms", "queries", "p95 large/small"]
    cells = [
        [
            row["operation"],
            row["database"],
            row["size"],
            f"{row['p50_ms']:.1f}",
            f"{row['p95_ms']:.1f}",
            f"{row['queries']}{'*' if row['queries_vary'] else ''}",
            f"{row['ratio_p95_large_small']:.2f}" if row["ratio_p95_large_small"] else "",
        ]
        for row in rows
    ]
    widths = [max(len(str(line[i])) for line in [headers, *cells]) for i in range(len(headers))]
    numeric = {3, 4, 5, 6}

    def line(values) -> str:
        return "  ".join(
            str(v).rjust(w) if i in numeric else str(v).ljust(w) for i, (v, w) in enumerate(zip(values, widths))
        )

    out = [line(headers), "  ".join("-" * w for w in widths)]
    previous = None
    for values in cells:
        if previous is not None and values[0] != previous:
            out.append("")
        out.append(line(values))
        previous = values[0]
    if any(row["queries_vary"] for row in rows):
        out.append("* the number of queries varied between repetitions; the highest is shown")
    paused = sum(row.get("requests_with_full_gc", 0) for row in rows)
    if paused:
        total = sum(row.get("requests", 0) for row in rows)
        out.append(
            f"Python ran a full garbage collection during {paused} of {total} timed requests; "
            "those pauses are most of the p95 outliers (see the JSON for each operation)."
        )
    return "\n".join(out)


def main() -> int:
    settings = Settings.from_environment()
    started_at = datetime.now(UTC)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    targets = []
    if "sqlite" in settings.databases:
        targets.append(("sqlite", sqlite_database))
    if "postgresql" in settings.databases:
        if postgres_reachable(settings.postgres_url):
            targets.append(("postgresql", lambda: postgres_database(settings.postgres_url)))
        else:
            log(f"PostgreSQL does not answer at {settings.postgres_url}: benchmarking SQLite only.")
    runs = []
    for database, fresh in targets:
        for size in settings.sizes:
            with fresh() as url:
                runs.append(run_size(database, url, size, settings, log))
    rows = rows_for(runs)
    print(table(rows))
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{started_at:%Y%m%d-%H%M%S}.json"
    document = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "repeat": settings.repeat,
        "warmup": settings.warmup,
        "python": sys.version.split()[0],
        "runs": [
            {key: value for key, value in run.items() if key != "timings"}
            | {"samples_ms": {t.operation: [round(s, 2) for s in t.samples_ms] for t in run["timings"]}}
            for run in runs
        ],
        "results": rows,
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nWritten to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
