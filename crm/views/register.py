"""A session's register: mark who came in one save, add walk-ins without making duplicates, and
close out with the session's figures.

The walk-in search, the walk-in buttons and the new-person fields sit inside the register's form
and submit it to their own routes (HTML `formaction`), so marks made but not yet saved travel with
every button, with or without JavaScript. The routes that receive marks check the CSRF token
themselves: an expired token shows the marks again instead of an error page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask import session as browser_session
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from crm.consent import standard_wording
from crm.extensions import csrf, db
from crm.forms.register import NewWalkInForm, RegisterForm, WalkInForm
from crm.matching import find_possible_matches
from crm.models import Person, Session, Ward
from crm.models.enums import ConsentPurpose, ParticipationRole, ParticipationStatus
from crm.permissions import ATTENDANCE_RECORD, requires
from crm.queries.register import attendance_counts, close_out, statuses_at, walk_in_matches
from crm.services import register as register_service
from crm.services.errors import InvalidInput
from crm.services.register import REGISTER_MARKS, has_happened, not_yet_message
from crm.views import search_terms
from crm.views.helpers import get_or_404
from crm.views.register_rows import error_list, lines_for

bp = Blueprint("register", __name__)

SAVE_TIMED_OUT = "Your session timed out — check the marks below and save again"
WALK_IN_TIMED_OUT = "Your session timed out — check the marks below and try again"
PERSON_NOT_FOUND = "That person could not be found. Search for them again."
# Where the message about the walk-in just added waits for the register page (shown once).
WALK_IN_NOTICE = "register_walk_in"


def _ward_choices():
    return [(w.id, w.name) for w in db.session.scalars(select(Ward).order_by(Ward.name))]


def _new_walk_in_form(q: str = "", formdata=None) -> NewWalkInForm:
    form = NewWalkInForm(formdata=formdata)
    form.ward_id.set_choices(_ward_choices())
    if formdata is None and q:
        form.prefill(q)
    return form


def _walk_in_context(session: Session, q: str, new_form: NewWalkInForm | None = None, candidates=None) -> dict:
    """What the walk-in results show: the people found, and the new-person form when asked for
    or when no one was found."""
    matches = walk_in_matches(session.id, q) if q and not candidates else []
    if new_form is None and q and not matches and not candidates:
        new_form = _new_walk_in_form(q)
    return {
        "session": session,
        "q": q,
        "matches": matches,
        "new_form": new_form,
        "candidates": candidates,
        "candidate_statuses": statuses_at(session.id, [c.person_id for c in candidates or []]),
        "contact_wording": standard_wording(ConsentPurpose.CONTACT),
    }


def _render(
    session: Session,
    *,
    q: str = "",
    search_key: str | None = None,
    preset: bool = False,
    submitted: RegisterForm | None = None,
    errors: InvalidInput | None = None,
    new_form: NewWalkInForm | None = None,
    candidates=None,
    added: int | None = None,
    walk_in_message: str | None = None,
    status: int = 200,
):
    main, declined, orphans = lines_for(session, preset=preset, submitted=submitted, errors=errors, added=added)
    happened = has_happened(session)
    walk_ins = _walk_in_context(session, q, new_form, candidates) if happened else {"session": session}
    shown_form = walk_ins.get("new_form")
    problems = error_list(
        main + declined, orphans, shown_form if shown_form is not None and shown_form.errors else None
    )
    page = render_template(
        "register/show.html",
        lines=main,
        declined=declined,
        counts=attendance_counts(session.id),
        preset=preset,
        error_list=problems,
        search_key=search_key,
        roles=ParticipationRole,
        marks=REGISTER_MARKS,
        session_length=session.length_minutes,
        not_yet=None if happened else not_yet_message(session),
        walk_in_message=walk_in_message,
        **walk_ins,
    )
    return page, status


def _cancelled(session: Session, status: int = 200):
    return render_template("register/cancelled.html", session=session), status


def _search_text() -> str:
    return (request.form.get("q") or "").strip()[:100]


def _refused_token(session: Session, register: RegisterForm, message: str, **page):
    """None when the request's CSRF token is good (these routes are exempt from the check made
    before every view, so they can make it here). When it is not — it expired while the phone
    was locked, say — the register again with the marks as submitted and `message`, nothing
    written; a request that brought no marks gets the usual "form expired" page."""
    if not current_app.config["WTF_CSRF_ENABLED"]:
        return None
    try:
        csrf.protect()
    except CSRFError:
        if not register.submitted():
            raise
        return _render(session, submitted=register, errors=InvalidInput(message=message), status=400, **page)
    return None


def _walk_in_added(session: Session, person_id: int, message: str):
    """Back to the register, at the row of the person just added, with `message` beside it."""
    browser_session[WALK_IN_NOTICE] = {"person_id": person_id, "message": message}
    return redirect(url_for("register.show", session_id=session.id, added=person_id, _anchor=f"person-{person_id}"))


@bp.get("/sessions/<int:session_id>/register")
@requires(ATTENDANCE_RECORD)
def show(session_id: int):
    session = get_or_404(Session, session_id)
    if session.cancelled:
        return _cancelled(session)
    key = request.args.get("search")
    q = search_terms.recall(key)
    new_form = _new_walk_in_form(q) if request.args.get("new") else None
    added_text = request.args.get("added", "")
    added = int(added_text) if added_text.isdigit() and len(added_text) <= 18 else None
    notice = browser_session.pop(WALK_IN_NOTICE, None) or {}
    return _render(
        session,
        q=q,
        search_key=key if q else None,
        preset=request.args.get("preset") == ParticipationStatus.ATTENDED.value,
        new_form=new_form,
        added=added,
        walk_in_message=notice.get("message") if added is not None and notice.get("person_id") == added else None,
    )


def _saved_message(saved: register_service.RegisterSaved) -> str:
    if not saved.count:
        return "Register saved. Everything was already up to date."
    message = f"Register saved: {saved.count} change{'' if saved.count == 1 else 's'}."
    if saved.replaced_names:
        message += (
            f" Someone else had also changed the marks for {', '.join(saved.replaced_names)} since you opened "
            "the register; yours are the ones kept."
        )
    return message


@bp.post("/sessions/<int:session_id>/register")
@csrf.exempt
@requires(ATTENDANCE_RECORD)
def save(session_id: int):
    session = get_or_404(Session, session_id)
    if session.cancelled:
        return _cancelled(session, 409)
    form = RegisterForm()
    refused = _refused_token(session, form, SAVE_TIMED_OUT)
    if refused:
        return refused
    try:
        saved = register_service.save_register(session, form.register_rows(), current_user)
    except InvalidInput as error:
        db.session.rollback()
        return _render(session, submitted=form, errors=error)
    db.session.commit()
    flash(_saved_message(saved), "success")
    return redirect(url_for("register.summary", session_id=session.id))


@bp.post("/sessions/<int:session_id>/register/walk-ins/search")
@csrf.exempt
@requires(ATTENDANCE_RECORD)
def search(session_id: int):
    """The walk-in search (and "Add someone new"): saves the marks brought along, keeps the typed
    text in the browser's session and shows the register at `?search=<key>`, so a name, email or
    phone number never appears in a URL."""
    session = get_or_404(Session, session_id)
    if session.cancelled:
        return _cancelled(session, 409)
    register = RegisterForm()
    text = _search_text()
    wants_new = bool(request.form.get("new"))
    refused = _refused_token(session, register, WALK_IN_TIMED_OUT, q=text)
    if refused:
        return refused
    try:
        if register.submitted():
            register_service.save_register(session, register.register_rows(), current_user)
    except InvalidInput as error:
        db.session.rollback()
        new_form = _new_walk_in_form(text) if wants_new else None
        return _render(session, q=text, submitted=register, errors=error, new_form=new_form)
    db.session.commit()
    key = search_terms.stash(text)
    anchor = "new-person" if wants_new else "walk-in" if key else None
    return redirect(
        url_for("register.show", session_id=session.id, search=key, new=1 if wants_new else None, _anchor=anchor)
    )


@bp.post("/sessions/<int:session_id>/register/walk-ins/results")
@requires(ATTENDANCE_RECORD)
def walk_in_results(session_id: int):
    """Just the walk-in results, for the page's script as the champion types. A POST (with the
    page's CSRF token), so the typed text stays out of URLs and logs; it writes nothing."""
    session = get_or_404(Session, session_id)
    if session.cancelled or not has_happened(session):
        abort(409)
    q = _search_text()
    new_form = _new_walk_in_form(q) if request.form.get("new") else None
    return render_template("register/_walk_in_results.html", **_walk_in_context(session, q, new_form))


