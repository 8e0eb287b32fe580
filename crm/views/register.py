"""A session's register: mark who came in one save, add walk-ins without making duplicates, and
close out with the session's figures.

Walk-in buttons next to the register submit the register form itself (HTML `form` and
`formaction` attributes), so marks made but not yet saved are saved with the walk-in rather than
lost; the register script does the same for the new-person form."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.routing import BuildError

from crm.consent import standard_wording
from crm.extensions import db
from crm.forms.register import NewWalkInForm, RegisterForm, WalkInForm
from crm.matching import find_possible_matches
from crm.models import Person, Session, Ward
from crm.models.enums import ConsentPurpose, ParticipationRole, ParticipationStatus
from crm.permissions import ATTENDANCE_RECORD, requires
from crm.queries.register import attendance_counts, close_out, register_rows, statuses_at, walk_in_matches
from crm.services import participation as participation_service
from crm.services.errors import InvalidInput
from crm.services.participation import REGISTER_MARKS
from crm.views.helpers import get_or_404

bp = Blueprint("register", __name__)

AWAITING = (ParticipationStatus.INVITED, ParticipationStatus.REGISTERED)
FIELD_LABELS = {
    "status": "attendance",
    "role": "role",
    "minutes": "minutes",
    "creche_children": "creche children",
    "person_id": "person",
}
OTHER_NEEDS_LENGTH = 40


@dataclass
class Line:
    """One person's row on the page, as loaded or as submitted."""

    index: int
    person_id: int
    name: str
    needs: list[str]
    was: ParticipationStatus | None
    status: str
    role: str
    minutes: str
    creche_children: str
    loaded_status: str
    loaded_role: str
    loaded_minutes: str
    loaded_creche_children: str
    errors: dict[str, str] = field(default_factory=dict)
    added: bool = False

    @property
    def awaiting(self) -> bool:
        return self.was in AWAITING


def _needs(row) -> list[str]:
    needs = []
    if row.needs_creche or row.creche_children:
        children = row.creche_children
        needs.append(f"Creche: {children} child{'' if children == 1 else 'ren'}" if children else "Creche")
    if row.needs_step_free:
        needs.append("Step-free")
    if row.interpreter_language:
        needs.append(f"Interpreter: {row.interpreter_language}")
    if row.other_needs:
        text = " ".join(row.other_needs.split())
        short = text if len(text) <= OTHER_NEEDS_LENGTH else text[: OTHER_NEEDS_LENGTH - 1].rstrip() + "…"
        needs.append(f"Other: {short}")
    return needs


def _name(row) -> str:
    first = row.preferred_name or row.first_name
    return " ".join(part for part in (first, row.last_name) if part)


def _lines(session: Session, *, preset: bool, submitted: RegisterForm | None, errors: InvalidInput | None, added):
    """The register's rows (declined people apart), from the database or, after a failed save,
    as the champion submitted them, with each row's problems."""
    rows = register_rows(session.id)
    length = session.length_minutes
    by_person: dict[str, dict] = {}
    problems: dict[str, dict[str, str]] = {}
    orphans: list[str] = []
    if submitted is not None:
        for entry in submitted.rows.entries:
            by_person[str(entry.form.person_id.data)] = entry.form.data
        for key, message in (errors.fields if errors else {}).items():
            _, index, name = (key.split(".") + ["", ""])[:3]
            entries = submitted.rows.entries
            if not index.isdigit() or int(index) >= len(entries):
                orphans.append(message)
                continue
            person_key = str(entries[int(index)].form.person_id.data)
            problems.setdefault(person_key, {})[name] = message
    known = {str(row.person_id) for row in rows}
    orphans += [m for key, errs in problems.items() if key not in known for m in errs.values()]

    main: list[Line] = []
    declined: list[Line] = []
    for row in rows:
        key = str(row.person_id)
        loaded = {
            "status": row.status.value,
            "role": row.role.value,
            "minutes": "" if row.minutes is None else str(row.minutes),
            "creche_children": str(row.creche_children),
        }
        shown_status = row.status.value if row.status in REGISTER_MARKS else ""
        if preset and row.status in AWAITING:
            shown_status = ParticipationStatus.ATTENDED.value
        shown = {
            "status": shown_status,
            "role": row.role.value,
            "minutes": str(length if row.minutes is None else row.minutes),
            "creche_children": str(row.creche_children),
        }
        if key in by_person:
            data = by_person[key]
            shown = {name: data.get(name) or "" for name in shown}
            loaded = {name: data.get(f"loaded_{name}") or "" for name in loaded}
        line = Line(
            index=0,
            person_id=row.person_id,
            name=_name(row),
            needs=_needs(row),
            was=row.status,
            **shown,
            **{f"loaded_{name}": value for name, value in loaded.items()},
            errors=problems.get(key, {}),
            added=row.person_id == added,
        )
        (declined if row.status == ParticipationStatus.DECLINED else main).append(line)
    for index, line in enumerate(main + declined):
        line.index = index
    return main, declined, orphans


