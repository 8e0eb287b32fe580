"""Accounts: the first administrator, signing in and out, throttling, passwords, sessions."""

from __future__ import annotations

import re

from crm.models import ApiToken, User
from crm.models.enums import Role
from tests.conftest import csrf_token
from tests.factories import PASSWORD, UserFactory


def sign_in(client, email, password, next_url=None):
    page = client.get("/sign-in")
    url = "/sign-in" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"csrf_token": csrf_token(page), "email": email, "password": password})


def setup_link(runner) -> str:
    result = runner.invoke(args=["crm", "setup-link"])
    assert result.exit_code == 0
    match = re.search(r"(/setup/\S+)", result.output)
    assert match, result.output
    return match.group(1)


def test_first_start_offers_a_one_time_link_to_create_the_administrator(client, runner, db):
    assert "There are no accounts yet" in client.get("/sign-in").get_data(as_text=True)
    link = setup_link(runner)
    page = client.get(link)
    assert "Create the first administrator" in page.get_data(as_text=True)
    response = client.post(
        link,
        data={
            "csrf_token": csrf_token(page),
            "name": "Sam Admin",
            "email": "Sam@Example.org",
            "new_password": "tide pool lantern kettle",
            "confirm_password": "tide pool lantern kettle",
        },
    )
    assert response.status_code == 302
    admin = db.session.query(User).one()
    assert (admin.email, admin.role) == ("sam@example.org", Role.ADMIN)
    assert "Hello, Sam Admin" in client.get("/home").get_data(as_text=True)
    # The link is spent: it no longer works, for anyone.
    again = client.get(link)
    assert again.status_code == 404
    assert "This set-up link does not work" in again.get_data(as_text=True)
    assert "Sign in at" in runner.invoke(args=["crm", "setup-link"]).output


def test_setup_link_rejects_tampering_and_expiry(client, runner, app, monkeypatch):
    link = setup_link(runner)
    assert client.get(link[:-3] + "xyz").status_code == 404
    monkeypatch.setitem(app.config, "SETUP_LINK_MAX_AGE", -1)
    assert client.get(link).status_code == 404


def test_setup_form_rejects_a_common_password_and_creates_nothing(client, runner, db):
    link = setup_link(runner)
    page = client.get(link)
    response = client.post(
        link,
        data={
            "csrf_token": csrf_token(page),
            "name": "Sam",
            "email": "sam@example.org",
            "new_password": "password123",
            "confirm_password": "password123",
        },
    )
    assert response.status_code == 200
    assert "too common" in response.get_data(as_text=True)
    assert db.session.query(User).count() == 0


