"""`make load`: the CRM under gunicorn, driven by locust from another process on loopback.

For each database (PostgreSQL when it answers on 127.0.0.1:5432, and SQLite): a database of
its own (`crm_load`, created and dropped; a temporary SQLite file), migrated and seeded, four
gunicorn workers, then locust headless for LOAD_SECONDS with the mix in load/locustfile.py.
Reports requests/s, p95 and errors per operation; checks every register save is in the
database (0 lost writes) and that the server never said "database is locked". Then
load/two_servers.py checks that two servers on one PostgreSQL with Redis behave as one.

Settings (environment): LOAD_SECONDS (60), LOAD_USERS (20: 10 champions, 6 coordinators,
4 managers), LOAD_MAX_REQUESTS (20000), LOAD_PEOPLE (3000), LOAD_SESSIONS (300),
LOAD_DATABASES ("postgresql,sqlite"), LOAD_POSTGRES_URL (postgresql://postgres@127.0.0.1:5432).
Bounded: every run stops after LOAD_SECONDS or LOAD_MAX_REQUESTS; servers are stopped at the end.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "load" / "results"
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
USERS = int(os.environ.get("LOAD_USERS", "20"))
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "20000"))
PEOPLE = int(os.environ.get("LOAD_PEOPLE", "3000"))
SESSIONS = int(os.environ.get("LOAD_SESSIONS", "300"))
DATABASES = [d.strip() for d in os.environ.get("LOAD_DATABASES", "postgresql,sqlite").split(",") if d.strip()]
POSTGRES = os.environ.get("LOAD_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432").rstrip("/")
DATABASE_NAME = "crm_load"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def app_environment(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "FLASK_APP": "app.py",
        "CRM_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "SESSION_COOKIE_SECURE": "0",
        "DATABASE_URL": database_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("SMTP_HOST", None)
    env.update(extra)
    return env


def flask(env: dict, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [str(BIN / "flask"), *args], cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=900
    )
    if result.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def postgres_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            return True
    except OSError:
        return False


def postgres_admin(statement: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(f"{POSTGRES.replace('postgresql://', 'postgresql+psycopg://')}/postgres")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(statement)
    engine.dispose()


class Server:
    """gunicorn with the project's gunicorn.conf.py, on a loopback port, logging to a file."""

    def __init__(self, env: dict, workers: int, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        server_env = {**env, "GUNICORN_WORKERS": str(workers), "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "app:create_app()"],
            cwd=ROOT,
            env=server_env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:  # noqa: S310 - loopback
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise SystemExit(f"gunicorn did not become healthy in {timeout:.0f} s; see {self.log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def read_stats(prefix: Path) -> list[dict]:
    with open(f"{prefix}_stats.csv") as file:
        return list(csv.DictReader(file))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))] if ordered else 0.0


def server_log_figures(log: Path) -> dict:
    """From the app's request log: statuses, time spent in the app per endpoint (the client's
    figures add the wait for a free worker), and any "database is locked"."""
    text = log.read_text(errors="replace")
    statuses: dict[int, int] = {}
    durations: dict[str, list[float]] = {}
    for line in text.splitlines():
        if '"logger": "crm.request"' not in line:
            continue
        entry = json.loads(line)
        statuses[entry["status"]] = statuses.get(entry["status"], 0) + 1
        durations.setdefault(entry["endpoint"] or "(no route)", []).append(entry["duration_ms"])
    return {
        "database_is_locked": text.lower().count("database is locked"),
        "server_errors": sum(n for status, n in statuses.items() if status >= 500),
        "logged_requests": sum(statuses.values()),
        "in_app_ms": {
            endpoint: {"requests": len(values), "p50": percentile(values, 0.5), "p95": percentile(values, 0.95)}
            for endpoint, values in sorted(durations.items())
        },
    }