def _error_list(lines: list[Line], orphans: list[str], form=None) -> list[dict]:
    items = []
    for line in lines:
        for name, message in line.errors.items():
            target = {"status": f"rows-{line.index}-status-attended", "person_id": f"person-{line.person_id}"}.get(
                name, f"rows-{line.index}-{name}"
            )
            items.append({"text": f"{line.name}: {message}", "href": f"#{target}"})
    items += [{"text": message, "href": "#register"} for message in orphans]
    if form is not None:
        for form_field in form:
            for message in form_field.errors:
                items.append({"text": message, "href": f"#{form_field.id}"})
    return items


def _ward_choices():
    return [(w.id, w.name) for w in db.session.scalars(select(Ward).order_by(Ward.name))]


def _new_walk_in_form(q: str = "", formdata=None) -> NewWalkInForm:
    form = NewWalkInForm(formdata=formdata)
    form.ward_id.set_choices(_ward_choices())
    if formdata is None and q:
        form.prefill(q)
    return form


def _contributions_url(session_id: int) -> str:
    try:
        return url_for("contributions.for_session", session_id=session_id)
    except BuildError:
        return f"/sessions/{session_id}/contributions"


def _render(
    session: Session,
    *,
    q: str = "",
    preset: bool = False,
    submitted: RegisterForm | None = None,
    errors: InvalidInput | None = None,
    new_form: NewWalkInForm | None = None,
    candidates=None,
    added: int | None = None,
):
    main, declined, orphans = _lines(session, preset=preset, submitted=submitted, errors=errors, added=added)
    matches = walk_in_matches(session.id, q) if q else []
    if new_form is None and q and not matches:
        new_form = _new_walk_in_form(q)
    error_list = _error_list(main + declined, orphans, new_form if new_form is not None and new_form.errors else None)
    return render_template(
        "register/show.html",
        session=session,
        lines=main,
        declined=declined,
        counts=attendance_counts(session.id),
        preset=preset,
        register_form=submitted or RegisterForm(formdata=None),
        error_list=error_list,
        q=q,
        matches=matches,
        new_form=new_form,
        candidates=candidates,
        candidate_statuses=statuses_at(session.id, [c.person_id for c in candidates or []]),
        contact_wording=standard_wording(ConsentPurpose.CONTACT),
        roles=ParticipationRole,
        marks=REGISTER_MARKS,
        session_length=session.length_minutes,
    )


def _cancelled(session: Session, status: int = 200):
    return render_template("register/cancelled.html", session=session), status


def _search_text() -> str:
    return (request.values.get("q") or "").strip()[:100]


@bp.get("/sessions/<int:session_id>/register")
@requires(ATTENDANCE_RECORD)
def show(session_id: int):
    session = get_or_404(Session, session_id)
    if session.cancelled:
        return _cancelled(session)
    q = _search_text()
    new_form = _new_walk_in_form(q) if request.args.get("new") else None
    added = request.args.get("added", "")
    return _render(
        session,
        q=q,
        preset=request.args.get("preset") == ParticipationStatus.ATTENDED.value,
        new_form=new_form,
        added=int(added) if added.isdigit() and len(added) <= 18 else None,
    )


