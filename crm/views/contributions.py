"""Contributions: what each attendee contributed at a session, and its "you said, we did" follow-up."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.forms.contributions import ContributionForm, FollowUpForm
from crm.models import Session
from crm.models.enums import ContributionKind, FollowUpStatus, ParticipationStatus
from crm.permissions import ATTENDANCE_RECORD, SESSIONS_VIEW, requires
from crm.queries.contributions import (
    ContributionFilters,
    contribution_with_context,
    participation_at,
    search_contributions,
    session_attendees,
    sessions_with_contributions,
)
from crm.queries.pagination import paginate, parse_page_args
from crm.queries.sessions import theme_choices
from crm.services import contributions as contributions_service
from crm.views.helpers import commit_or_show_errors, get_or_404, is_safe_next

bp = Blueprint("contributions", __name__)


def _form_for(person_id: int, *, submitted: bool = False) -> ContributionForm:
    """The add form for one attendee; the prefix keeps each attendee's fields apart on the page.
    Only the submitted one reads the request's data."""
    if submitted:
        return ContributionForm(prefix=f"person-{person_id}")
    return ContributionForm(prefix=f"person-{person_id}", formdata=None)


def _render_session_page(session: Session, failed: ContributionForm | None = None, failed_person_id=None):
    attendees = session_attendees(session.id)
    forms = {p.person_id: failed if p.person_id == failed_person_id else _form_for(p.person_id) for p in attendees}
    return render_template(
        "contributions/session.html",
        session=session,
        attendees=attendees,
        forms=forms,
        open_person_id=failed_person_id,
        # The page's error summary shows the errors of the form called `form`.
        form=failed,
    )


def _closed_page(session: Session, status: int = 200):
    """The notice shown instead of the forms at a cancelled session or one not yet held."""
    return render_template("contributions/closed.html", session=session), status


@bp.get("/sessions/<int:session_id>/contributions")
@requires(ATTENDANCE_RECORD)
def for_session(session_id: int):
    session = get_or_404(Session, session_id)
    if contributions_service.why_closed(session):
        return _closed_page(session)
    return _render_session_page(session)


@bp.post("/sessions/<int:session_id>/people/<int:person_id>/contributions")
@requires(ATTENDANCE_RECORD)
def add(session_id: int, person_id: int):
    session = get_or_404(Session, session_id)
    participation = participation_at(session.id, person_id)
    if participation is None:
        abort(404)
    if contributions_service.why_closed(session):
        return _closed_page(session, 409)
    if participation.status != ParticipationStatus.ATTENDED:
        flash(
            f"{participation.person.display_name} is not marked as attended at this session, so no "
            "contribution was added. Mark them as attended in the register first.",
            "error",
        )
        return _render_session_page(session), 400
    form = _form_for(person_id, submitted=True)
    if form.validate_on_submit():
        name = participation.person.display_name
        with commit_or_show_errors(form) as outcome:
            contributions_service.add_contribution(participation, form.contribution_data(), current_user)
        if outcome.saved:
            flash(f"Contribution added for {name}.", "success")
            return redirect(url_for("contributions.for_session", session_id=session.id, _anchor=f"person-{person_id}"))
    return _render_session_page(session, form, person_id)


def _back_url(contribution) -> str:
    target = request.values.get("next")
    if is_safe_next(target):
        return target
    return url_for(
        "contributions.for_session",
        session_id=contribution.participation.session_id,
        _anchor=f"person-{contribution.participation.person_id}",
    )


def _load(contribution_id: int):
    contribution = contribution_with_context(contribution_id)
    if contribution is None:
        abort(404)
    return contribution


@bp.route("/contributions/<int:contribution_id>/edit", methods=["GET", "POST"])
@requires(ATTENDANCE_RECORD)
def edit(contribution_id: int):
    contribution = _load(contribution_id)
    back_url = _back_url(contribution)
    form = ContributionForm()
    if request.method == "GET":
        form.fill_from(contribution)
    if form.validate_on_submit():
        with commit_or_show_errors(form) as outcome:
            changed = contributions_service.update_contribution(contribution, form.contribution_data(), current_user)
        if outcome.saved:
            flash("Contribution updated." if changed else "Nothing was changed.", "success")
            return redirect(back_url)
    if request.method == "POST":
        # A refused save rolled the session back: load what is stored to show beside the form.
        contribution = _load(contribution_id)
    return render_template("contributions/edit.html", form=form, contribution=contribution, back_url=back_url)


@bp.route("/contributions/<int:contribution_id>/follow-up", methods=["GET", "POST"])
@requires(ATTENDANCE_RECORD)
def follow_up(contribution_id: int):
    contribution = _load(contribution_id)
    back_url = _back_url(contribution)
    form = FollowUpForm()
    if request.method == "GET":
        form.fill_from(contribution)
    if form.validate_on_submit():
        aliases = {"follow_up_note": form.note_field(), "followed_up_on": "changed_on"}
        with commit_or_show_errors(form, aliases) as outcome:
            changed = contributions_service.record_follow_up(
                contribution,
                form.follow_up.data,
                current_user,
                note=form.note(),
                on=form.changed_on.data,
            )
        if outcome.saved:
            flash("Follow-up saved." if changed else "Nothing was changed.", "success")
            return redirect(back_url)
    if request.method == "POST":
        # A refused save rolled the session back: load what is stored to show beside the form.
        contribution = _load(contribution_id)
    return render_template("contributions/follow_up.html", form=form, contribution=contribution, back_url=back_url)


@bp.get("/contributions")
@requires(SESSIONS_VIEW)
def index():
    page, per_page = parse_page_args(request.args, current_app.config["PER_PAGE"])
    filters = ContributionFilters.from_args(request.args)
    results = paginate(search_contributions(filters), page, per_page)
    return render_template(
        "contributions/index.html",
        results=results,
        filters=filters,
        themes=theme_choices(),
        sessions=sessions_with_contributions(),
        kinds=ContributionKind,
        follow_ups=FollowUpStatus,
    )
