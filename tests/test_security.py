"""Headers, cookies and error pages that protect families' data."""

from __future__ import annotations

import pytest
from flask import abort

from crm import create_app
from crm.config import Config, ConfigError, DevelopmentConfig, TestConfig
from crm.models.enums import Role
from crm.permissions import public
from tests.factories import PersonFactory


def test_pages_send_a_strict_content_security_policy(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'self'" in script_src
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_scripts(client, login_as):
    login_as(Role.ADMIN)
    page = client.get("/people/").get_data(as_text=True)
    for chunk in page.split("<script")[1:]:
        assert chunk.lstrip().startswith(("src=", 'type="module" src=')), chunk[:80]


def test_signed_in_pages_are_not_cached(client, login_as):
    login_as(Role.CHAMPION)
    person = PersonFactory()
    response = client.get(f"/people/{person.id}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_and_samesite_lax(client, db):
    from tests.factories import PASSWORD, UserFactory
    from tests.test_auth import sign_in

    UserFactory(email="c@example.org")
    db.session.commit()
    response = sign_in(client, "c@example.org", PASSWORD)
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and "crm_session" in v)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_needs_a_secret_key_and_uses_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        Config(str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    assert Config(str(tmp_path)).SESSION_COOKIE_SECURE is True
    assert DevelopmentConfig(str(tmp_path)).SESSION_COOKIE_SECURE is False


def test_development_secret_is_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = DevelopmentConfig(str(tmp_path)).SECRET_KEY
    assert len(first) >= 64
    assert DevelopmentConfig(str(tmp_path)).SECRET_KEY == first


def test_error_pages_are_styled_and_show_no_stack_trace():
    app = create_app(TestConfig(TESTING=False))

    @app.get("/boom")
    @public
    def boom():
        raise RuntimeError("secret internals")

    @app.get("/teapot")
    @public
    def teapot():
        abort(404)

    client = app.test_client()
    response = client.get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in body
    assert "secret internals" not in body and "Traceback" not in body
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "Page not found" in missing.get_data(as_text=True)


def test_api_errors_are_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_postgresql_connections_switch_off_jit():
    from crm.config import engine_options

    assert engine_options("postgresql+psycopg://db/crm")["connect_args"] == {"options": "-c jit=off"}
    assert "connect_args" not in engine_options("sqlite:///crm.sqlite")
