"""Inviting people to a session, tracking their replies, reminders, the invitation wording and
the email outbox."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from crm.consent import uk_today
from crm.extensions import db
from crm.forms.common import EmptyForm
from crm.forms.invitations import WordingForm
from crm.models import OutboxMessage, Person, Session
from crm.models.enums import MessageStatus
from crm.permissions import INVITATIONS_SEND, requires
from crm.queries.invitations import invitation_rows, invitation_summary, outbox_query
from crm.queries.pagination import paginate, parse_page_args
from crm.queries.people import contact_consent_ids, search_people
from crm.services import invitations as invitations_service
from crm.services.errors import InvalidInput
from crm.services.mail import smtp_configured
from crm.views import search_terms
from crm.views.helpers import commit_or_show_errors, get_or_404

bp = Blueprint("invitations", __name__)

# Inviting everyone a filter matches is for a workshop's worth of people, not the whole database.
MAX_INVITE_ALL = 500
SEARCH_RESULTS = 20
# Parameters of the invite form that are not find-people filters.
_NOT_FILTERS = {"csrf_token", "session_id", "person_id", "all", "submit", "search"}


def _open(session: Session) -> bool:
    return not session.cancelled and session.date >= uk_today()


@bp.get("/sessions/<int:session_id>/invitations")
@requires(INVITATIONS_SEND)
def session(session_id: int):
    session = get_or_404(Session, session_id)
    rows = invitation_rows(session.id)
    search_text = search_terms.recall(request.args.get("search"))
    found = []
    if search_text:
        found = db.session.scalars(search_people(search_text).limit(SEARCH_RESULTS)).all()
    return render_template(
        "invitations/session.html",
        session=session,
        rows=rows,
        summary=invitation_summary(session.id),
        to_phone=[row for row in rows if not row.emailed and row.invited_at],
        awaiting_reminder=len(invitations_service.awaiting_reminder(session)) if _open(session) else 0,
        may_invite=_open(session),
        confirm_form=EmptyForm(),
        search_text=search_text,
        found=found,
        found_consenting=contact_consent_ids([person.id for person in found]),
        on_list={row.person_id for row in rows},
    )


@bp.post("/sessions/<int:session_id>/invitations/search")
@requires(INVITATIONS_SEND)
def search(session_id: int):
    """The people search posts here, so typed names stay out of the URL."""
    session = get_or_404(Session, session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    key = search_terms.stash(request.form.get("q"))
    return redirect(url_for("invitations.session", session_id=session.id, search=key, _anchor="invite"))


@bp.post("/sessions/<int:session_id>/invitations/remind")
@requires(INVITATIONS_SEND)
def remind(session_id: int):
    session = get_or_404(Session, session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with commit_or_show_errors() as outcome:
        count = invitations_service.send_reminders(session, current_user)
    if outcome.saved:
        if count:
            flash(f"Reminder queued for {count} {'person' if count == 1 else 'people'}.", "success")
        else:
            flash("Everyone who can be emailed has replied or already had a reminder. No reminders sent.", "success")
    return redirect(url_for("invitations.session", session_id=session.id))


@bp.route("/sessions/<int:session_id>/invitations/wording", methods=["GET", "POST"])
@requires(INVITATIONS_SEND)
def wording(session_id: int):
    session = get_or_404(Session, session_id)
    form = WordingForm(obj=session) if request.method == "GET" else WordingForm()
    if form.validate_on_submit():
        with commit_or_show_errors(form) as outcome:
            changed = invitations_service.update_invitation_wording(
                session, form.invitation_subject.data, form.invitation_text.data, current_user
            )
        if outcome.saved:
            flash("Invitation wording saved." if changed else "Nothing was changed.", "success")
            return redirect(url_for("invitations.session", session_id=session.id))
    return render_template(
        "invitations/wording.html",
        form=form,
        session=session,
        standard_subject=invitations_service.STANDARD_SUBJECT.format(title=session.title),
        standard_text=invitations_service.STANDARD_TEXT.format(title=session.title),
    )


def _people_from_filters(form) -> list[int]:
    """Everyone the find-people filters in the form match."""
    from crm.queries.find_people import find_people_query, parse_filters

    mapping = MultiDict([(key, value) for key, value in form.items(multi=True) if key not in _NOT_FILTERS])
    if "q" not in mapping and form.get("search"):
        mapping["q"] = search_terms.recall(form.get("search"))
    filters, errors = parse_filters(mapping)
    if errors:
        raise InvalidInput({"all": "The search filters are not valid: " + "; ".join(errors.values())})
    query = find_people_query(filters).with_only_columns(Person.id).order_by(None).limit(MAX_INVITE_ALL + 1)
    ids = list(db.session.scalars(query))
    if len(ids) > MAX_INVITE_ALL:
        raise InvalidInput(
            {"all": f"The search finds more than {MAX_INVITE_ALL} people. Narrow it down before inviting everyone."}
        )
    return ids


@bp.post("/find/invite")
@requires(INVITATIONS_SEND)
def invite():
    if not EmptyForm().validate_on_submit():
        abort(400)
    session_id = request.form.get("session_id", "")
    session = db.session.get(Session, int(session_id)) if session_id.isdigit() and len(session_id) < 19 else None
    if session is None:
        return _invite_problem("Choose the session to invite people to.")
    try:
        if request.form.get("all") == "1":
            person_ids = _people_from_filters(request.form)
        else:
            person_ids = [
                int(value) for value in request.form.getlist("person_id") if value.isdigit() and len(value) < 19
            ]
        result = invitations_service.invite_people(session, person_ids, current_user)
    except InvalidInput as error:
        db.session.rollback()
        return _invite_problem(error.message, session)
    db.session.commit()
    return render_template("invitations/result.html", session=session, result=result)


def _invite_problem(message: str, session: Session | None = None):
    return render_template("invitations/problem.html", message=message, session=session), 200


@bp.get("/invitations/outbox")
@requires(INVITATIONS_SEND)
def outbox():
    page, per_page = parse_page_args(request.args, current_app.config["PER_PAGE"])
    status = request.args.get("status")
    status = status if status in MessageStatus.values() else None
    messages = paginate(outbox_query(status), page, per_page)
    sessions = {}
    session_ids = {message.session_id for message in messages.items if message.session_id}
    if session_ids:
        sessions = {s.id: s for s in db.session.scalars(select(Session).where(Session.id.in_(session_ids)))}
    return render_template(
        "invitations/outbox.html",
        messages=messages,
        sessions=sessions,
        statuses=MessageStatus,
        status=status,
        smtp_configured=smtp_configured(),
    )


@bp.get("/invitations/outbox/<int:message_id>")
@requires(INVITATIONS_SEND)
def message(message_id: int):
    message = get_or_404(OutboxMessage, message_id)
    session = db.session.get(Session, message.session_id) if message.session_id else None
    return render_template("invitations/message.html", message=message, session=session)
