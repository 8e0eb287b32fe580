"""People: list and search, profile, create, edit, affiliations and consents."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from crm.consent import standard_wording
from crm.extensions import db
from crm.forms.common import EmptyForm
from crm.forms.people import AffiliationForm, ConsentForm, NewPersonForm, PersonForm
from crm.models import Affiliation, Consent, Organisation, Person, Tag, Ward
from crm.models.enums import ConsentPurpose, PersonStatus, PersonType, TagCategory
from crm.permissions import PEOPLE_CREATE, PEOPLE_EDIT, PEOPLE_VIEW, requires
from crm.queries.pagination import paginate, parse_page_args
from crm.queries.people import contact_consent_ids, person_profile, person_timeline, search_people
from crm.services import people as people_service
from crm.services.errors import Conflict
from crm.views import search_terms
from crm.views.helpers import commit_or_show_errors, get_or_404

bp = Blueprint("people", __name__, url_prefix="/people")

EDIT_CONFLICT = (
    "Someone else changed this record while you were editing it. Check the details below (they include "
    "your changes) and save again to keep them."
)


def _ward_choices():
    return [(w.id, w.name) for w in db.session.scalars(select(Ward).order_by(Ward.name))]


def _prepare(form: PersonForm) -> None:
    form.ward_id.set_choices(_ward_choices())
    tags = db.session.scalars(select(Tag).order_by(Tag.name)).all()
    for category, field_name in PersonForm.TAG_FIELDS.items():
        getattr(form, field_name).choices = [(t.id, t.name) for t in tags if t.category == TagCategory(category)]


@bp.get("/")
@requires(PEOPLE_VIEW)
def index():
    page, per_page = parse_page_args(request.args, current_app.config["PER_PAGE"])
    ward_ids = [int(w) for w in request.args.getlist("ward") if w.isdigit()]
    text = search_terms.recall(request.args.get("search"))
    query = search_people(
        text,
        types=request.args.getlist("type"),
        wards=ward_ids,
        status=request.args.get("status") or None,
    )
    results = paginate(query, page, per_page, key=Person.id, bounded=True)
    return render_template(
        "people/index.html",
        results=results,
        wards=_ward_choices(),
        person_types=PersonType,
        statuses=PersonStatus,
        selected_wards=ward_ids,
        search_text=text,
        consenting=contact_consent_ids([p.id for p in results.items]),
    )


@bp.post("/search")
@requires(PEOPLE_VIEW)
def search():
    """The filter form posts here, so typed names, emails and phones stay out of the URL."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    filters = {
        "search": search_terms.stash(request.form.get("q")),
        "type": request.form.get("type") or None,
        "ward": request.form.get("ward") or None,
        "status": request.form.get("status") or None,
    }
    return redirect(url_for("people.index", **{key: value for key, value in filters.items() if value}))


@bp.route("/new", methods=["GET", "POST"])
@requires(PEOPLE_CREATE)
def new():
    form = NewPersonForm()
    _prepare(form)
    if form.validate_on_submit():
        aliases = {"tags": "interest_tags", "purpose": "contact_consent", "wording": "contact_consent"}
        with commit_or_show_errors(form, aliases) as outcome:
            person = people_service.create_person(form.person_data(), current_user)
            if form.contact_consent.data:
                people_service.record_consent(
                    person,
                    ConsentPurpose.CONTACT,
                    form.contact_consent_method.data,
                    standard_wording(ConsentPurpose.CONTACT),
                    current_user,
                )
        if outcome.saved:
            message = f"{person.full_name} has been added."
            if not form.contact_consent.data:
                message += " No consent to contact recorded yet."
            flash(message, "success")
            return redirect(url_for("people.show", person_id=person.id))
    return render_template(
        "people/form.html", form=form, person=None, contact_wording=standard_wording(ConsentPurpose.CONTACT)
    )


def _organisation_choices() -> list[tuple[int, str]]:
    return [(o.id, o.name) for o in db.session.scalars(select(Organisation).order_by(Organisation.name))]


def _render_profile(person: Person, affiliation_form: AffiliationForm | None = None):
    """The profile page; with a submitted affiliation form, its errors are shown and its section open."""
    submitted = affiliation_form is not None
    if affiliation_form is None:
        affiliation_form = AffiliationForm()
        affiliation_form.organisation_id.set_choices(_organisation_choices())
    has_contact_consent = any(c.is_current and c.purpose == ConsentPurpose.CONTACT for c in person.consents)
    return render_template(
        "people/show.html",
        person=person,
        affiliation_form=affiliation_form,
        # The page's error summary shows the errors of the form called `form`.
        form=affiliation_form if submitted else None,
        confirm_form=EmptyForm(),
        has_contact_consent=has_contact_consent,
        timeline=person_timeline(person.id),
    )