@bp.post("/sessions/<int:session_id>/register/walk-ins")
@csrf.exempt
@requires(ATTENDANCE_RECORD)
def add_walk_in(session_id: int):
    session = get_or_404(Session, session_id)
    if session.cancelled:
        return _cancelled(session, 409)
    register = RegisterForm()
    refused = _refused_token(session, register, WALK_IN_TIMED_OUT, q=_search_text())
    if refused:
        return refused
    person_id = WalkInForm().chosen_person_id()
    person = db.session.get(Person, person_id) if person_id else None
    try:
        if person is None:
            raise InvalidInput(message=PERSON_NOT_FOUND)
        if register.submitted():
            register_service.save_register(session, register.register_rows(), current_user)
        added = register_service.add_walk_in(session, person.id, current_user)
    except InvalidInput as error:
        db.session.rollback()
        return _render(session, q=_search_text(), submitted=register, errors=error)
    db.session.commit()
    if added:
        message = f"{person.display_name} added to the register as attended."
    else:
        message = f"{person.display_name} was already marked as attended."
    return _walk_in_added(session, person.id, message)


def _checked_values(form: NewWalkInForm) -> str:
    """What the duplicate check was run on; a change to these means checking again."""
    return "|".join(
        (form.first_name.data or "", form.last_name.data or "", form.email.data or "", form.phone.data or "")
    )


