"""How the API reports problems: always {"error": {"code", "message", "fields"}} with a status
that says whose problem it is (4xx: the request; the message says what to change)."""

from __future__ import annotations

from crm.api import api
from crm.errors import api_error
from crm.extensions import db
from crm.services.errors import Conflict, InvalidInput


class ApiError(Exception):
    """A request the API refuses; raised anywhere below a route, rendered as JSON."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


def not_found(what: str, object_id: int) -> ApiError:
    return ApiError(404, "not_found", f"There is no {what} with id {object_id}.")


def describe(fields: dict[str, str]) -> str:
    """One sentence naming every field to fix, for clients that only show the message."""
    if not fields:
        return "The input is not valid."
    return "Fix these fields: " + "; ".join(f"{name}: {text}" for name, text in fields.items())


@api.errorhandler(ApiError)
def refused(error: ApiError):
    db.session.rollback()
    return api_error(error.status, error.code, error.message, error.fields)


@api.errorhandler(InvalidInput)
def invalid_input(error: InvalidInput):
    db.session.rollback()
    return api_error(422, "invalid", describe(error.fields) if error.fields else error.message, error.fields)


@api.errorhandler(Conflict)
def conflict(error: Conflict):
    db.session.rollback()
    return api_error(
        409, "conflict", "Someone else changed this record at the same time. Fetch it again and repeat your change."
    )


@api.errorhandler(403)
def forbidden(error):
    return api_error(403, "forbidden", "Your account's role does not allow this. Ask an administrator if you need it.")