def run_database(kind: str, work: Path) -> dict:
    if kind == "postgresql":
        postgres_admin(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
        postgres_admin(f'CREATE DATABASE "{DATABASE_NAME}"')
        url = f"{POSTGRES}/{DATABASE_NAME}"
    else:
        url = f"sqlite:///{work / 'load.sqlite'}"
    env = app_environment(url)
    server = None
    try:
        print(f"== {kind}: migrating and seeding {PEOPLE:,} people, {SESSIONS:,} sessions", flush=True)
        flask(env, "db", "upgrade")
        flask(env, "crm", "seed", "--people", str(PEOPLE), "--sessions", str(SESSIONS), "--random-seed", "7")
        champions = USERS // 2
        coordinators = (USERS - champions) * 3 // 5
        managers = USERS - champions - coordinators
        plan = work / f"{kind}-plan.json"
        journal = work / f"{kind}-journal.jsonl"
        subprocess.run(
            [
                sys.executable, "-m", "load.prepare", str(plan),
                "--champions", str(champions), "--coordinators", str(coordinators), "--managers", str(managers),
            ],
            cwd=ROOT, env=env, check=True, timeout=300,
        )  # fmt: skip
        log = work / f"{kind}-gunicorn.log"
        server = Server(env, workers=4, log=log)
        server.wait_ready()
        print(f"== {kind}: gunicorn (4 workers) on {server.url}; locust, {USERS} users, {SECONDS} s", flush=True)
        prefix = work / f"{kind}-locust"
        started = time.monotonic()
        locust = subprocess.run(
            [
                str(BIN / "locust"), "-f", str(ROOT / "load" / "locustfile.py"), "--headless",
                "-u", str(USERS), "-r", str(max(USERS // 10, 1)), "-t", f"{SECONDS}s",
                "--host", server.url, "--csv", str(prefix), "--only-summary", "--stop-timeout", "10",
                "--loglevel", "WARNING",
            ],
            cwd=ROOT,
            env={**os.environ, "LOAD_PLAN": str(plan), "LOAD_JOURNAL": str(journal),
                 "LOAD_MAX_REQUESTS": str(MAX_REQUESTS)},
            capture_output=True, text=True, timeout=SECONDS + 120,
        )  # fmt: skip
        elapsed = time.monotonic() - started
        load_average = " ".join(f"{n:.1f}" for n in os.getloadavg())
        (work / f"{kind}-locust.out").write_text(locust.stdout + locust.stderr)
        server.stop()
        stats = read_stats(prefix)
        verified = subprocess.run(
            [sys.executable, "-m", "load.verify", str(plan), str(journal)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        writes = json.loads(verified.stdout.strip().splitlines()[-1]) if verified.stdout.strip() else {}
        total = next(row for row in stats if row["Name"] == "Aggregated")
        return {
            "database": kind,
            "seconds": round(elapsed, 1),
            "load_average": load_average,
            "requests": int(total["Request Count"]),
            "failures": int(total["Failure Count"]),
            "requests_per_second": round(float(total["Requests/s"]), 1),
            "p50_ms": float(total["50%"]),
            "p95_ms": float(total["95%"]),
            "operations": [
                {
                    "name": row["Name"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "p50_ms": float(row["50%"]),
                    "p95_ms": float(row["95%"]),
                }
                for row in stats
                if row["Name"] != "Aggregated"
            ],
            **server_log_figures(log),
            **writes,
        }
    finally:
        if server is not None:
            server.stop()
        if kind == "postgresql":
            postgres_admin(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')


def print_results(results: list[dict]) -> None:
    for result in results:
        print(
            f"\n{result['database']}: {result['requests']:,} requests in {result['seconds']} s, "
            f"{result['requests_per_second']} requests/s, "
            f"p50 {result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms, "
            f"{result['failures']} errors, {result['server_errors']} server errors (5xx), "
            f"{result['database_is_locked']} 'database is locked', "
            f"{result.get('register_saves', 0)} register saves with {result.get('lost_writes', '?')} lost writes"
        )
        print(f"  (load average {result['load_average']}: other work on this machine slows every figure)")
        print(f"  {'operation (at the client)':<28}{'requests':>10}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}")
        for op in result["operations"]:
            print(f"  {op['name']:<28}{op['requests']:>10}{op['failures']:>8}{op['p50_ms']:>9.0f}{op['p95_ms']:>9.0f}")
        print(f"  {'endpoint (time in the app)':<28}{'requests':>10}{'':>8}{'p50 ms':>9}{'p95 ms':>9}")
        for endpoint, figures in result["in_app_ms"].items():
            print(f"  {endpoint:<28}{figures['requests']:>10}{'':>8}{figures['p50']:>9.0f}{figures['p95']:>9.0f}")


def main() -> int:
    kinds = [k for k in DATABASES if k != "postgresql" or postgres_available()]
    if "postgresql" in DATABASES and "postgresql" not in kinds:
        print("PostgreSQL is not answering on 127.0.0.1:5432: SQLite only.")
    results = []
    with tempfile.TemporaryDirectory(prefix="crm-load-") as folder:
        work = Path(folder)
        for kind in kinds:
            results.append(run_database(kind, work))
        RESULTS.mkdir(exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        keep = RESULTS / stamp
        keep.mkdir()
        for path in work.iterdir():
            if path.suffix in (".log", ".out", ".csv", ".jsonl"):
                path.rename(keep / path.name)
        (RESULTS / f"{stamp}.json").write_text(json.dumps(results, indent=1))
    print_results(results)
    print(f"\nResults and logs: {RESULTS / stamp}.json and {keep}/")
    failed = [
        r["database"]
        for r in results
        if r["failures"]
        or r["server_errors"]
        or r["database_is_locked"]
        or r.get("lost_writes", 1)
        or not r.get("register_saves")
    ]
    pair = 0
    if "postgresql" in kinds and os.environ.get("LOAD_TWO_SERVERS", "1") == "1":
        print("\n== two app servers, one PostgreSQL, Redis rate limits", flush=True)
        pair = subprocess.run([sys.executable, "-m", "load.two_servers"], cwd=ROOT).returncode
    if failed:
        print(f"\nLOAD FAILED on: {', '.join(failed)}")
    return 1 if failed or pair else 0


if __name__ == "__main__":
    sys.exit(main())
