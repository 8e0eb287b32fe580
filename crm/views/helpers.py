"""Small things every view needs."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort
from werkzeug.routing import IntegerConverter

from crm.extensions import db


def get_or_404(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def is_safe_next(target: str | None) -> bool:
    """Only follow `next` to a path on this site, never to another host or scheme."""
    if not target:
        return False
    parts = urlsplit(target)
    return (
        not parts.scheme
        and not parts.netloc
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
    )


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` in URLs, limited to 18 digits (ids a 64-bit column can hold), so
    /people/99999999999999999999 is a plain 404 rather than an overflow in the database driver."""

    regex = r"\d{1,18}"
