"""Organisations (placeholder until built out)."""

from flask import Blueprint, render_template

from crm.permissions import ORGANISATIONS_VIEW, requires

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


@bp.get("/")
@requires(ORGANISATIONS_VIEW)
def index():
    return render_template("errors/error.html", status=200, title="Organisations")


@bp.get("/<int:organisation_id>")
@requires(ORGANISATIONS_VIEW)
def show(organisation_id: int):
    return render_template("errors/error.html", status=200, title="Organisation")