@bp.get("/<int:person_id>")
@requires(PEOPLE_VIEW)
def show(person_id: int):
    person = person_profile(person_id)
    if person is None:
        from crm.services.merge import survivor_of

        survivor = survivor_of(person_id)
        if survivor is None:
            abort(404)
        flash(f"Record {person_id} was merged into this one.", "success")
        return redirect(url_for("people.show", person_id=survivor))
    return _render_profile(person)


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
@requires(PEOPLE_EDIT)
def edit(person_id: int):
    person = get_or_404(Person, person_id)
    if person.erased_at is not None:
        flash("This person has been anonymised, so their record cannot be changed.", "error")
        return redirect(url_for("people.show", person_id=person.id))
    form = PersonForm(obj=person) if request.method == "GET" else PersonForm()
    _prepare(form)
    if request.method == "GET":
        form.person_types.data = [t.value for t in person.types]
        form.status.data = person.status.value
        form.ward_id.data = person.ward_id
        for category, field_name in PersonForm.TAG_FIELDS.items():
            getattr(form, field_name).data = [t.id for t in person.tags if t.category == TagCategory(category)]
        form.version.data = str(person.version)
    if form.validate_on_submit():
        expected = int(form.version.data) if (form.version.data or "").isdigit() else None
        try:
            with commit_or_show_errors(form, {"tags": "interest_tags"}) as outcome:
                changed = people_service.update_person(
                    person, form.person_data(), current_user, expected_version=expected
                )
        except Conflict:
            db.session.rollback()
            # Keep what they typed; saving again from this page applies it over the newer record.
            form.version.data = str(person.version)
            form.version.errors = [EDIT_CONFLICT]
            # The error summary links to the field's id: take the reader to the top of the form.
            form.version.id = form.first_name.id
            return render_template("people/form.html", form=form, person=person)
        if outcome.saved:
            flash("Changes saved." if changed else "Nothing was changed.", "success")
            return redirect(url_for("people.show", person_id=person.id))
    return render_template("people/form.html", form=form, person=person)


@bp.post("/<int:person_id>/affiliations")
@requires(PEOPLE_EDIT)
def add_affiliation(person_id: int):
    person = person_profile(person_id) or abort(404)
    form = AffiliationForm()
    form.organisation_id.set_choices(_organisation_choices())
    if form.validate_on_submit():
        current = [{"organisation_id": a.organisation_id, "job_title": a.job_title} for a in person.affiliations]
        current = [a for a in current if a["organisation_id"] != form.organisation_id.data]
        current.append({"organisation_id": form.organisation_id.data, "job_title": form.job_title.data})
        with commit_or_show_errors(form, {"affiliations": "organisation_id"}) as outcome:
            people_service.update_person(person, {"affiliations": current}, current_user)
        if outcome.saved:
            flash("Affiliation saved.", "success")
            return redirect(url_for("people.show", person_id=person_id, _anchor="affiliations"))
        person = person_profile(person_id) or abort(404)
    return _render_profile(person, form)


@bp.post("/<int:person_id>/affiliations/<int:affiliation_id>/remove")
@requires(PEOPLE_EDIT)
def remove_affiliation(person_id: int, affiliation_id: int):
    person = person_profile(person_id) or abort(404)
    affiliation = get_or_404(Affiliation, affiliation_id)
    if affiliation.person_id != person.id or not EmptyForm().validate_on_submit():
        abort(404 if affiliation.person_id != person.id else 400)
    remaining = [
        {"organisation_id": a.organisation_id, "job_title": a.job_title}
        for a in person.affiliations
        if a.id != affiliation.id
    ]
    people_service.update_person(person, {"affiliations": remaining}, current_user)
    db.session.commit()
    flash("Affiliation removed.", "success")
    return redirect(url_for("people.show", person_id=person_id, _anchor="affiliations"))


@bp.post("/<int:person_id>/consents")
@requires(PEOPLE_EDIT)
def add_consent(person_id: int):
    person = get_or_404(Person, person_id)
    form = ConsentForm()
    if form.validate_on_submit():
        with commit_or_show_errors(form, {"given_at": "given_on"}) as outcome:
            people_service.record_consent(
                person,
                form.purpose.data,
                form.method.data,
                form.wording_to_record(),
                current_user,
                partner_name=form.partner_name.data if form.purpose.data == ConsentPurpose.SHARING.value else None,
                given_at=form.given_at(),
            )
        if outcome.saved:
            flash("Consent recorded.", "success")
            return redirect(url_for("people.show", person_id=person_id, _anchor="consent"))
    return render_template("people/consent.html", person=person, form=form)


@bp.get("/<int:person_id>/consents/new")
@requires(PEOPLE_EDIT)
def new_consent(person_id: int):
    person = get_or_404(Person, person_id)
    form = ConsentForm()
    # Start from the standard wording: for the purpose the link asked for, else contact (the usual one).
    purpose = request.args.get("purpose")
    if purpose in ConsentPurpose.values():
        form.purpose.data = purpose
    form.wording.data = standard_wording(purpose if purpose in ConsentPurpose.values() else ConsentPurpose.CONTACT)
    return render_template("people/consent.html", person=person, form=form)


@bp.post("/<int:person_id>/consents/<int:consent_id>/withdraw")
@requires(PEOPLE_EDIT)
def withdraw_consent(person_id: int, consent_id: int):
    consent = get_or_404(Consent, consent_id)
    if consent.person_id != person_id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    people_service.withdraw_consent(consent, current_user)
    db.session.commit()
    flash("Consent withdrawn. It is kept in the record with the date it ended.", "success")
    return redirect(url_for("people.show", person_id=person_id, _anchor="consent"))
