"""Configuration. This module is the only place that reads environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class ConfigError(RuntimeError):
    """Raised when the environment does not provide what the chosen configuration needs."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings shared by every environment; subclasses adjust them."""

    ENV_NAME = "production"
    TESTING = False
    DEBUG = False

    SQLALCHEMY_RECORD_QUERIES = False

    SESSION_COOKIE_NAME = "crm_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12
    REMEMBER_COOKIE_DURATION = 0

    WTF_CSRF_TIME_LIMIT = 60 * 60 * 8
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "moving-window"
    # Sign-in attempts allowed per account and per address before a pause.
    LOGIN_LIMIT_PER_ACCOUNT = "10 per 15 minutes"
    LOGIN_LIMIT_PER_IP = "30 per 15 minutes"

    SETUP_LINK_MAX_AGE = 60 * 60 * 24
    PER_PAGE = 25
    # A cached report that took at least this long to compute (ms) is not recomputed inside a page
    # view when the data changes: the page shows the figures it has, marked with their time,
    # while a background refresh computes new ones (crm/queries/report_cache.py).
    REPORT_INLINE_MS = 200
    # The largest request accepted: uploaded reports (up to 5 MB) and the form around them.
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024
    SERVICE_NAME = "Co-production CRM"
    BASE_URL = "http://127.0.0.1:5000"

    def __init__(self, instance_path: str | None = None) -> None:
        self.instance_path = instance_path
        env = os.environ
        self.SECRET_KEY = env.get("SECRET_KEY") or self.default_secret_key()
        if not self.SECRET_KEY:
            raise ConfigError(
                "SECRET_KEY is not set. Set it to a long random string "
                "(python -c 'import secrets; print(secrets.token_hex(32))'), "
                "or set CRM_ENV=development for a local setup."
            )
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(env.get("DATABASE_URL") or self.default_database_url())
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI", "memory://")
        self.BASE_URL = env.get("BASE_URL", self.BASE_URL).rstrip("/")
        if "SESSION_COOKIE_SECURE" in env:
            self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
        self.LOG_LEVEL = env.get("LOG_LEVEL", "INFO")
        try:
            self.REPORT_INLINE_MS = int(env.get("REPORT_INLINE_MS") or self.REPORT_INLINE_MS)
        except ValueError as error:
            raise ConfigError("REPORT_INLINE_MS must be a number of milliseconds, like 200") from error
        # How many reverse proxies (nginx, a load balancer) stand in front and set X-Forwarded-For
        # and X-Forwarded-Proto: their word is taken for the client's address (rate limits) and
        # for https. 0 (the default) trusts no forwarded header.
        try:
            self.TRUSTED_PROXIES = int(env.get("TRUSTED_PROXIES") or 0)
        except ValueError as error:
            raise ConfigError("TRUSTED_PROXIES must be a number of proxies, like 1") from error
        # Outgoing email. No SMTP_HOST: messages stay in the outbox, readable in the app.
        self.SMTP_HOST = env.get("SMTP_HOST") or None
        try:
            self.SMTP_PORT = int(env.get("SMTP_PORT") or 587)
        except ValueError as error:
            raise ConfigError("SMTP_PORT must be a port number, like 587") from error
        self.SMTP_USERNAME = env.get("SMTP_USERNAME") or None
        self.SMTP_PASSWORD = env.get("SMTP_PASSWORD") or None
        self.SMTP_STARTTLS = _bool("SMTP_STARTTLS", True)
        self.MAIL_FROM = env.get("MAIL_FROM") or f"{self.SERVICE_NAME} <no-reply@localhost>"

    def default_secret_key(self) -> str | None:
        return None

    def default_database_url(self) -> str:
        return f"sqlite:///{Path(self.instance_path or 'instance') / 'crm.sqlite'}"


class DevelopmentConfig(Config):
    """Local use with `make run`: a generated secret kept in instance/, plain-HTTP cookies."""

    ENV_NAME = "development"
    SESSION_COOKIE_SECURE = False

    def default_secret_key(self) -> str:
        folder = Path(self.instance_path or "instance")
        folder.mkdir(parents=True, exist_ok=True)
        key_file = folder / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        return key_file.read_text().strip()


class TestConfig(Config):
    """Tests: a fixed secret, plain-HTTP cookies, the database from TEST_DATABASE_URL."""

    __test__ = False  # not a pytest test class, despite the name

    ENV_NAME = "test"
    TESTING = True
    SESSION_COOKIE_SECURE = False
    RATELIMIT_ENABLED = True

    def __init__(self, instance_path: str | None = None, **overrides) -> None:
        super().__init__(instance_path)
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            overrides.pop("SQLALCHEMY_DATABASE_URI", None) or os.environ.get("TEST_DATABASE_URL") or "sqlite://"
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.SMTP_HOST = None  # tests that deliver mail start their own SMTP server
        for key, value in overrides.items():
            setattr(self, key, value)

    def default_secret_key(self) -> str:
        return "test-secret-key-not-for-production"


CONFIGS = {"production": Config, "development": DevelopmentConfig, "test": TestConfig}


def config_from_environment(instance_path: str) -> Config:
    name = os.environ.get("CRM_ENV", "development").strip().lower()
    if name not in CONFIGS:
        raise ConfigError(f"CRM_ENV must be one of {', '.join(CONFIGS)}, not {name!r}.")
    return CONFIGS[name](instance_path)


def engine_options(url: str) -> dict:
    """Connection settings per database. PostgreSQL's JIT compiler is switched off: the CRM's
    queries are short, and compiling them cost more than running them (find people went from
    about 40 ms to 390 ms with JIT on, at 100,000 people)."""
    # hide_parameters: database errors in the logs name the statement, never the values in it.
    options: dict = {"pool_pre_ping": True, "hide_parameters": True}
    if url.startswith("postgresql"):
        options["connect_args"] = {"options": "-c jit=off"}
    return options


def normalise_database_url(url: str) -> str:
    """Accept the common postgres:// spellings and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