def test_sign_in_and_out(client, db):
    UserFactory(email="chris@example.org", role=Role.COORDINATOR, name="Chris Coordinator")
    db.session.commit()
    response = sign_in(client, "Chris@Example.org", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/home"
    assert "Hello, Chris Coordinator" in client.get("/home").get_data(as_text=True)
    home = client.get("/home")
    response = client.post("/sign-out", data={"csrf_token": csrf_token(home)}, follow_redirects=True)
    assert "You have signed out" in response.get_data(as_text=True)
    assert client.get("/people/").status_code == 302


def test_wrong_password_and_unknown_account_get_the_same_message(client, db):
    UserFactory(email="chris@example.org")
    db.session.commit()
    wrong = sign_in(client, "chris@example.org", "not the password").get_data(as_text=True)
    unknown = sign_in(client, "nobody@example.org", "not the password").get_data(as_text=True)
    message = "Enter a correct email address and password"
    assert message in wrong and message in unknown


def test_disabled_account_cannot_sign_in(client, db):
    UserFactory(email="gone@example.org", enabled=False)
    db.session.commit()
    response = sign_in(client, "gone@example.org", PASSWORD)
    assert "Enter a correct email address and password" in response.get_data(as_text=True)


def test_sign_in_is_throttled_per_account(client, db, app):
    UserFactory(email="target@example.org")
    db.session.commit()
    limit = int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    for _ in range(limit):
        assert sign_in(client, "target@example.org", "guess").status_code == 200
    blocked = sign_in(client, "target@example.org", PASSWORD)
    assert blocked.status_code == 429
    assert "Too many sign-in attempts" in blocked.get_data(as_text=True)
    # Another account from the same address is not blocked by this account's limit.
    UserFactory(email="other@example.org")
    db.session.commit()
    assert sign_in(client, "other@example.org", PASSWORD).status_code == 302


def test_next_is_only_followed_to_a_local_path(client, db):
    UserFactory(email="chris@example.org")
    db.session.commit()
    assert sign_in(client, "chris@example.org", PASSWORD, "https://evil.example/").headers["Location"] == "/home"
    client.post("/sign-out", data={"csrf_token": csrf_token(client.get("/home"))})
    assert sign_in(client, "chris@example.org", PASSWORD, "//evil.example/x").headers["Location"] == "/home"
    client.post("/sign-out", data={"csrf_token": csrf_token(client.get("/home"))})
    assert sign_in(client, "chris@example.org", PASSWORD, "/people/").headers["Location"] == "/people/"


def test_signing_out_ends_the_session_on_every_device(app, db):
    laptop, phone = app.test_client(), app.test_client()
    UserFactory(email="pat@example.org")
    db.session.commit()
    assert sign_in(laptop, "pat@example.org", PASSWORD).status_code == 302
    assert sign_in(phone, "pat@example.org", PASSWORD).status_code == 302
    assert phone.get("/people/").status_code == 200
    laptop.post("/sign-out", data={"csrf_token": csrf_token(laptop.get("/home"))})
    assert phone.get("/people/").status_code == 302


def test_changing_password_signs_out_other_devices_but_not_this_one(app, db):
    laptop, phone = app.test_client(), app.test_client()
    UserFactory(email="pat@example.org")
    db.session.commit()
    sign_in(laptop, "pat@example.org", PASSWORD)
    sign_in(phone, "pat@example.org", PASSWORD)
    page = laptop.get("/account")
    response = laptop.post(
        "/account",
        data={
            "csrf_token": csrf_token(page),
            "current_password": PASSWORD,
            "new_password": "a brand new long passphrase",
            "confirm_password": "a brand new long passphrase",
        },
        follow_redirects=True,
    )
    assert "Your password has been changed" in response.get_data(as_text=True)
    assert laptop.get("/people/").status_code == 200
    assert phone.get("/people/").status_code == 302
    assert sign_in(app.test_client(), "pat@example.org", "a brand new long passphrase").status_code == 302


def test_change_password_needs_the_current_one(client, login_as):
    login_as(Role.CHAMPION)
    page = client.get("/account")
    response = client.post(
        "/account",
        data={
            "csrf_token": csrf_token(page),
            "current_password": "wrong",
            "new_password": "a brand new long passphrase",
            "confirm_password": "a brand new long passphrase",
        },
    )
    assert "Your current password is not correct" in response.get_data(as_text=True)


def test_cli_creates_users_and_tokens(runner, db):
    result = runner.invoke(
        args=["crm", "create-user", "Lee@Example.org", "--role", "manager", "--name", "Lee", "--password-stdin"],
        input="seaside walk at dawn\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.query(User).filter_by(email="lee@example.org").one()
    assert user.role == Role.MANAGER
    weak = runner.invoke(
        args=["crm", "create-user", "kim@example.org", "--role", "admin", "--password-stdin"], input="12345678\n"
    )
    assert weak.exit_code == 1 and "too common" in weak.output
    assert db.session.query(User).filter_by(email="kim@example.org").count() == 0
    token = runner.invoke(args=["crm", "create-token", "lee@example.org"]).output.strip()
    assert token.startswith("crm_") and len(token) > 30
    stored = db.session.query(ApiToken).one()
    assert stored.token_hash != token and token not in stored.token_hash
    missing = runner.invoke(args=["crm", "create-token", "nobody@example.org"])
    assert missing.exit_code == 1


def test_sign_in_is_throttled_per_address_across_accounts(client, app, db):
    UserFactory(email="someone@example.org")
    db.session.commit()
    limit = int(app.config["LOGIN_LIMIT_PER_IP"].split()[0])
    for number in range(limit):
        assert sign_in(client, f"guess{number}@example.org", "guess").status_code == 200
    blocked = sign_in(client, "yet-another@example.org", "guess")
    assert blocked.status_code == 429
    assert "Too many sign-in attempts" in blocked.get_data(as_text=True)


def test_error_summary_lists_problems_in_the_order_of_the_fields(client, runner):
    link = setup_link(runner)
    page = client.post(link, data={"csrf_token": csrf_token(client.get(link))}).get_data(as_text=True)
    summary = page[page.index("There is a problem") :]
    positions = [summary.index(text) for text in ("Enter your name", "Enter your email address", "Enter a password")]
    assert positions == sorted(positions)


def test_successful_sign_ins_do_not_count_towards_the_limit(app, db):
    UserFactory(email="busy@example.org")
    db.session.commit()
    limit = int(app.config["LOGIN_LIMIT_PER_IP"].split()[0])
    for _ in range(limit + 2):
        device = app.test_client()
        assert sign_in(device, "busy@example.org", PASSWORD).status_code == 302
