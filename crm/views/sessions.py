"""Sessions (placeholder until built out)."""

from flask import Blueprint, render_template

from crm.permissions import SESSIONS_EDIT, SESSIONS_VIEW, requires

bp = Blueprint("sessions", __name__, url_prefix="/sessions")


@bp.get("/")
@requires(SESSIONS_VIEW)
def index():
    return render_template("errors/error.html", status=200, title="Sessions")


@bp.get("/new")
@requires(SESSIONS_EDIT)
def new():
    return render_template("errors/error.html", status=200, title="New session")


@bp.get("/<int:session_id>")
@requires(SESSIONS_VIEW)
def show(session_id: int):
    return render_template("errors/error.html", status=200, title="Session")
