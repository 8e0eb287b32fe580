"""Benchmarks behind `make bench`: how fast the key pages are with a realistic amount of data.

For each database (SQLite always; PostgreSQL when it answers) and each size, this migrates an
empty database, fills it with `crm.seed`, signs a manager in through the real sign-in form and
times each operation through the Flask test client: warm-up requests first, then N timed ones,
reporting p50 and p95 in milliseconds and the SQL statements each request ran. It prints one
table and writes it as JSON to bench/results/. Settings come from the environment; see
bench/README.md.

An operation is one function, registered with `@operation(name)`: given the Context it does any
untimed preparation and returns the request to time (a function of no arguments returning the
response). Add one by writing such a function below.
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from crm import create_app
from crm.config import TestConfig, normalise_database_url
from crm.extensions import db
from crm.models import Participation, Person
from crm.models.enums import (
    InvolvementLevel,
    ParticipationSource,
    ParticipationStatus,
    Role,
    SessionFormat,
    SessionKind,
)
from crm.seed import analyse, seed

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
EMAIL = "manager@bench.example"
PASSWORD = "harbour-lantern-otter-pebble-91"  # noqa: S105 (an account in a throwaway database)
PARTICIPATIONS_PER_PERSON = 10
SESSIONS_PER_PERSON = 1 / 20
REGISTER_SIZE = 150
TEAMS_REPORT_ROWS = 300
TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)


# Settings ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    name: str
    people: int

    @property
    def participations(self) -> int:
        return self.people * PARTICIPATIONS_PER_PERSON

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

    @classmethod
    def from_environment(cls, env=os.environ) -> Settings:
        known = {
            "small": Size("small", int(env.get("BENCH_SMALL", 10_000))),
            "large": Size("large", int(env.get("BENCH_LARGE", 50_000))),
        }
        names = [name.strip() for name in env.get("BENCH_SIZES", "small,large").split(",") if name.strip()]
        unknown = [name for name in names if name not in known]
        if unknown or not names:
            raise SystemExit(f"BENCH_SIZES must list small and/or large, not {env.get('BENCH_SIZES')!r}")
        databases = [name.strip() for name in env.get("BENCH_DATABASES", "sqlite,postgresql").split(",")]
        return cls(
            sizes=[known[name] for name in names],
            databases=[name for name in databases if name in ("sqlite", "postgresql")],
            postgres_url=env.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432").rstrip("/"),
            repeat=int(env.get("BENCH_REPEAT", 30)),
            warmup=int(env.get("BENCH_WARMUP", 3)),
        )


# Operations -------------------------------------------------------------------------------------


class IsolatedClient(FlaskClient):
    """Each request in its own app context, as in production: a fresh `g` (the signed-in user is
    looked up again) and a fresh database session."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def new_client(app: Flask) -> FlaskClient:
    return IsolatedClient(app, app.response_class, use_cookies=True)


@dataclass
class Context:
    """What operations need: the app, a signed-in client, an API token and facts about the data."""

    app: Flask
    client: FlaskClient
    api_token: str
    facts: dict
    _once: dict = field(default_factory=dict)

    def once(self, key: str, make: Callable):
        """`make()` the first time it is asked for, then the same value (setup shared by repetitions)."""
        if key not in self._once:
            self._once[key] = make()
        return self._once[key]

    def csrf_token(self) -> str:
        return self.once("csrf", lambda: csrf_token(self.client.get("/people/new")))


@dataclass(frozen=True)
class Operation:
    name: str
    prepare: Callable[[Context], Callable]
    expect: int = 200
    # Text the response must contain, so an error page cannot pass for a fast success.
    contains: str | None = None


OPERATIONS: list[Operation] = []


def operation(name: str, *, expect: int = 200, contains: str | None = None):
    """Register an operation: a function taking the Context and returning the request to time."""

    def register(prepare: Callable[[Context], Callable]) -> Callable[[Context], Callable]:
        OPERATIONS.append(Operation(name, prepare, expect, contains))
        return prepare

    return register


def csrf_token(response) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', response.get_data(as_text=True))
    if not match:
        raise BenchError(f"no CSRF token on {response.request.path} (status {response.status_code})")
    return match.group(1)


@operation("sign in", expect=302)
def sign_in(ctx: Context):
    client = new_client(ctx.app)
    token = csrf_token(client.get("/sign-in"))
    return lambda: client.post("/sign-in", data={"csrf_token": token, "email": EMAIL, "password": PASSWORD})


@operation("people list, page 1", contains="people")
def people_first_page(ctx: Context):
    return lambda: ctx.client.get("/people/")


