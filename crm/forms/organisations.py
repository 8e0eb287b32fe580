"""The form for adding and editing a partner organisation."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from crm.forms.common import CrmForm
from crm.models.enums import OrganisationType
from crm.validation import InvalidValue, normalise_web_address


def _web_address(form, field) -> None:
    try:
        field.data = normalise_web_address(field.data)
    except InvalidValue as error:
        raise ValidationError(str(error)) from error


class OrganisationForm(CrmForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter the organisation's name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    type = RadioField(
        "Type of organisation",
        choices=OrganisationType.choices(),
        widget=GovRadioInput(),
        validators=[InputRequired("Choose the type of organisation")],
        validate_choice=False,
    )
    website = StringField(
        "Website (optional)",
        widget=GovTextInput(),
        validators=[Length(max=300, message="Website must be 300 characters or fewer"), _web_address],
    )
    notes = TextAreaField(
        "Notes (optional)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=5000, message="Notes must be 5,000 characters or fewer")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    def validate_type(self, field) -> None:
        if field.data not in OrganisationType.values():
            raise ValidationError("Choose the type of organisation")

    def organisation_data(self) -> dict:
        return {name: getattr(self, name).data for name in ("name", "type", "website", "notes")}
