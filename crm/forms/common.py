"""Pieces shared by several forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSelect, GovSubmitInput
from wtforms import SelectField, SelectMultipleField, SubmitField
from wtforms.validators import ValidationError

from crm.services.errors import InvalidInput
from crm.validation import UNUSUAL_CHARACTER_MESSAGE, InvalidValue, has_control_character


class CrmForm(FlaskForm):
    """The base of every form: text with a control character (NUL and the like, which the
    database cannot store) is refused on the field it was typed into."""

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for field in self:
            values = field.data if isinstance(field.data, list | tuple) else [field.data]
            if any(has_control_character(value) for value in values):
                field.errors = [*list(field.errors or []), UNUSUAL_CHARACTER_MESSAGE]
                valid = False
        return valid


class EmptyForm(CrmForm):
    """A form with only a CSRF token: confirm buttons, sign out, cancel."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


class OptionalIntSelectField(SelectField):
    """A select whose first option is '' (none chosen) and the rest are integer ids."""

    widget = GovSelect()

    def __init__(self, *args, blank: str = "Not known", **kwargs):
        self.blank = blank
        kwargs.setdefault("coerce", lambda v: int(v) if v not in (None, "", "None") else None)
        super().__init__(*args, **kwargs)

    def set_choices(self, pairs) -> None:
        self.choices = [("", self.blank)] + [(str(value), label) for value, label in pairs]

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Choose an option from the list") from None

    def pre_validate(self, form):
        if self.data is None:
            return
        if str(self.data) not in {str(v) for v, _ in self.choices}:
            raise ValidationError("Choose an option from the list")


class MultiCheckboxField(SelectMultipleField):
    widget = GovCheckboxesInput()


def apply_service_errors(form: FlaskForm, error: InvalidInput, aliases: dict | None = None) -> None:
    """Show a service's field errors against the form's fields (unknown names go on the first)."""
    aliases = aliases or {}
    first = next(iter(form._fields.values()))
    for name, message in error.fields.items():
        field = getattr(form, aliases.get(name, name), None) or first
        field.errors = [*list(field.errors or []), message]


def validate_with(normaliser):
    """A WTForms validator that runs one of crm.validation's normalisers."""

    def check(form, field):
        try:
            normaliser(field.data)
        except InvalidValue as error:
            raise ValidationError(str(error)) from error

    return check