@bp.post("/sessions/<int:session_id>/register/walk-ins/new")
@csrf.exempt
@requires(ATTENDANCE_RECORD)
def add_new_walk_in(session_id: int):
    """Someone new came. Writes only when they are added: until then (bad details, possible
    duplicates to look at) the register comes back with the marks as submitted, nothing saved."""
    session = get_or_404(Session, session_id)
    if session.cancelled:
        return _cancelled(session, 409)
    register = RegisterForm()
    form = _new_walk_in_form(formdata=request.form)
    refused = _refused_token(session, register, WALK_IN_TIMED_OUT, new_form=form)
    if refused:
        return refused
    valid = form.validate()
    try:
        if register.submitted():
            register_service.save_register(session, register.register_rows(), current_user)
    except InvalidInput as error:
        db.session.rollback()
        return _render(session, submitted=register, errors=error, new_form=form)
    if not valid:
        db.session.rollback()
        return _render(session, submitted=register, new_form=form)
    if form.confirmed.data != _checked_values(form):
        candidates = find_possible_matches(
            first_name=form.first_name.data or "",
            last_name=form.last_name.data or "",
            email=form.email.data,
            phone=form.phone.data,
        )
        if candidates:
            db.session.rollback()
            form.confirmed.data = _checked_values(form)
            return _render(session, submitted=register, new_form=form, candidates=candidates)
    try:
        person = register_service.add_new_walk_in(
            session, form.person_data(), current_user, contact_consent=form.contact_consent.data
        )
    except InvalidInput as error:
        db.session.rollback()
        for name, message in error.fields.items():
            target = getattr(form, {"person_types": "person_type"}.get(name, name), None) or form.first_name
            target.errors = [*list(target.errors or []), message]
        general = None if error.fields else InvalidInput(message=error.message)
        return _render(session, submitted=register, errors=general, new_form=form)
    db.session.commit()
    message = f"{person.full_name} added to the CRM and to the register as attended."
    if not form.contact_consent.data:
        message += " No consent to contact recorded."
    return _walk_in_added(session, person.id, message)


@bp.get("/sessions/<int:session_id>/register/summary")
@requires(ATTENDANCE_RECORD)
def summary(session_id: int):
    session = get_or_404(Session, session_id)
    if session.cancelled:
        return _cancelled(session)
    return render_template(
        "register/summary.html",
        session=session,
        figures=close_out(session),
        contributions_url=url_for("contributions.for_session", session_id=session.id),
    )
