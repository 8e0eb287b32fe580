"""The error every service raises for input it cannot accept."""

from __future__ import annotations


class InvalidInput(Exception):
    """Input a person can fix. `fields` maps a field name to what is wrong with it."""

    def __init__(self, fields: dict[str, str] | None = None, message: str | None = None) -> None:
        self.fields = fields or {}
        self.message = message or "; ".join(self.fields.values()) or "The input is not valid"
        super().__init__(self.message)


class Conflict(Exception):
    """Someone else changed the record since it was loaded."""

    def __init__(
        self,
        message: str = "Someone else changed this record while you were editing "
        "it. Your changes have not been saved; check the latest details and try again.",
    ):
        self.message = message
        super().__init__(message)
