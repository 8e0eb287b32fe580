"""Reading what a client sent: the JSON body, query parameters and page arguments.

Each helper either returns clean values or raises, naming the offending field and what to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import request
from werkzeug.datastructures import MultiDict

from crm.api.errors import ApiError
from crm.queries.pagination import MAX_PER_PAGE, parse_page_args
from crm.services.errors import InvalidInput

DEFAULT_PER_PAGE = 50
# Far past any real list, but small enough that the offset stays a sane number.
MAX_PAGE = 1_000_000
# The largest whole number the database columns hold (ids, capacities).
MAX_INTEGER = 2**31 - 1
READ_ONLY_MESSAGE = "This is set by the CRM and cannot be sent"


def json_object() -> dict[str, Any]:
    """The request body as a JSON object, or a 400 that says how to send one."""
    if not request.is_json:
        raise ApiError(400, "bad_request", "Send the body as JSON with the header 'Content-Type: application/json'.")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "bad_request", "The body is not valid JSON.")
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", 'Send a JSON object, like {"first_name": "Aisha"}.')
    return data


def unexpected_fields(data: Mapping[str, Any], allowed: Iterable[str], read_only: Iterable[str] = ()) -> dict[str, str]:
    """Problems for keys the endpoint does not accept, so a typo is not silently ignored."""
    allowed, read_only = set(allowed), set(read_only)
    problems = {}
    for key in data:
        if key in read_only:
            problems[key] = READ_ONLY_MESSAGE
        elif key not in allowed:
            problems[key] = f"Unknown field; use only {', '.join(sorted(allowed))}"
    return problems


def check_type(value: Any, kind: str) -> str | None:
    """What is wrong with `value` for a field of this kind, or None if it fits.

    Kinds: text, text_or_null, bool, int, int_or_null, list, object.
    """
    if kind == "text":
        return None if isinstance(value, str) else "Must be text"
    if kind == "text_or_null":
        return None if value is None or isinstance(value, str) else "Must be text or null"
    if kind == "bool":
        return None if isinstance(value, bool) else "Must be true or false"
    if kind in ("int", "int_or_null"):
        if value is None and kind == "int_or_null":
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            return "Must be a whole number" + (" or null" if kind == "int_or_null" else "")
        if not -MAX_INTEGER <= value <= MAX_INTEGER:
            return f"Must be a whole number no bigger than {MAX_INTEGER}"
        return None
    if kind == "list":
        return None if isinstance(value, list) else "Must be a list"
    if kind == "object":
        return None if isinstance(value, dict) else "Must be an object"
    raise ValueError(kind)


def check_types(data: Mapping[str, Any], kinds: Mapping[str, str]) -> dict[str, str]:
    problems = {}
    for key, kind in kinds.items():
        if key in data:
            problem = check_type(data[key], kind)
            if problem:
                problems[key] = problem
    return problems


def query_args(allowed: Iterable[str], unavailable: Mapping[str, str] | None = None) -> MultiDict:
    """The query parameters, refusing names the endpoint does not know (a typo would otherwise
    widen a search silently) and filters that are planned but not available yet."""
    allowed = set(allowed) | {"page", "per_page"}
    problems = {}
    for name in request.args:
        if unavailable and name in unavailable:
            problems[name] = unavailable[name]
        elif name not in allowed:
            problems[name] = f"Unknown parameter; use only {', '.join(sorted(allowed))}"
    if problems:
        raise InvalidInput(problems)
    return request.args


def page_args(args: Mapping[str, Any]) -> tuple[int, int]:
    """`page` (1 or more) and `per_page` (1 to 200, default 50); anything else is a 422."""
    problems = {}
    for name, high in (("page", MAX_PAGE), ("per_page", MAX_PER_PAGE)):
        if name not in args:
            continue
        raw = str(args.get(name)).strip()
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= high:
            problems[name] = f"Must be a whole number from 1 to {high}"
    if problems:
        raise InvalidInput(problems)
    return parse_page_args(args, DEFAULT_PER_PAGE)


def page_json(page, items: list[Any]) -> dict[str, Any]:
    return {"items": items, "page": page.page, "pages": page.pages, "total": page.total}


def run_service(problems: dict[str, str], write, rename: Mapping[str, str] | None = None):
    """Call the service even when the API has already found problems, so the client hears about
    every field at once (the API's own message wins for a field both name). Nothing is kept
    unless there were no problems at all: the error handlers roll back."""
    try:
        result = write()
    except InvalidInput as error:
        fields = {(rename or {}).get(key, key): message for key, message in error.fields.items()}
        raise InvalidInput({**fields, **problems}) from error
    if problems:
        raise InvalidInput(problems)
    return result


def enum_problem(value: Any, choices: list[str]) -> str | None:
    return None if value in choices else f"Use one of {', '.join(choices)}"


def id_by_name(model, name: str, what: str) -> tuple[int | None, str | None]:
    """The id of the list entry (ward, theme) with this name, ignoring case, or a problem."""
    from sqlalchemy import func, select

    from crm.extensions import db

    found = db.session.scalar(select(model.id).where(func.lower(model.name) == name.lower()))
    if found is None:
        return None, f"There is no {what} called {name!r}; use a {what} name from the list"
    return found, None
