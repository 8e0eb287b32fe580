"""Organisations: list and search, profile, add, edit."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.forms.organisations import OrganisationForm
from crm.models import Organisation
from crm.models.enums import OrganisationType
from crm.permissions import ORGANISATIONS_EDIT, ORGANISATIONS_VIEW, requires
from crm.queries.organisations import organisation_people, organised_sessions, search_organisations
from crm.queries.pagination import paginate, parse_page_args
from crm.services import organisations as organisations_service
from crm.views.helpers import commit_or_show_errors, get_or_404

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


@bp.get("/")
@requires(ORGANISATIONS_VIEW)
def index():
    page, per_page = parse_page_args(request.args, current_app.config["PER_PAGE"])
    query = search_organisations(request.args.get("q"), type=request.args.get("type") or None)
    results = paginate(query, page, per_page, scalars=False, key=Organisation.id)
    return render_template("organisations/index.html", results=results, organisation_types=OrganisationType)


@bp.route("/new", methods=["GET", "POST"])
@requires(ORGANISATIONS_EDIT)
def new():
    form = OrganisationForm()
    if form.validate_on_submit():
        with commit_or_show_errors(form) as outcome:
            organisation = organisations_service.create_organisation(form.organisation_data(), current_user)
        if outcome.saved:
            flash(f"{organisation.name} has been added.", "success")
            return redirect(url_for("organisations.show", organisation_id=organisation.id))
    return render_template("organisations/form.html", form=form, organisation=None)


@bp.get("/<int:organisation_id>")
@requires(ORGANISATIONS_VIEW)
def show(organisation_id: int):
    organisation = get_or_404(Organisation, organisation_id)
    page, per_page = parse_page_args(request.args, current_app.config["PER_PAGE"])
    people = paginate(organisation_people(organisation_id), page, per_page, scalars=False)
    sessions, sessions_total = organised_sessions(organisation_id)
    return render_template(
        "organisations/show.html",
        organisation=organisation,
        people=people,
        sessions=sessions,
        sessions_total=sessions_total,
    )


@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
@requires(ORGANISATIONS_EDIT)
def edit(organisation_id: int):
    organisation = get_or_404(Organisation, organisation_id)
    form = OrganisationForm(obj=organisation) if request.method == "GET" else OrganisationForm()
    if request.method == "GET":
        form.type.data = organisation.type.value
    if form.validate_on_submit():
        with commit_or_show_errors(form) as outcome:
            changed = organisations_service.update_organisation(organisation, form.organisation_data(), current_user)
        if outcome.saved:
            flash("Changes saved." if changed else "Nothing was changed.", "success")
            return redirect(url_for("organisations.show", organisation_id=organisation.id))
    return render_template("organisations/form.html", form=form, organisation=organisation)
