"""Importing attendance from a Zoom, Teams or Eventbrite report: upload → preview → confirm.

Between the preview and the confirmation the uploaded file travels in the confirm form itself,
compressed and signed (itsdangerous, with the app's secret key, bound to the session and the
user, valid for an hour): nothing is kept on the server's disk, any app server can take the
confirmation, personal data never goes into a URL, and a changed or stale upload is refused.

The signed form also holds a one-off reference, written to the audit row when the import is
applied, so the same confirmation cannot be applied twice; and a fingerprint of the preview, so
that if the people in the CRM changed in between (someone was added, say) the new preview is
shown to check instead of rows being recorded differently from what was seen.
"""

from __future__ import annotations

import base64
import secrets
import zlib

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.exceptions import RequestEntityTooLarge

from crm.extensions import db
from crm.forms.common import apply_service_errors
from crm.forms.imports import MAX_UPLOAD_BYTES, AttendanceUploadForm, ConfirmImportForm
from crm.models import Session
from crm.permissions import ATTENDANCE_RECORD, requires
from crm.services.attendance_import import apply_import, import_applied, preview_import
from crm.services.errors import InvalidInput
from crm.services.import_rows import ALREADY_APPLIED, CANCELLED, ImportPreview, RowErrors
from crm.views.helpers import get_or_404

bp = Blueprint("imports", __name__)

# How long a preview can be confirmed for.
UPLOAD_MAX_AGE = 60 * 60
EXPIRED = "The preview was more than an hour old or could not be read. Upload the file again."
NOT_YOURS = "This preview was made by someone else. Upload the file yourself to import it."
CHANGED = "The people in the CRM changed since the preview — check it again. Nothing has been recorded yet."


class NotYourUpload(Exception):
    """A validly signed upload for this session, sealed for another user."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="attendance-import")


def seal_upload(preview: ImportPreview, data: bytes, user_id: int) -> str:
    """The upload, its options, a one-off reference and the preview's fingerprint, compressed
    and signed for the confirm form."""
    return _serializer().dumps(
        {
            "session": preview.session_id,
            "user": user_id,
            "reference": secrets.token_hex(8),
            "fingerprint": preview.fingerprint,
            "filename": preview.filename,
            "format": preview.format,
            "min_minutes": preview.min_minutes,
            "exclude_organisers": preview.exclude_organisers,
            "data": base64.b64encode(zlib.compress(data, 9)).decode("ascii"),
        }
    )


def open_upload(sealed: str, session_id: int, user_id: int) -> dict | None:
    """The upload sealed for this session and user less than an hour ago, or None. Raises
    NotYourUpload when it was sealed for someone else."""
    try:
        upload = _serializer().loads(sealed or "", max_age=UPLOAD_MAX_AGE)
        if upload["session"] != session_id:
            return None
        if upload["user"] != user_id:
            raise NotYourUpload
        if not isinstance(upload["reference"], str) or not isinstance(upload["fingerprint"], str):
            return None
        upload["data"] = zlib.decompress(base64.b64decode(upload["data"]))
    except (BadSignature, KeyError, TypeError, ValueError, zlib.error):
        return None
    return upload


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    return (
        render_template(
            "errors/error.html",
            status=413,
            title="That file is too large",
            message="Reports must be 5 MB or smaller. Check it is the attendance report itself (a CSV file), "
            "then go back and choose it again.",
        ),
        413,
    )


def _cancelled(session: Session, status: int):
    return render_template("imports/cancelled.html", session=session, message=CANCELLED), status


def _preview_page(session: Session, preview: ImportPreview, form: ConfirmImportForm, **context):
    return render_template(
        "imports/preview.html",
        session=session,
        preview=preview,
        form=form,
        choices=context.pop("choices", {}),
        row_errors=context.pop("row_errors", {}),
        **context,
    )


def _sealed_form(preview: ImportPreview, data: bytes) -> ConfirmImportForm:
    form = ConfirmImportForm(formdata=None)
    form.upload.data = seal_upload(preview, data, current_user.id)
    return form


@bp.route("/sessions/<int:session_id>/import", methods=["GET", "POST"])
@requires(ATTENDANCE_RECORD)
def upload(session_id: int):
    session = get_or_404(Session, session_id)
    if session.cancelled:
        return _cancelled(session, 409 if request.method == "POST" else 200)
    form = AttendanceUploadForm()
    if form.validate_on_submit():
        data = form.file.data.read(MAX_UPLOAD_BYTES + 1)
        try:
            preview = preview_import(
                session,
                data,
                form.file.data.filename,
                form.format.data,
                min_minutes=form.min_minutes.minutes,
                exclude_organisers=form.exclude_organisers.data,
            )
        except InvalidInput as error:
            apply_service_errors(form, error)
        else:
            confirm_form = _sealed_form(preview, data)
            limit = current_app.config.get("MAX_FORM_MEMORY_SIZE")
            if limit and len(confirm_form.upload.data) > limit - 50_000:
                form.file.errors = [
                    "This file holds too much to preview in one go. Split it into smaller files and import each."
                ]
            else:
                return _preview_page(session, preview, confirm_form)
    return render_template("imports/upload.html", session=session, form=form)


@bp.post("/sessions/<int:session_id>/import/confirm")
@requires(ATTENDANCE_RECORD)
def confirm(session_id: int):
    session = get_or_404(Session, session_id)
    if session.cancelled:
        return _cancelled(session, 409)
    form = ConfirmImportForm()
    try:
        upload = open_upload(form.upload.data, session.id, current_user.id) if form.validate_on_submit() else None
    except NotYourUpload:
        return render_template("errors/error.html", status=400, title="This is not your import", message=NOT_YOURS), 400
    if upload is None:
        flash(EXPIRED, "error")
        return redirect(url_for("imports.upload", session_id=session.id))
    if import_applied(session, upload["reference"]):
        flash(ALREADY_APPLIED, "error")
        return redirect(url_for("sessions.show", session_id=session.id, _anchor="attendance"))
    try:
        preview = preview_import(
            session,
            upload["data"],
            upload["filename"],
            upload["format"],
            min_minutes=upload["min_minutes"],
            exclude_organisers=upload["exclude_organisers"],
        )
    except InvalidInput:
        flash(EXPIRED, "error")
        return redirect(url_for("imports.upload", session_id=session.id))
    choices = form.row_choices(request.form, preview)
    if preview.fingerprint != upload["fingerprint"]:
        return _preview_page(session, preview, _sealed_form(preview, upload["data"]), choices=choices, changed=True)
    try:
        result = apply_import(session, preview, choices, current_user, reference=upload["reference"])
    except RowErrors as error:
        db.session.rollback()
        return _preview_page(session, preview, form, choices=choices, row_errors=error.rows)
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("imports.upload", session_id=session.id))
    db.session.commit()
    flash(_summary(preview, result), "success")
    return redirect(url_for("sessions.show", session_id=session.id, _anchor="attendance"))


def _summary(preview: ImportPreview, result) -> str:
    def count(n: int, one: str, many: str) -> str:
        return f"{n} {one if n == 1 else many}"

    parts = [count(result.written, "attendance record saved", "attendance records saved")]
    if result.created:
        parts.append(count(result.created, "new person added", "new people added"))
    if result.unchanged:
        parts.append(count(result.unchanged, "already up to date", "already up to date"))
    if result.skipped:
        parts.append(count(result.skipped, "person left out", "people left out"))
    return f"Imported the {preview.format_name}: " + ", ".join(parts) + "."
