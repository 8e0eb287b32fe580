"""Sessions and the events that group them: lists, pages, add, edit, cancel and reinstate."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.extensions import db
from crm.forms.common import EmptyForm
from crm.forms.sessions import CancelSessionForm, EventForm, SessionForm
from crm.models import Event, Session
from crm.models.enums import InvolvementLevel, SessionKind
from crm.permissions import SESSIONS_EDIT, SESSIONS_VIEW, requires
from crm.queries.contributions import session_contributions
from crm.queries.organisations import organisation_choices
from crm.queries.pagination import paginate, parse_page_args
from crm.queries.register import attendance_counts
from crm.queries.sessions import (
    SessionFilters,
    event_choices,
    event_sessions,
    event_summaries,
    search_sessions,
    theme_choices,
)
from crm.services import sessions as sessions_service
from crm.views.helpers import commit_or_show_errors, get_or_404

bp = Blueprint("sessions", __name__, url_prefix="/sessions")


def _prepare(form: SessionForm) -> None:
    form.event_id.set_choices(event_choices())
    form.theme_id.set_choices(theme_choices())
    form.organiser_organisation_id.set_choices(organisation_choices())


@bp.get("/")
@requires(SESSIONS_VIEW)
def index():
    page, per_page = parse_page_args(request.args, current_app.config["PER_PAGE"])
    filters = SessionFilters.from_args(request.args)
    results = paginate(search_sessions(filters), page, per_page)
    return render_template(
        "sessions/index.html",
        results=results,
        filters=filters,
        themes=theme_choices(),
        events=event_choices(),
        organisations=organisation_choices(),
        kinds=SessionKind,
        levels=InvolvementLevel,
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(SESSIONS_EDIT)
def new():
    form = SessionForm()
    _prepare(form)
    if request.method == "GET":
        event_id = request.args.get("event_id", "")
        if event_id.isdigit() and db.session.get(Event, int(event_id)) is not None:
            form.event_id.data = int(event_id)
    if form.validate_on_submit():
        with commit_or_show_errors(form) as outcome:
            session = sessions_service.create_session(form.session_data(), current_user)
        if outcome.saved:
            flash(f"{session.title} has been added.", "success")
            return redirect(url_for("sessions.show", session_id=session.id))
    return render_template("sessions/form.html", form=form, session=None)


@bp.get("/<int:session_id>")
@requires(SESSIONS_VIEW)
def show(session_id: int):
    session = get_or_404(Session, session_id)
    return render_template(
        "sessions/show.html",
        session=session,
        confirm_form=EmptyForm(),
        today=date.today(),
        contributions=session_contributions(session.id),
        attendance=attendance_counts(session.id),
    )


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@requires(SESSIONS_EDIT)
def edit(session_id: int):
    session = get_or_404(Session, session_id)
    form = SessionForm()
    _prepare(form)
    if request.method == "GET":
        form.fill_from(session)
    if form.validate_on_submit():
        with commit_or_show_errors(form) as outcome:
            changed = sessions_service.update_session(session, form.session_data(), current_user)
        if outcome.saved:
            flash("Changes saved." if changed else "Nothing was changed.", "success")
            return redirect(url_for("sessions.show", session_id=session.id))
    return render_template("sessions/form.html", form=form, session=session)


@bp.route("/<int:session_id>/cancel", methods=["GET", "POST"])
@requires(SESSIONS_EDIT)
def cancel(session_id: int):
    session = get_or_404(Session, session_id)
    if session.cancelled:
        flash(f"{session.title} is already cancelled.", "info")
        return redirect(url_for("sessions.show", session_id=session.id))
    form = CancelSessionForm()
    if form.validate_on_submit():
        sessions_service.cancel_session(session, form.reason.data, current_user)
        db.session.commit()
        flash(f"{session.title} has been cancelled.", "success")
        return redirect(url_for("sessions.show", session_id=session.id))
    return render_template("sessions/cancel.html", form=form, session=session)


@bp.post("/<int:session_id>/reinstate")
@requires(SESSIONS_EDIT)
def reinstate(session_id: int):
    session = get_or_404(Session, session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    sessions_service.reinstate_session(session, current_user)
    db.session.commit()
    flash(f"{session.title} has been reinstated.", "success")
    return redirect(url_for("sessions.show", session_id=session.id))


@bp.get("/events/")
@requires(SESSIONS_VIEW)
def events():
    page, per_page = parse_page_args(request.args, current_app.config["PER_PAGE"])
    results = paginate(event_summaries(), page, per_page, scalars=False)
    return render_template("events/index.html", results=results)


@bp.route("/events/new", methods=["GET", "POST"])
@requires(SESSIONS_EDIT)
def new_event():
    form = EventForm()
    if form.validate_on_submit():
        with commit_or_show_errors(form) as outcome:
            event = sessions_service.create_event(form.name.data, form.description.data, current_user)
        if outcome.saved:
            flash(f"{event.name} has been added.", "success")
            return redirect(url_for("sessions.event", event_id=event.id))
    return render_template("events/form.html", form=form, event=None)


@bp.get("/events/<int:event_id>")
@requires(SESSIONS_VIEW)
def event(event_id: int):
    event = get_or_404(Event, event_id)
    page, per_page = parse_page_args(request.args, current_app.config["PER_PAGE"])
    results = paginate(event_sessions(event_id), page, per_page)
    return render_template("events/show.html", event=event, results=results)


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@requires(SESSIONS_EDIT)
def edit_event(event_id: int):
    event = get_or_404(Event, event_id)
    form = EventForm(obj=event) if request.method == "GET" else EventForm()
    if form.validate_on_submit():
        with commit_or_show_errors(form) as outcome:
            changed = sessions_service.update_event(event, form.name.data, form.description.data, current_user)
        if outcome.saved:
            flash("Changes saved." if changed else "Nothing was changed.", "success")
            return redirect(url_for("sessions.event", event_id=event.id))
    return render_template("events/form.html", form=form, event=event)
