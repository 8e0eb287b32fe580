"""The production set-up: forwarded headers believed only from trusted proxies, and the
gunicorn settings the README promises."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from crm import create_app
from crm.config import ConfigError, TestConfig

ROOT = Path(__file__).resolve().parent.parent


def remote_address_seen(app, headers):
    seen = {}

    @app.get("/_probe_address")
    def probe():
        from flask import request

        seen["address"], seen["scheme"] = request.remote_addr, request.scheme
        return "ok"

    from crm.permissions import public

    public(probe)
    app.test_client().get("/_probe_address", headers=headers)
    return seen


FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


def test_forwarded_headers_are_ignored_unless_a_proxy_is_trusted():
    app = create_app(TestConfig())
    assert remote_address_seen(app, FORWARDED) == {"address": "127.0.0.1", "scheme": "http"}


def test_behind_a_trusted_proxy_the_client_address_and_https_are_believed():
    app = create_app(TestConfig(TRUSTED_PROXIES=1))
    assert remote_address_seen(app, FORWARDED) == {"address": "203.0.113.9", "scheme": "https"}


def test_a_bad_trusted_proxies_setting_is_refused_clearly(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "nginx")
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES must be a number"):
        TestConfig()


def test_gunicorn_settings_take_workers_from_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "4")
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:9000")
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["workers"] == 4 and settings["bind"] == "127.0.0.1:9000"
    assert settings["preload_app"] is True
    assert settings["accesslog"] is None  # the app logs each request itself
    assert callable(settings["when_ready"])
