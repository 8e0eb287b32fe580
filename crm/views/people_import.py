"""Importing people from a spreadsheet: upload → (sheet) → columns → check → import.

As with attendance imports (crm/views/imports.py), the file's rows travel between the steps in
the forms themselves, compressed and signed for this user (valid for an hour): nothing is kept
on the server's disk, any app server can take the next step, and no personal data goes into a
URL. The confirm form also carries a one-off reference, recorded with the import, so it cannot
be applied twice, and a fingerprint of the preview, so that if the CRM changed in between the new
preview is shown instead. The rows not imported come back in the same way, for a download by
POST.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge

from crm.extensions import db
from crm.forms.people_import import (
    MAPPING_CHOICES,
    ChangeMappingForm,
    ConfirmPeopleImportForm,
    MappingForm,
    PeopleUploadForm,
    RejectedRowsForm,
    SheetForm,
)
from crm.importers.common import ImportFormatError
from crm.importers.people_table import read_grids
from crm.permissions import PEOPLE_IMPORT, requires
from crm.services.errors import InvalidInput
from crm.services.people_import import PeopleImportPreview, likely_sheet, preview_people_import, table_and_mapping
from crm.services.people_import_apply import (
    ALREADY_APPLIED,
    apply_people_import,
    invalid_message,
    one_import_at_a_time,
    people_import_applied,
    rejected_rows,
    rejected_rows_csv,
)

bp = Blueprint("people_import", __name__, url_prefix="/people/import")

MAX_AGE = 60 * 60
EXPIRED = "The upload was more than an hour old or could not be read. Upload the file again."
CHANGED = "The people in the CRM changed since you checked the rows. Check them again: nothing has been imported yet."
TOO_BIG = "This file holds too much to check in one go. Split it into smaller files and import each."
# How many rows without anything to check the preview lists in full.
SHOWN_ROWS = 300


@bp.url_value_preprocessor
def allow_large_forms(_endpoint, _values) -> None:
    # The signed upload is one form field, larger than Flask's default limit for a field. This
    # runs before the CSRF check reads the form.
    request.max_form_memory_size = current_app.config.get("MAX_CONTENT_LENGTH")


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error):
    # The upload page again, so the user can choose a smaller file straight away.
    form = PeopleUploadForm(formdata=None)
    form.file.errors = ["Spreadsheets must be 5 MB or smaller. Split the file and import each part."]
    return render_template("people_import/upload.html", form=form), 413


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="people-import")


def seal(kind: str, **payload) -> str:
    return _serializer().dumps({"kind": kind, "user": current_user.id, **payload})


def unseal(sealed: str | None, kind: str) -> dict | None:
    """The payload sealed for this user and step less than an hour ago, or None."""
    try:
        payload = _serializer().loads(sealed or "", max_age=MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("kind") != kind or payload.get("user") != current_user.id:
        return None
    return payload


def _fits(sealed: str) -> bool:
    return len(sealed) < current_app.config.get("MAX_CONTENT_LENGTH", 6 * 1024 * 1024) - 100_000


def _back_to_upload():
    flash(EXPIRED, "error")
    return redirect(url_for("people_import.upload"))


@bp.route("", methods=["GET", "POST"])
@requires(PEOPLE_IMPORT)
def upload():
    form = PeopleUploadForm()
    if form.validate_on_submit():
        filename = form.file.data.filename or ""
        try:
            grids = read_grids(form.file.data.read(), filename)
            if len(grids) == 1:
                sheet, grid = next(iter(grids.items()))
                return _mapping_page(grid, filename, sheet, None)
        except ImportFormatError as error:
            form.file.errors = [str(error)]
        else:
            sheet_form = SheetForm(formdata=None, sheet=likely_sheet(grids))
            sheet_form.sheet.choices = [(name, name) for name in grids]
            sheet_form.upload.data = seal("sheets", grids=grids, filename=filename)
            if _fits(sheet_form.upload.data):
                return render_template("people_import/sheet.html", form=sheet_form, filename=filename)
            form.file.errors = [TOO_BIG]
    return render_template("people_import/upload.html", form=form)


@bp.post("/sheet")
@requires(PEOPLE_IMPORT)
def sheet():
    form = SheetForm()
    payload = unseal(form.upload.data, "sheets")
    if payload is None:
        return _back_to_upload()
    form.sheet.choices = [(name, name) for name in payload["grids"]]
    if not form.validate_on_submit():
        return render_template("people_import/sheet.html", form=form, filename=payload["filename"])
    try:
        return _mapping_page(payload["grids"][form.sheet.data], payload["filename"], form.sheet.data, None)
    except ImportFormatError as error:
        form.sheet.errors = [str(error)]
        return render_template("people_import/sheet.html", form=form, filename=payload["filename"])


def _mapping_page(grid, filename: str, sheet: str, mapping, error: str | None = None, status: int = 200):
    table, mapping = table_and_mapping(grid, mapping)
    form = MappingForm(formdata=None)
    form.upload.data = seal("table", grid=grid, filename=filename, sheet=sheet)
    if not _fits(form.upload.data):
        upload_form = PeopleUploadForm(formdata=None)
        upload_form.file.errors = [TOO_BIG]
        return render_template("people_import/upload.html", form=upload_form), 413
    examples = [next((row.cell(i) for row in table.rows if row.cell(i)), "") for i in range(len(table.header))]
    return (
        render_template(
            "people_import/mapping.html",
            form=form,
            table=table,
            mapping=mapping,
            examples=examples,
            choices=MAPPING_CHOICES,
            filename=filename,
            sheet=sheet,
            error=error,
        ),
        status,
    )


@bp.post("/columns")
@requires(PEOPLE_IMPORT)
def columns():
    """Back from the preview to change the columns."""
    form = ChangeMappingForm(prefix="change")
    payload = unseal(form.upload.data, "confirm") if form.validate_on_submit() else None
    if payload is None:
        return _back_to_upload()
    return _mapping_page(payload["grid"], payload["filename"], payload["sheet"], payload["mapping"])


@bp.post("/preview")
@requires(PEOPLE_IMPORT)
def preview():
    form = MappingForm()
    payload = unseal(form.upload.data, "table") if form.validate_on_submit() else None
    if payload is None:
        return _back_to_upload()
    grid, filename, sheet = payload["grid"], payload["filename"], payload["sheet"]
    try:
        table, _guess = table_and_mapping(grid)
        mapping = form.mapping(request.form, len(table.header))
        result = preview_people_import(table, mapping, filename)
    except ImportFormatError:
        return _back_to_upload()
    except InvalidInput as error:
        return _mapping_page(grid, filename, sheet, mapping, error=error.message, status=400)
    return _preview_page(result, grid, sheet)


def _preview_page(result: PeopleImportPreview, grid, sheet: str, *, error: str | None = None, status: int = 200):
    form = ConfirmPeopleImportForm(formdata=None)
    form.upload.data = seal(
        "confirm",
        grid=grid,
        filename=result.filename,
        sheet=sheet,
        mapping=result.mapping,
        reference=secrets.token_hex(8),
        fingerprint=result.fingerprint,
    )
    change = ChangeMappingForm(formdata=None, prefix="change")
    change.upload.data = form.upload.data
    return (
        render_template(
            "people_import/preview.html",
            preview=result,
            form=form,
            change_form=change,
            sheet=sheet,
            error=error,
            shown=SHOWN_ROWS,
        ),
        status,
    )


@bp.post("/confirm")
@requires(PEOPLE_IMPORT)
def confirm():
    form = ConfirmPeopleImportForm()
    payload = unseal(form.upload.data, "confirm") if form.validate_on_submit() else None
    if payload is None:
        return _back_to_upload()
    one_import_at_a_time()
    if people_import_applied(payload["reference"]):
        flash(ALREADY_APPLIED, "error")
        return redirect(url_for("people.index"))
    try:
        table, _guess = table_and_mapping(payload["grid"])
        result = preview_people_import(table, payload["mapping"], payload["filename"])
    except (ImportFormatError, InvalidInput):
        return _back_to_upload()
    if result.fingerprint != payload["fingerprint"]:
        return _preview_page(result, payload["grid"], payload["sheet"], error=CHANGED, status=409)
    skip = bool(form.skip_invalid.data)
    if result.invalid and not skip:
        return _preview_page(result, payload["grid"], payload["sheet"], error=invalid_message(result), status=400)
    try:
        outcome = apply_people_import(result, current_user, skip_invalid=skip, reference=payload["reference"])
        db.session.commit()
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("people.index"))
    except IntegrityError:
        # Someone added one of these people at the same moment: show the new preview.
        db.session.rollback()
        result = preview_people_import(table, payload["mapping"], payload["filename"])
        return _preview_page(result, payload["grid"], payload["sheet"], error=CHANGED, status=409)
    rejected_form = None
    if result.invalid:
        rejected_form = RejectedRowsForm(formdata=None)
        rejected_form.rejected.data = seal("rejected", header=list(table.header), rows=rejected_rows(result))
    return render_template("people_import/done.html", result=outcome, preview=result, rejected_form=rejected_form)


@bp.post("/rejected")
@requires(PEOPLE_IMPORT)
def rejected():
    form = RejectedRowsForm()
    payload = unseal(form.rejected.data, "rejected") if form.validate_on_submit() else None
    if payload is None:
        flash("The list of rows not imported was more than an hour old. Import the file again to see them.", "error")
        return redirect(url_for("people_import.upload"))
    return Response(
        rejected_rows_csv(payload["header"], payload["rows"]),
        mimetype="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="people-not-imported.csv"',
            "Cache-Control": "no-store",
        },
    )