@operation("people list, page 500 (or the last)")
def people_deep_page(ctx: Context):
    page = min(500, ctx.facts["people_pages"])
    return lambda: ctx.client.get("/people/", query_string={"page": page})


@operation("people search by name")
def people_search(ctx: Context):
    return lambda: ctx.client.get("/people/", query_string={"q": ctx.facts["search_name"]})


@operation("person profile, most active person")
def person_profile(ctx: Context):
    return lambda: ctx.client.get(f"/people/{ctx.facts['most_active_person_id']}")


@operation("session page, largest session")
def session_page(ctx: Context):
    return lambda: ctx.client.get(f"/sessions/{ctx.facts['largest_session_id']}")


@operation("organisations list")
def organisations_list(ctx: Context):
    return lambda: ctx.client.get("/organisations/")


@operation("sessions list")
def sessions_list(ctx: Context):
    return lambda: ctx.client.get("/sessions/")


@operation("API people, type=parent_champion, 50 a page")
def api_people(ctx: Context):
    headers = {"Authorization": f"Bearer {ctx.api_token}"}
    query = {"type": "parent_champion", "per_page": 50}
    return lambda: ctx.client.get("/api/v1/people", query_string=query, headers=headers)


@operation(f"register save ({REGISTER_SIZE} people)", expect=302)
def register_save(ctx: Context):
    """Every row of a 150-person register changes (attended ↔ did not come) on each save."""
    session_id = ctx.once("register_session", lambda: register_session(ctx.app))
    with ctx.app.app_context():
        rows = db.session.execute(
            sa.select(
                Participation.person_id,
                Participation.status,
                Participation.role,
                Participation.minutes,
                Participation.creche_children,
            )
            .where(Participation.session_id == session_id)
            .order_by(Participation.person_id)
        ).all()
    data = {"csrf_token": ctx.csrf_token()}
    for index, row in enumerate(rows):
        attended = row.status == ParticipationStatus.ATTENDED
        data.update(
            {
                f"rows-{index}-person_id": str(row.person_id),
                f"rows-{index}-status": "no_show" if attended else "attended",
                f"rows-{index}-role": row.role.value,
                f"rows-{index}-minutes": "" if row.minutes is None else str(row.minutes),
                f"rows-{index}-creche_children": str(row.creche_children),
                f"rows-{index}-loaded_status": row.status.value,
                f"rows-{index}-loaded_role": row.role.value,
                f"rows-{index}-loaded_minutes": "" if row.minutes is None else str(row.minutes),
                f"rows-{index}-loaded_creche_children": str(row.creche_children),
            }
        )
    return lambda: ctx.client.post(f"/sessions/{session_id}/register", data=data)


@operation(f"Teams import preview ({TEAMS_REPORT_ROWS} rows)", contains='name="upload"')
def teams_import_preview(ctx: Context):
    session_id = ctx.once("register_session", lambda: register_session(ctx.app))
    report = ctx.once("teams_report", lambda: teams_report(ctx.app))

    def upload():
        data = {
            "csrf_token": ctx.csrf_token(),
            "file": (io.BytesIO(report), "meetingAttendanceReport.csv"),
            "format": "teams",
            "min_minutes": "",
        }
        return ctx.client.post(f"/sessions/{session_id}/import", data=data, content_type="multipart/form-data")

    return upload


def register_session(app: Flask) -> int:
    """A session today with REGISTER_SIZE people registered, as the register page would show it."""
    from crm.models import User
    from crm.services.participation import Mark, upsert_participations
    from crm.services.sessions import create_session

    with app.app_context():
        actor = db.session.scalar(sa.select(User).where(User.email == EMAIL))
        session = create_session(
            {
                "title": "Parent panel: shaping the Family Hub",
                "date": date.today(),
                "start_time": "10:00",
                "end_time": "12:00",
                "format": SessionFormat.IN_PERSON,
                "kind": SessionKind.PANEL,
                "involvement_level": InvolvementLevel.ENGAGING,
                "location": "The Forum, Southend",
                "capacity": 200,
            },
            actor,
        )
        people = db.session.scalars(sa.select(Person.id).order_by(Person.id).limit(REGISTER_SIZE)).all()
        marks = [Mark(person_id, ParticipationStatus.REGISTERED) for person_id in people]
        upsert_participations(session.id, marks, ParticipationSource.RSVP)
        db.session.commit()
        return session.id


