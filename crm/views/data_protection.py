"""Data protection: a person's equality monitoring, subject access and anonymisation, and the
retention review of people who have not taken part for longer than the retention period."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.extensions import db
from crm.forms.common import EmptyForm
from crm.forms.data_protection import CONFIRM_WORD, AnonymiseForm, EqualityForm
from crm.models import Person
from crm.permissions import EQUALITY_MANAGE, PEOPLE_ERASE, SUBJECT_ACCESS, requires
from crm.queries.pagination import paginate, parse_page_args
from crm.queries.retention import last_sessions, past_retention
from crm.services import equality as equality_service
from crm.services.erasure import HANDLED
from crm.services.erasure import erase_person as erase_person_service
from crm.services.retention import apply_retention, retention_cutoff
from crm.services.subject_access import subject_access as subject_access_service
from crm.views.helpers import commit_or_show_errors, get_or_404

bp = Blueprint("data_protection", __name__)

# How many people the retention review may anonymise in one confirmation.
MAX_CHOSEN = 1000


@bp.route("/people/<int:person_id>/equality", methods=["GET", "POST"])
@requires(EQUALITY_MANAGE)
def equality(person_id: int):
    person = get_or_404(Person, person_id)
    form = EqualityForm()
    if form.validate_on_submit():
        with commit_or_show_errors(form) as outcome:
            changed = equality_service.update_equality(person, form.answers(), current_user)
        if outcome.saved:
            flash("Equality monitoring answers saved." if changed else "Nothing was changed.", "success")
            return redirect(url_for("people.show", person_id=person.id))
    elif request.method == "GET":
        answers = equality_service.view_equality(person, current_user)
        db.session.commit()
        for name in equality_service.FIELDS:
            value = getattr(answers, name) if answers else None
            getattr(form, name).data = value.value if value else ""
    return render_template("data_protection/equality.html", person=person, form=form)


@bp.get("/people/<int:person_id>/subject-access")
@requires(SUBJECT_ACCESS)
def subject_access(person_id: int):
    person = get_or_404(Person, person_id)
    export = subject_access_service(person, current_user, via="web page")
    db.session.commit()
    return render_template("data_protection/subject_access.html", person=person, export=export, form=EmptyForm())


@bp.post("/people/<int:person_id>/subject-access/download")
@requires(SUBJECT_ACCESS)
def subject_access_download(person_id: int):
    person = get_or_404(Person, person_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    export = subject_access_service(person, current_user, via="JSON download")
    db.session.commit()
    response = current_app.response_class(export.to_json_text(), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="subject-access-person-{person.id}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/people/<int:person_id>/anonymise", methods=["GET", "POST"])
@requires(PEOPLE_ERASE)
def anonymise(person_id: int):
    person = get_or_404(Person, person_id)
    if person.erased_at is not None:
        flash("This person has already been anonymised.", "success")
        return redirect(url_for("people.show", person_id=person.id))
    form = AnonymiseForm()
    if form.validate_on_submit():
        with commit_or_show_errors(form) as outcome:
            erase_person_service(person, current_user)
        if outcome.saved:
            flash("The person has been anonymised. Their participations still count in the statistics.", "success")
            return redirect(url_for("people.show", person_id=person_id))
    return render_template(
        "data_protection/anonymise.html", person=person, form=form, confirm_word=CONFIRM_WORD, handled=HANDLED
    )


@bp.get("/admin/retention")
@requires(PEOPLE_ERASE)
def retention():
    page, per_page = parse_page_args(request.args, current_app.config["PER_PAGE"])
    months, cutoff = retention_cutoff()
    results = paginate(past_retention(cutoff), page, per_page, scalars=False)
    return render_template(
        "data_protection/retention.html",
        results=results,
        last_session=last_sessions([row.id for row in results.items]),
        months=months,
        cutoff=cutoff,
        form=EmptyForm(),
    )


def _chosen_ids() -> list[int]:
    return sorted({int(value) for value in request.form.getlist("person_id") if value.isdigit() and len(value) < 19})


@bp.post("/admin/retention/confirm")
@requires(PEOPLE_ERASE)
def retention_confirm():
    if not EmptyForm().validate_on_submit():
        abort(400)
    chosen = _chosen_ids()
    if not chosen:
        flash("Choose at least one person to anonymise.", "error")
        return redirect(url_for("data_protection.retention"))
    if len(chosen) > MAX_CHOSEN:
        flash(f"Choose at most {MAX_CHOSEN:,} people at a time.", "error")
        return redirect(url_for("data_protection.retention"))
    months, cutoff = retention_cutoff()
    people = db.session.execute(past_retention(cutoff, chosen)).all()
    return render_template(
        "data_protection/retention_confirm.html",
        people=people,
        months=months,
        cutoff=cutoff,
        form=AnonymiseForm(),
        confirm_word=CONFIRM_WORD,
    )


@bp.post("/admin/retention/apply")
@requires(PEOPLE_ERASE)
def retention_apply():
    form = AnonymiseForm()
    chosen = _chosen_ids()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        months, cutoff = retention_cutoff()
        people = db.session.execute(past_retention(cutoff, chosen[:MAX_CHOSEN])).all() if chosen else []
        return render_template(
            "data_protection/retention_confirm.html",
            people=people,
            months=months,
            cutoff=cutoff,
            form=form,
            confirm_word=CONFIRM_WORD,
        )
    run = apply_retention(current_user, person_ids=chosen[:MAX_CHOSEN], via="retention review screen")
    db.session.commit()
    current_app.logger.info(run.describe())
    skipped = len(chosen) - run.anonymised
    message = f"{run.anonymised} {'person' if run.anonymised == 1 else 'people'} anonymised."
    if skipped:
        message += (
            f" {skipped} {'was' if skipped == 1 else 'were'} left alone: they took part recently or had already "
            "been anonymised."
        )
    flash(message, "success")
    return redirect(url_for("data_protection.retention"))
