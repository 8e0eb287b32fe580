"""Forms for importing people from a spreadsheet. The upload travels between the steps in the
hidden `upload` field, signed (see crm.views.people_import)."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired, FileSize
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovFileInput, GovRadioInput, GovSubmitInput
from wtforms import BooleanField, HiddenField, RadioField, SubmitField
from wtforms.validators import InputRequired

from crm.forms.common import CrmForm
from crm.importers.people_columns import FIELDS, IGNORE
from crm.importers.people_table import MAX_FILE_BYTES

FILE_HINT = (
    f"A CSV file or an Excel workbook (.xlsx) of {MAX_FILE_BYTES // (1024 * 1024)} MB or smaller, "
    "with a header row naming the columns."
)
MAPPING_CHOICES = [(IGNORE, "Do not import")] + [(field.key, field.label) for field in FIELDS]


class PeopleUploadForm(CrmForm):
    file = FileField(
        "Spreadsheet of people",
        widget=GovFileInput(),
        validators=[
            FileRequired("Choose the spreadsheet to import"),
            FileSize(max_size=MAX_FILE_BYTES, message="The file must be 5 MB or smaller"),
        ],
    )
    submit = SubmitField("Upload", widget=GovSubmitInput())


class SheetForm(CrmForm):
    upload = HiddenField()
    sheet = RadioField(
        "Which sheet holds the people?",
        choices=[],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose the sheet to import")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class MappingForm(CrmForm):
    """The column mapping is read from the posted `column-<index>` selects (one per column)."""

    upload = HiddenField()
    submit = SubmitField("Check the rows", widget=GovSubmitInput())

    @staticmethod
    def mapping(formdata, columns: int) -> list[str]:
        allowed = {key for key, _label in MAPPING_CHOICES}
        chosen = [(formdata.get(f"column-{index}") or IGNORE) for index in range(columns)]
        return [key if key in allowed else IGNORE for key in chosen]


class ConfirmPeopleImportForm(CrmForm):
    upload = HiddenField()
    skip_invalid = BooleanField("Import the other rows and leave out the rows with problems", widget=GovCheckboxInput())
    submit = SubmitField("Import people", widget=GovSubmitInput())


class ChangeMappingForm(CrmForm):
    upload = HiddenField()
    submit = SubmitField("Change the columns", widget=GovSubmitInput())


class RejectedRowsForm(CrmForm):
    rejected = HiddenField()
    submit = SubmitField("Download the rows not imported (CSV)", widget=GovSubmitInput())