def teams_report(app: Flask) -> bytes:
    """A Microsoft Teams attendance report (UTF-16, tab-separated) with TEAMS_REPORT_ROWS people:
    most known by email, some by name only ("Surname, First"), some guests nobody knows."""
    rng = random.Random(7)
    with app.app_context():
        known = db.session.execute(
            sa.select(Person.first_name, Person.last_name, Person.email)
            .where(Person.email.is_not(None))
            .order_by(Person.id)
            .limit(TEAMS_REPORT_ROWS * 20)
        ).all()
    chosen = rng.sample(known, min(len(known), TEAMS_REPORT_ROWS - 20))
    lines = [
        "1. Summary",
        "Meeting title\tParent panel: shaping the Family Hub",
        f"Attended participants\t{TEAMS_REPORT_ROWS}",
        "Start time\t14/03/2025, 09:59:02",
        "End time\t14/03/2025, 11:31:40",
        "",
        "2. Participants",
        "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole",
    ]
    for index, person in enumerate(chosen):
        minutes = rng.randint(5, 90)
        email = person.email if index % 7 else ""
        role = "Organizer" if index == 0 else "Attendee"
        lines.append(
            f"{person.last_name}, {person.first_name}\t14/03/2025, 10:00:00\t14/03/2025, 11:30:00\t"
            f"{minutes // 60}h {minutes % 60}m 0s\t{email}\t{email}\t{role}"
        )
    for guest in range(20):
        lines.append(f"Visitor {guest + 1} (Guest)\t14/03/2025, 10:01:00\t14/03/2025, 11:30:00\t1h 29m\t\t\tAttendee")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-16-le")


# Measuring --------------------------------------------------------------------------------------


class BenchError(RuntimeError):
    """An operation did not do what it should (so its timing would mean nothing)."""


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


@dataclass
class Timing:
    operation: str
    samples_ms: list[float]
    queries: list[int]

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
    counter = QueryCounter(engine)
    samples, queries = [], []
    try:
        for attempt in range(warmup + repeat):
            request = op.prepare(ctx)
            counter.count = 0
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
    finally:
        counter.close()
    return Timing(op.name, samples, queries)


# Preparing a database ---------------------------------------------------------------------------


def bench_config(url: str) -> TestConfig:
    return TestConfig(SQLALCHEMY_DATABASE_URI=url)


def prepare(app: Flask) -> Context:
    """Create the manager account and an API token, sign in through the form, find the facts."""
    from crm.services.users import create_api_token, create_user

    with app.app_context():
        user = create_user(EMAIL, "Bench Manager", Role.MANAGER, PASSWORD)
        token = create_api_token(user)
        db.session.commit()
        facts = study(app)
    client = new_client(app)
    page = client.get("/sign-in")
    response = client.post("/sign-in", data={"csrf_token": csrf_token(page), "email": EMAIL, "password": PASSWORD})
    if response.status_code != 302:
        raise BenchError(f"signing in failed with status {response.status_code}")
    return Context(app=app, client=client, api_token=token, facts=facts)


def study(app: Flask) -> dict:
    """Facts the operations need: the busiest person and session, how many pages of people."""
    busiest_person = db.session.execute(
        sa.select(Participation.person_id, sa.func.count().label("n"))
        .group_by(Participation.person_id)
        .order_by(sa.desc("n"), Participation.person_id)
        .limit(1)
    ).first()
    largest_session = db.session.execute(
        sa.select(Participation.session_id, sa.func.count().label("n"))
        .group_by(Participation.session_id)
        .order_by(sa.desc("n"), Participation.session_id)
        .limit(1)
    ).first()
    people = db.session.scalar(sa.select(sa.func.count()).select_from(Person))
    person = db.session.get(Person, busiest_person.person_id)
    return {
        "most_active_person_id": busiest_person.person_id,
        "most_active_person_participations": busiest_person.n,
        "largest_session_id": largest_session.session_id,
        "largest_session_participations": largest_session.n,
        "people": people,
        "people_pages": max(1, math.ceil(people / app.config["PER_PAGE"])),
        "search_name": person.full_name,
    }


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


def run_size(database: str, url: str, size: Size, settings: Settings, log: Callable[[str], None]) -> dict:
    load = os.getloadavg()[0]
    app = create_app(bench_config(url))
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        counts = seed(size.people, size.sessions, size.participations, random_seed=1)
        db.session.commit()
        analyse()
        db.session.commit()
        seconds = time.perf_counter() - started
        engine = db.engine
    log(f"{database}, {size}: seeded in {seconds:.1f} s")
    ctx = prepare(app)
    timings = []
    for op in OPERATIONS:
        timing = measure(op, ctx, engine, settings.repeat, settings.warmup)
        log(f"  {op.name}: p50 {timing.p50:.1f} ms, p95 {timing.p95:.1f} ms, {timing.query_count} queries")
        timings.append(timing)
    engine.dispose()
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
