"""Forms for importing attendance from a meeting or ticket report."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired, FileSize
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, HiddenField, RadioField, StringField, SubmitField
from wtforms.validators import InputRequired, ValidationError

from crm.forms.common import CrmForm
from crm.services.import_rows import MAX_MIN_MINUTES

# The largest report accepted. Real reports are far smaller (300 Teams participants ≈ 100 KB).
MAX_UPLOAD_BYTES = 5 * 1024 * 1024

FORMAT_CHOICES = [
    ("auto", "Work it out from the file"),
    ("zoom", "Zoom participant report"),
    ("teams", "Microsoft Teams attendance report"),
    ("eventbrite", "Eventbrite attendee report"),
    ("csv", "Other CSV file (a name and/or email column, optional minutes)"),
]


class MinutesField(StringField):
    """A whole number of minutes, 0 when left blank; `.minutes` holds it once the form validates."""

    widget = GovTextInput()
    minutes = 0

    def pre_validate(self, form) -> None:
        text = (self.data or "").strip()
        self.minutes = 0
        if not text:
            return
        if not text.isdigit():
            raise ValidationError("Enter the minimum as a whole number of minutes, like 10")
        if int(text) > MAX_MIN_MINUTES:
            raise ValidationError(f"The minimum must be {MAX_MIN_MINUTES:,} minutes or fewer")
        self.minutes = int(text)


class AttendanceUploadForm(CrmForm):
    file = FileField(
        "Report file",
        widget=GovFileInput(),
        validators=[
            FileRequired("Choose the report file to import"),
            FileSize(max_size=MAX_UPLOAD_BYTES, message="The file must be 5 MB or smaller"),
        ],
    )
    format = RadioField(
        "Where is the report from?",
        choices=FORMAT_CHOICES,
        default="auto",
        widget=GovRadioInput(),
        validators=[InputRequired("Choose where the report is from")],
    )
    min_minutes = MinutesField(
        "Minimum minutes to count as attended (optional)",
        default="5",
    )
    exclude_organisers = BooleanField(
        "Leave out organisers and hosts",
        default=True,
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Upload and preview", widget=GovSubmitInput())


class ConfirmImportForm(CrmForm):
    """The preview's confirm button: carries the signed upload; the row choices are read from
    the posted fields `new-<index>` (checkbox, with `offered` listing the rows that had one) and
    `choice-<index>` (radios)."""

    upload = HiddenField()
    submit = SubmitField("Record attendance", widget=GovSubmitInput())

    def row_choices(self, formdata, preview) -> dict[int, str]:
        """What was chosen for the preview's new and ambiguous rows. A new row whose box was not
        on the page submitted (the preview has changed since) has no choice yet."""
        offered = set(formdata.getlist("offered"))
        choices: dict[int, str] = {}
        for row in preview.new:
            if formdata.get(f"new-{row.index}"):
                choices[row.index] = "new"
            elif str(row.index) in offered:
                choices[row.index] = "skip"
        for row in preview.ambiguous:
            choice = (formdata.get(f"choice-{row.index}") or "").strip()
            if choice:
                choices[row.index] = choice
        return choices
