"""Browser tests: Playwright drives Debian's Chromium against the app served on a free local port.

The app under test has its own SQLite file database (a real server thread cannot share the
rolled-back transaction the other tests use), so these tests create what they need through the
services and commit it.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from crm import create_app
from crm.config import TestConfig
from crm.extensions import db as _db
from crm.models.enums import Role
from tests.factories import PASSWORD

HERE = Path(__file__).parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MISSING_CHROMIUM = (
    "Browser tests need Chromium: install Debian's chromium package (apt-get install chromium) to run them."
)
# Screenshots for people to look at (not compared): /tmp/shots on Linux.
SHOTS = Path(tempfile.gettempdir()) / "shots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


def chromium_path() -> str | None:
    if os.path.exists("/usr/bin/chromium"):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@pytest.fixture(autouse=True)
def db():
    """Replaces the rolled-back `db` fixture: the live server must see the real session."""
    yield _db


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    database = tmp_path_factory.mktemp("live") / "crm.sqlite"
    app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}"))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app):
    """The base URL of the app, served by a real HTTP server in a background thread."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
            pytest.fail(MISSING_CHROMIUM + " (REQUIRE_BROWSER_TESTS=1 is set)", pytrace=False)
        pytest.skip(MISSING_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh desktop-sized browser tab (its own cookies) pointed at the live server."""
    context = browser.new_context(base_url=live_server, viewport=DESKTOP)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(scope="session")
def people(live_app):
    """A few people already in the live database, one with a long email address."""
    from crm.services.people import create_person

    rows = [
        {
            "first_name": "Grace",
            "last_name": "Adeyemi",
            "email": "grace.adeyemi@example.com",
            "phone": "07911 200300",
            "postcode": "SS0 7AB",
            "person_types": ["parent_champion"],
        },
        {
            "first_name": "Tomasz",
            "last_name": "Kowalski-Whitfield",
            "phone": "01702 215000",
            "email": "tomasz.kowalski-whitfield.family.account@example.com",
            "person_types": ["parent_carer", "volunteer"],
        },
        {
            "first_name": "Priya",
            "last_name": "Raman",
            "person_types": ["professional"],
            "email": "priya.raman@example.org",
        },
    ]
    with live_app.app_context():
        ids = [create_person(row, None).id for row in rows]
        _db.session.commit()
    return ids


_accounts = itertools.count(1)


@pytest.fixture
def staff_account(live_app):
    """Create a staff account in the live app's database; returns (email, password)."""
    from crm.services.users import create_user

    def make(role: Role = Role.COORDINATOR) -> tuple[str, str]:
        email = f"{role.value}{next(_accounts)}@example.org"
        with live_app.app_context():
            create_user(email, f"Test {role.label}", role, PASSWORD)
            _db.session.commit()
        return email, PASSWORD

    return make


@pytest.fixture
def sign_in(staff_account):
    """Sign in through the real sign-in form as a new account with `role`."""

    def go(page, role: Role = Role.COORDINATOR) -> str:
        email, password = staff_account(role)
        page.goto("/sign-in")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        assert "/sign-in" not in page.url, "signing in did not leave the sign-in page"
        return email

    return go


@pytest.fixture(scope="session")
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


BLOCKING_IMPACTS = ("serious", "critical")


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"    {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:200]}")
            if node.get("failureSummary"):
                lines.extend("        " + line for line in node["failureSummary"].splitlines())
    return "\n".join(lines)


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def assert_accessible(axe):
    """Run axe-core on the page; fail on serious or critical violations, print the rest."""

    def check(page, where: str) -> None:
        violations = axe.run(page).response["violations"]
        if violations:
            print(f"\naxe on {where} ({page.url}):\n{describe_violations(violations)}")
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, f"accessibility problems on {where}:\n{describe_violations(blocking)}"

    return check
