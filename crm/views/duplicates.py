"""Possible duplicates: the list of likely pairs, comparing two records, merging them, and
setting aside pairs that are two different people."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from crm.extensions import db
from crm.forms.common import EmptyForm
from crm.forms.duplicates import BOTH, FIELD_LABELS, FIRST, SECOND, MergeForm
from crm.models import Affiliation, Consent, Contribution, Participation, Person, Ward
from crm.permissions import PEOPLE_MERGE, requires
from crm.queries.duplicates import duplicates_page, pair_between
from crm.queries.pagination import parse_page_args
from crm.services import merge as merge_service
from crm.services.errors import Conflict
from crm.validation import format_phone
from crm.views.helpers import commit_or_show_errors

bp = Blueprint("duplicates", __name__, url_prefix="/people")

STALE = (
    "Someone else changed one of these records after this page was shown. Check the details below "
    "(they are the latest) and merge again."
)


@bp.get("/duplicates")
@requires(PEOPLE_MERGE)
def index():
    page, per_page = parse_page_args(request.args, current_app.config["PER_PAGE"])
    results = duplicates_page(page, per_page)
    db.session.commit()  # the pairs found, stored for every worker
    return render_template("duplicates/index.html", results=results, form=EmptyForm())


@dataclass
class Detail:
    name: str
    label: str
    first: str
    second: str
    joinable: bool

    @property
    def same(self) -> bool:
        return self.first == self.second


def _shown(person: Person, name: str, wards: dict[int, str]) -> str:
    value = getattr(person, name)
    if name == "ward_id":
        return wards.get(value, "") if value else ""
    if name == "status":
        return value.label
    if name == "phone":
        return format_phone(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return value or ""


def _details(first: Person, second: Person) -> list[Detail]:
    wards = {row.id: row.name for row in db.session.execute(select(Ward.id, Ward.name))}
    return [
        Detail(
            name,
            FIELD_LABELS[name],
            _shown(first, name, wards),
            _shown(second, name, wards),
            name in merge_service.JOINABLE_FIELDS,
        )
        for name in merge_service.MERGE_FIELDS
    ]


def _holdings(person_ids: tuple[int, int]) -> dict[int, dict[str, int]]:
    """How many sessions, contributions, consents and organisations each record has."""
    counts: dict[int, dict[str, int]] = {pid: {} for pid in person_ids}
    queries = {
        "sessions": select(Participation.person_id, func.count()).where(Participation.person_id.in_(person_ids)),
        "contributions": select(Participation.person_id, func.count())
        .join(Contribution, Contribution.participation_id == Participation.id)
        .where(Participation.person_id.in_(person_ids)),
        "consents": select(Consent.person_id, func.count()).where(Consent.person_id.in_(person_ids)),
        "organisations": select(Affiliation.person_id, func.count()).where(Affiliation.person_id.in_(person_ids)),
    }
    for label, query in queries.items():
        for person_id, number in db.session.execute(query.group_by(query.selected_columns[0])):
            counts[person_id][label] = number
    return counts


def _default_keep(first: Person, second: Person, holdings) -> str:
    """The record with more history stays; on a tie, the older one."""
    a, b = holdings[first.id].get("sessions", 0), holdings[second.id].get("sessions", 0)
    if a != b:
        return FIRST if a > b else SECOND
    return FIRST if first.id < second.id else SECOND


def _default_choice(detail: Detail, first: Person, second: Person) -> str:
    """The non-empty value; when both have one, the more recently updated record's (both, for
    notes and other needs)."""
    if detail.joinable and detail.first and detail.second:
        return BOTH
    if not detail.first:
        return SECOND
    if not detail.second:
        return FIRST
    return SECOND if (second.updated_at or second.created_at) > (first.updated_at or first.created_at) else FIRST


def _load_pair(person_id: int, other_id: int) -> tuple[Person, Person]:
    if person_id == other_id:
        abort(404)
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_((person_id, other_id))))}
    if len(people) != 2 or any(p.erased_at is not None for p in people.values()):
        survivor = merge_service.survivor_of(person_id) or merge_service.survivor_of(other_id)
        if survivor is not None:
            flash("One of these records has already been merged.", "success")
            return abort(redirect(url_for("people.show", person_id=survivor)))
        abort(404)
    return people[person_id], people[other_id]


def _render(form: MergeForm, first: Person, second: Person, status: int = 200, *, defaults: bool = False):
    details = _details(first, second)
    holdings = _holdings((first.id, second.id))
    if defaults or not form.is_submitted():
        form.keep.data = _default_keep(first, second, holdings)
        for detail in details:
            if not detail.same:
                getattr(form, detail.name).data = _default_choice(detail, first, second)
    form.first_version.data = str(first.version)
    form.second_version.data = str(second.version)
    pair = pair_between(first.id, second.id)
    body = render_template(
        "duplicates/merge.html",
        form=form,
        first=first,
        second=second,
        details=details,
        holdings=holdings,
        pair=pair,
        dismiss_form=EmptyForm(),
        choices={"first": FIRST, "second": SECOND, "both": BOTH},
    )
    return body, status


@bp.route("/merge/<int:person_id>/<int:other_id>", methods=["GET", "POST"])
@requires(PEOPLE_MERGE)
def merge(person_id: int, other_id: int):
    first, second = _load_pair(person_id, other_id)
    form = MergeForm()
    if form.validate_on_submit():
        keep_is_first = form.keep.data == FIRST
        keep, drop = (first, second) if keep_is_first else (second, first)
        versions = form.versions()
        if versions is None:
            abort(400)
        expected = versions if keep_is_first else (versions[1], versions[0])
        try:
            with commit_or_show_errors(form, {"keep": "keep"}) as outcome:
                result = merge_service.merge_people(
                    keep, drop, form.choices_for_service(keep_is_first), current_user, expected_versions=expected
                )
        except Conflict:
            db.session.rollback()
            first, second = _load_pair(person_id, other_id)
            form = MergeForm(formdata=None)
            form.keep.errors = [STALE]
            return _render(form, first, second, 409, defaults=True)
        if outcome.saved:
            combined = result.counts.get("participations_combined", 0)
            moved = result.counts.get("participations", 0) - combined
            flash(
                f"Records merged. Record {result.merged_id} now leads here. Sessions moved across: {moved}; "
                f"sessions both records had, combined: {combined}.",
                "success",
            )
            return redirect(url_for("people.show", person_id=result.survivor_id))
    return _render(form, first, second)


@bp.post("/merge/<int:person_id>/<int:other_id>/dismiss")
@requires(PEOPLE_MERGE)
def dismiss(person_id: int, other_id: int):
    first, second = _load_pair(person_id, other_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with commit_or_show_errors() as outcome:
        merge_service.dismiss_pair(first, second, current_user)
    if outcome.saved:
        flash("Marked as different people. This pair will not be listed again.", "success")
    return redirect(url_for("duplicates.index"))
