"""Find people: the coordinator's filter screen, its live count, saved searches and exports.

The filters are GET parameters (none of them personal); the free text (a name, email or phone)
is POSTed and kept under a key (crm.views.search_terms), so it never appears in a URL."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from crm.extensions import db
from crm.forms.common import EmptyForm
from crm.forms.find import SaveSearchForm
from crm.models import Organisation, SavedSearch, Session, Tag, Theme, Ward
from crm.models.enums import InvolvementLevel, PersonStatus, PersonType, TagCategory
from crm.permissions import INVITATIONS_SEND, PEOPLE_FIND, can, requires
from crm.queries.find_people import (
    FILTER_NAMES,
    NEEDS,
    NO_FACTS,
    SORT_LABELS,
    count_people,
    find_people_page,
    parse_filters,
    person_row_facts,
)
from crm.queries.pagination import parse_page_args
from crm.services import exports
from crm.services import saved_searches as saved_service
from crm.services.errors import InvalidInput
from crm.views import search_terms
from crm.views.invitations import MAX_INVITE_ALL

bp = Blueprint("find", __name__)

# Inviting is its own feature (crm/views/invitations.py); the selection form needs it.
INVITE_ENDPOINT = "invitations.invite"
SAVED_SHOWN = 50
UPCOMING_SHOWN = 100
NEED_LABELS = {
    "creche": "Needs a creche place",
    "step_free": "Needs step-free access",
    "interpreter": "Needs an interpreter",
}


def _filter_args() -> MultiDict:
    """The filters of this request: GET parameters, with the free text recalled from its key.
    A `q` typed into the URL is ignored, so the only way in for text is the POST."""
    args = MultiDict((name, value) for name, value in request.args.items(multi=True) if name in FILTER_NAMES)
    args.poplist("q")
    text = search_terms.recall(request.args.get("search"))
    if text:
        args["q"] = text
    return args


def _current_filters():
    filters, errors = parse_filters(_filter_args())
    return filters, errors


def _link_args(filters) -> dict[str, list[str]]:
    """Query parameters that reproduce these filters without the text (the key stands in)."""
    args = filters.params(include_text=False)
    key = request.args.get("search")
    if filters.q and key:
        args["search"] = [key]
    return args


def _choices():
    tags = db.session.scalars(select(Tag).order_by(Tag.category, func.lower(Tag.name))).all()
    return {
        "person_types": list(PersonType),
        "tag_groups": [(category, [t for t in tags if t.category == category]) for category in TagCategory],
        "wards": db.session.scalars(select(Ward).order_by(Ward.name)).all(),
        "organisations": db.session.execute(
            select(Organisation.id, Organisation.name).order_by(Organisation.name)
        ).all(),
        "statuses": list(PersonStatus),
        "needs": [(need, NEED_LABELS[need]) for need in NEEDS],
        "themes": db.session.scalars(select(Theme).order_by(Theme.name)).all(),
        "levels": list(InvolvementLevel),
        "sorts": list(SORT_LABELS.items()),
    }


def _upcoming_sessions():
    return db.session.scalars(
        select(Session)
        .where(Session.date >= date.today(), Session.cancelled_at.is_(None))
        .order_by(Session.date, Session.start_time, Session.id)
        .limit(UPCOMING_SHOWN)
    ).all()


@bp.get("/find")
@requires(PEOPLE_FIND)
def index():
    saved_id = request.args.get("saved")
    if saved_id:
        return _run_saved(saved_id)
    filters, errors = _current_filters()
    page, per_page = parse_page_args(request.args, current_app.config["PER_PAGE"])
    results = None
    facts = {}
    if not errors:
        results = find_people_page(filters, page, per_page, bounded=True)
        facts = person_row_facts([p.id for p in results.items])
    can_invite = INVITE_ENDPOINT in current_app.view_functions and can(current_user, INVITATIONS_SEND)
    return render_template(
        "find/index.html",
        filters=filters,
        errors=errors,
        args=request.args,
        link_args=_link_args(filters),
        results=results,
        facts=facts,
        no_facts=NO_FACTS,
        save_form=SaveSearchForm(),
        can_invite=can_invite,
        invite_endpoint=INVITE_ENDPOINT,
        upcoming_sessions=_upcoming_sessions() if can_invite and results and results.items else [],
        **_choices(),
    )


def _saved_or_404(saved_id: str | None) -> SavedSearch:
    if not saved_id or not (saved_id.isascii() and saved_id.isdigit()) or int(saved_id) > 2**31 - 1:
        abort(404)
    saved = db.session.get(SavedSearch, int(saved_id))
    if saved is None:
        abort(404)
    return saved


def _run_saved(saved_id: str):
    saved = _saved_or_404(saved_id)
    args = {name: value for name, value in saved.filters.items() if name != "q"}
    text = saved.filters.get("q")
    key = search_terms.stash(text[0] if isinstance(text, list) and text else text if isinstance(text, str) else None)
    if key:
        args["search"] = key
    return redirect(url_for("find.index", **args))


@bp.post("/find/search")
@requires(PEOPLE_FIND)
def search():
    """The free-text box posts here; the other filters ride along as hidden fields."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    args = {name: request.form.getlist(name) for name in FILTER_NAMES if name != "q" and request.form.getlist(name)}
    key = search_terms.stash(request.form.get("q"))
    if key:
        args["search"] = [key]
    return redirect(url_for("find.index", **args))


