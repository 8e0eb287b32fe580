"""Structured request logs: one JSON line per request with its id, the user's id, the endpoint,
method, status and duration — and never personal data (search text, form values, emails)."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from crm.logging import REQUEST_ID_HEADER, JsonFormatter
from crm.models.enums import Role
from tests.factories import PersonFactory

FIELDS = {"time", "level", "logger", "event", "request_id", "user_id", "method", "endpoint", "status", "duration_ms"}


@pytest.fixture
def log_lines(caplog):
    """Every log line written during the test, as the production formatter writes it."""
    caplog.set_level(logging.DEBUG)
    formatter = JsonFormatter()

    def lines(logger: str | None = None) -> list[str]:
        return [formatter.format(r) for r in caplog.records if logger is None or r.name == logger]

    return lines


def request_lines(log_lines) -> list[dict]:
    return [json.loads(line) for line in log_lines("crm.request")]


def test_a_request_logs_one_line_with_exactly_the_agreed_fields(client, login_as, log_lines):
    user = login_as(Role.COORDINATOR)

    response = client.get("/people/")

    (line,) = request_lines(log_lines)
    assert set(line) == FIELDS
    assert line["event"] == "request" and line["logger"] == "crm.request" and line["level"] == "info"
    assert line["user_id"] == user.id
    assert (line["method"], line["endpoint"], line["status"]) == ("GET", "people.index", 200)
    assert isinstance(line["duration_ms"], float) and 0 <= line["duration_ms"] < 10_000
    assert line["request_id"] == response.headers[REQUEST_ID_HEADER]
    assert len(line["request_id"]) == 32


def test_signed_out_requests_and_unknown_pages_are_logged_without_a_user(client, log_lines):
    client.get("/people/")
    client.get("/no-such-page?email=someone@example.com")

    first, second = request_lines(log_lines)
    assert first["user_id"] is None and first["status"] == 302 and first["endpoint"] == "people.index"
    assert second["status"] == 404 and second["endpoint"] is None
    assert "someone@example.com" not in "\n".join(log_lines())


def test_a_proxy_request_id_is_kept_and_a_strange_one_replaced(client, log_lines):
    kept = client.get("/healthz", headers={REQUEST_ID_HEADER: "nginx-6f1c2a9e0b7d"})
    replaced = client.get("/healthz", headers={REQUEST_ID_HEADER: 'x" {"forged": 1}'})
    too_long = client.get("/healthz", headers={REQUEST_ID_HEADER: "a" * 500})

    assert kept.headers[REQUEST_ID_HEADER] == "nginx-6f1c2a9e0b7d"
    assert replaced.headers[REQUEST_ID_HEADER] != 'x" {"forged": 1}'
    assert len(too_long.headers[REQUEST_ID_HEADER]) == 32
    ids = [line["request_id"] for line in request_lines(log_lines)]
    assert ids == [response.headers[REQUEST_ID_HEADER] for response in (kept, replaced, too_long)]
    assert all("forged" not in line for line in log_lines())


def test_searching_for_a_person_never_puts_their_name_or_email_in_the_log(
    client, login_as, people_search, post_form, log_lines, db
):
    login_as(Role.COORDINATOR)
    PersonFactory(first_name="Siobhan", last_name="Okonkwo-Byrne", email="siobhan.ob@example.com")
    db.session.commit()

    page = people_search("Okonkwo-Byrne")
    assert "Siobhan" in page.get_data(as_text=True)
    people_search("siobhan.ob@example.com")
    post_form(
        "/people/new",
        {"first_name": "Zofia", "last_name": "Wiśniewska", "email": "zofia.w@example.com", "status": "active"},
    )

    written = "\n".join(log_lines())
    for personal in ("Siobhan", "Okonkwo", "siobhan.ob@example.com", "Zofia", "Wiśniewska", "zofia.w@"):
        assert personal not in written
    endpoints = [line["endpoint"] for line in request_lines(log_lines)]
    assert "people.search" in endpoints and "people.new" in endpoints


def test_errors_are_logged_as_json_with_their_type():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("crm.errors", logging.ERROR, __file__, 1, "Unhandled error", None, sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "error" and line["error"] == "ValueError" and "Traceback" in line["traceback"]
