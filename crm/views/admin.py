"""Administration (placeholder until built out)."""

from flask import Blueprint, render_template

from crm.permissions import LISTS_MANAGE, requires

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@requires(LISTS_MANAGE)
def index():
    return render_template("errors/error.html", status=200, title="Admin")