@bp.get("/find/count")
@requires(PEOPLE_FIND)
def count():
    filters, errors = _current_filters()
    if errors:
        return jsonify({"count": None, "errors": errors}), 422
    total, more = count_people(filters, bounded=True)
    return jsonify({"count": total, "more": more})


@bp.post("/find/save")
@requires(PEOPLE_FIND)
def save():
    filters, errors = _current_filters()
    if errors:
        abort(400)
    form = SaveSearchForm()
    if form.validate_on_submit():
        try:
            saved = saved_service.save_search(form.name.data, filters, current_user)
        except InvalidInput as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(f"Search saved as ‘{saved.name}’.", "success")
    else:
        for messages in form.errors.values():
            for message in messages:
                flash(message if isinstance(message, str) else "Check the search's name", "error")
    return redirect(url_for("find.index", **_link_args(filters)))


@bp.get("/find/saved")
@requires(PEOPLE_FIND)
def saved():
    searches = db.session.scalars(select(SavedSearch).order_by(func.lower(SavedSearch.name)).limit(SAVED_SHOWN)).all()
    total = db.session.scalar(select(func.count()).select_from(SavedSearch)) or 0
    rows = []
    for saved_search in searches:
        filters, errors = parse_filters(saved_search.filters)
        # A search whose tag, ward or theme has since been removed cannot be counted as it was.
        count, more = (None, False) if errors else count_people(filters, bounded=True)
        rows.append((saved_search, count, more, errors))
    return render_template("find/saved.html", rows=rows, total=total, shown=SAVED_SHOWN, confirm_form=EmptyForm())


@bp.get("/find/saved/invite")
@requires(INVITATIONS_SEND)
def invite_saved():
    """Choose an upcoming session for everyone a saved search finds now, then confirm; the
    confirmation posts the search's filters to the invite action with `all=1`."""
    if not request.args.get("saved"):
        return redirect(url_for("find.saved"))
    saved = _saved_or_404(request.args.get("saved"))
    filters, errors = parse_filters(saved.filters)
    sessions = _upcoming_sessions()
    chosen_id = request.args.get("session_id", "")
    chosen = next((s for s in sessions if chosen_id.isdigit() and s.id == int(chosen_id)), None)
    count, more = (None, False) if errors else count_people(filters, bounded=True)
    return render_template(
        "find/invite_saved.html",
        saved=saved,
        errors=errors,
        count=count,
        more=more,
        hidden_filters=[] if errors else [(n, v) for n, values in filters.params().items() for v in values],
        sessions=sessions,
        chosen=chosen,
        choice_problem="session_id" in request.args and chosen is None,
        max_invite=MAX_INVITE_ALL,
        invite_endpoint=INVITE_ENDPOINT,
    )


@bp.post("/find/saved/delete")
@requires(PEOPLE_FIND)
def delete_saved():
    if not EmptyForm().validate_on_submit():
        abort(400)
    saved_id = request.form.get("saved_search_id", "")
    if not (saved_id.isascii() and saved_id.isdigit()) or int(saved_id) > 2**31 - 1:
        abort(404)
    saved_search = db.session.get(SavedSearch, int(saved_id))
    if saved_search is None:
        abort(404)
    name = saved_search.name
    saved_service.delete_saved_search(saved_search, current_user)
    db.session.commit()
    flash(f"The saved search ‘{name}’ has been deleted.", "success")
    return redirect(url_for("find.saved"))


def _export(file_format: str):
    # A POST (with CSRF) because an export writes an audit row; the filters stay in the URL.
    if not EmptyForm().validate_on_submit():
        abort(400)
    filters, errors = _current_filters()
    if errors:
        flash("Fix the filters before exporting: " + "; ".join(errors.values()), "error")
        return redirect(url_for("find.index", **_link_args(filters)))
    export = exports.export_people(filters, file_format, current_user)
    db.session.commit()
    response = current_app.response_class(export.content, mimetype=export.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/find/export.csv")
@requires(PEOPLE_FIND)
def export_csv():
    return _export("csv")


@bp.post("/find/export.xlsx")
@requires(PEOPLE_FIND)
def export_xlsx():
    return _export("xlsx")
