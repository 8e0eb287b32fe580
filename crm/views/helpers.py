"""Small things every view needs."""

from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import urlsplit

from flask import abort, flash
from werkzeug.routing import IntegerConverter

from crm.extensions import db
from crm.forms.common import apply_service_errors
from crm.services.errors import InvalidInput


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


class Outcome:
    saved = False


@contextmanager
def commit_or_show_errors(form=None, aliases: dict | None = None):
    """The request's one unit of work around a service call: commit when it succeeds; when it
    raises InvalidInput, roll back and put its messages on the form's fields (or in a banner
    when there is no form). Check `outcome.saved` afterwards."""
    outcome = Outcome()
    try:
        yield outcome
    except InvalidInput as error:
        db.session.rollback()
        if form is not None:
            apply_service_errors(form, error, aliases)
        else:
            flash(error.message, "error")
        return
    db.session.commit()
    outcome.saved = True