def _saved_message(saved) -> str:
    if not saved.count:
        return "Register saved. Everything was already up to date."
    message = f"Register saved: {saved.count} change{'' if saved.count == 1 else 's'}."
    if saved.replaced:
        names = [
            person.display_name
            for person in db.session.scalars(select(Person).where(Person.id.in_(saved.replaced)).order_by(Person.id))
        ]
        message += (
            f" Someone else had also changed the marks for {', '.join(names)} since you opened the register; "
            "yours are the ones kept."
        )
    return message


@bp.post("/sessions/<int:session_id>/register")
@requires(ATTENDANCE_RECORD)
def save(session_id: int):
    session = get_or_404(Session, session_id)
    if session.cancelled:
        return _cancelled(session, 409)
    form = RegisterForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        saved = participation_service.save_register(session, form.register_rows(), current_user)
    except InvalidInput as error:
        db.session.rollback()
        return _render(session, submitted=form, errors=error)
    db.session.commit()
    flash(_saved_message(saved), "success")
    return redirect(url_for("register.summary", session_id=session.id))


def _carried_register() -> RegisterForm:
    """The register rows a walk-in request brought with it (none when it came on its own)."""
    return RegisterForm(meta={"csrf": False})


@bp.post("/sessions/<int:session_id>/register/walk-ins")
@requires(ATTENDANCE_RECORD)
def add_walk_in(session_id: int):
    session = get_or_404(Session, session_id)
    if session.cancelled:
        return _cancelled(session, 409)
    form = WalkInForm()
    if not form.validate_on_submit():
        abort(400)
    person_id = form.chosen_person_id()
    person = db.session.get(Person, person_id) if person_id else None
    if person is None:
        flash("That person could not be found. Search for them again.", "error")
        return redirect(url_for("register.show", session_id=session.id, _anchor="walk-ins"))
    register = _carried_register()
    try:
        if register.submitted():
            participation_service.save_register(session, register.register_rows(), current_user)
        added = participation_service.add_walk_in(session, person.id, current_user)
    except InvalidInput as error:
        db.session.rollback()
        return _render(session, q=_search_text(), submitted=register, errors=error)
    db.session.commit()
    if added:
        flash(f"{person.display_name} added to the register as attended.", "success")
    else:
        flash(f"{person.display_name} was already marked as attended.", "success")
    return redirect(url_for("register.show", session_id=session.id, added=person.id))


def _checked_values(form: NewWalkInForm) -> str:
    """What the duplicate check was run on; a change to these means checking again."""
    return "|".join(
        (form.first_name.data or "", form.last_name.data or "", form.email.data or "", form.phone.data or "")
    )


@bp.post("/sessions/<int:session_id>/register/walk-ins/new")
@requires(ATTENDANCE_RECORD)
def add_new_walk_in(session_id: int):
    session = get_or_404(Session, session_id)
    if session.cancelled:
        return _cancelled(session, 409)
    form = _new_walk_in_form(formdata=request.form)
    valid = form.validate_on_submit()
    if form.csrf_token.errors:
        abort(400)
    register = _carried_register()
    if register.submitted():
        try:
            participation_service.save_register(session, register.register_rows(), current_user)
        except InvalidInput as error:
            db.session.rollback()
            return _render(session, submitted=register, errors=error, new_form=form)
    if not valid:
        db.session.commit()
        return _render(session, new_form=form)
    if form.confirmed.data != _checked_values(form):
        candidates = find_possible_matches(
            first_name=form.first_name.data or "",
            last_name=form.last_name.data or "",
            email=form.email.data,
            phone=form.phone.data,
        )
        if candidates:
            db.session.commit()
            form.confirmed.data = _checked_values(form)
            return _render(session, new_form=form, candidates=candidates)
    try:
        person = participation_service.add_new_walk_in(
            session, form.person_data(), current_user, contact_consent=form.contact_consent.data
        )
    except InvalidInput as error:
        db.session.rollback()
        for name, message in error.fields.items():
            target = getattr(form, {"person_types": "person_type"}.get(name, name), None) or form.first_name
            target.errors = [*list(target.errors or []), message]
        return _render(session, new_form=form)
    db.session.commit()
    message = f"{person.full_name} added to the CRM and to the register as attended."
    if not form.contact_consent.data:
        message += " No consent to contact recorded."
    flash(message, "success")
    return redirect(url_for("register.show", session_id=session.id, added=person.id))


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
        contributions_url=_contributions_url(session.id),
    )
