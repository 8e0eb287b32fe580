"""Two app servers (two gunicorn processes on different loopback ports) against one PostgreSQL
database, with rate limits in Redis, behave as one:

- a session signed in on one server works on the other;
- signing out on one ends the session on the other;
- failed sign-ins count across both: ten wrong passwords shared between them, and the next
  attempt on either is refused (429).

Run by `make load` (python -m load.two_servers). Uses its own database (crm_load_pair, created
and dropped) and Redis database LOAD_REDIS_URL (default redis://127.0.0.1:6379/14); each run
uses a new account and a made-up client address, so earlier runs' counts do not matter.
Exit 0 when every check holds."""

from __future__ import annotations

import os
import random
import re
import secrets
import sys
import tempfile
import time
from pathlib import Path

import requests

from load.run import POSTGRES, Server, app_environment, flask, postgres_admin, postgres_available

DATABASE_NAME = "crm_load_pair"
REDIS = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/14")
CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
FAILED_SIGN_IN = "Enter a correct email address and password"
TOO_MANY = "Too many sign-in attempts"


def csrf(page: requests.Response) -> str:
    match = CSRF.search(page.text)
    if not match:
        raise AssertionError(f"no CSRF token on {page.url}")
    return match.group(1)


def sign_in(browser: requests.Session, server: Server, email: str, password: str, client_ip: str):
    headers = {"X-Forwarded-For": client_ip}
    page = browser.get(f"{server.url}/sign-in", headers=headers, timeout=30)
    return browser.post(
        f"{server.url}/sign-in",
        data={"csrf_token": csrf(page), "email": email, "password": password},
        headers=headers,
        allow_redirects=False,
        timeout=30,
    )


def main() -> int:
    # In CI both must be there (.ci/run starts them); elsewhere the check is skipped without them.
    missing = 1 if os.environ.get("CI") == "true" else 0
    if not postgres_available():
        print("PostgreSQL is not answering on 127.0.0.1:5432; skipped.")
        return missing
    try:
        import redis

        redis.Redis.from_url(REDIS, socket_timeout=3).ping()
    except Exception as error:  # noqa: BLE001 - any failure means no Redis to test with
        print(f"Redis is not answering at {REDIS} ({type(error).__name__}); skipped.")
        return missing

    started = time.monotonic()
    postgres_admin(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
    postgres_admin(f'CREATE DATABASE "{DATABASE_NAME}"')
    checks: list[tuple[str, bool]] = []
    servers: list[Server] = []
    try:
        # One secret for both servers, as a deployment shares it; proxies trusted so each run
        # can say which client address it is.
        env = app_environment(
            f"{POSTGRES}/{DATABASE_NAME}", RATELIMIT_STORAGE_URI=REDIS, TRUSTED_PROXIES="1", GUNICORN_THREADS="1"
        )
        flask(env, "db", "upgrade")
        run = secrets.token_hex(4)
        email, password = f"pair.{run}@load.example", "Pair-" + secrets.token_urlsafe(16)
        target = f"target.{run}@load.example"
        for address in (email, target):
            flask(env, "crm", "create-user", address, "--role", "coordinator", "--password-stdin", stdin=password)
        work = Path(tempfile.mkdtemp(prefix="crm-pair-"))
        servers = [Server(env, workers=2, log=work / f"server-{n}.log") for n in (1, 2)]
        for server in servers:
            server.wait_ready()
        first, second = servers
        client_ip = f"198.51.100.{random.randint(1, 254)}"  # a documentation address, never contacted
        browser = requests.Session()

        signed_in = sign_in(browser, first, email, password, client_ip)
        checks.append(("sign in on server 1", signed_in.status_code == 302))
        on_second = browser.get(f"{second.url}/people/", allow_redirects=False, timeout=30)
        checks.append(("the session works on server 2", on_second.status_code == 200))

        page = browser.get(f"{second.url}/people/", timeout=30)
        out = browser.post(f"{second.url}/sign-out", data={"csrf_token": csrf(page)}, allow_redirects=False, timeout=30)
        checks.append(("sign out on server 2", out.status_code == 302))
        after = browser.get(f"{first.url}/people/", allow_redirects=False, timeout=30)
        checks.append(
            ("signed out on server 1 too", after.status_code == 302 and "/sign-in" in after.headers.get("Location", ""))
        )

        attacker = requests.Session()
        failures = []
        for attempt in range(10):
            server = servers[attempt % 2]
            response = sign_in(attacker, server, target, "wrong-password", client_ip)
            failures.append(response.status_code == 200 and FAILED_SIGN_IN in response.text)
        checks.append(("ten wrong passwords, five on each server, each refused", all(failures)))
        for name, server in (("server 1", first), ("server 2", second)):
            response = sign_in(attacker, server, target, "wrong-password", client_ip)
            checks.append(
                (
                    f"the next attempt on {name} is paused (429)",
                    response.status_code == 429 and TOO_MANY in response.text,
                )
            )
        right = sign_in(requests.Session(), first, target, password, client_ip)
        checks.append(("even the right password waits while paused", right.status_code == 429))
    finally:
        for server in servers:
            server.stop()
        postgres_admin(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')

    for name, ok in checks:
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    passed = sum(ok for _, ok in checks)
    print(f"two servers took {time.monotonic() - started:.0f} s")
    print(f"two-servers: {passed} passed, {len(checks) - passed} failed")
    return 0 if passed == len(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
