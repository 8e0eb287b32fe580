"""Forms for data protection: equality monitoring, anonymising, retention and the programme settings."""

from __future__ import annotations

import calendar

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import IntegerField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from crm.forms.common import CrmForm
from crm.models.enums import AgeBand, Disability, Ethnicity, Gender
from crm.services.settings import MAX_RETENTION_MONTHS, MIN_FORM_RETENTION_MONTHS

NOT_ANSWERED = ("", "Not answered")
CONFIRM_WORD = "ANONYMISE"
_GROUP_SHORT = {"asian": "Asian", "black": "Black", "mixed": "Mixed", "white": "White", "other": "Other"}


def _ethnicity_choices() -> list[tuple[str, str]]:
    """The ONS 2021 categories, each prefixed by its high-level group so the list reads in groups."""
    choices = [NOT_ANSWERED]
    for ethnicity in Ethnicity:
        if ethnicity is Ethnicity.PREFER_NOT_TO_SAY:
            continue
        choices.append((ethnicity.value, f"{_GROUP_SHORT[ethnicity.group.value]}: {ethnicity.label}"))
    choices.append((Ethnicity.PREFER_NOT_TO_SAY.value, Ethnicity.PREFER_NOT_TO_SAY.label))
    return choices


def _radios(label: str, enum) -> RadioField:
    return RadioField(label, choices=[NOT_ANSWERED, *enum.choices()], widget=GovRadioInput(), validators=[Optional()])


class EqualityForm(CrmForm):
    age_band = _radios("Age", AgeBand)
    ethnicity = SelectField(
        "Ethnic group",
        choices=_ethnicity_choices(),
        widget=GovSelect(),
        validators=[Optional()],
        description="The categories of the 2021 Census in England and Wales",
    )
    disability = _radios("Do they consider themselves to have a disability?", Disability)
    gender = _radios("Gender", Gender)
    submit = SubmitField("Save answers", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name in ("age_band", "ethnicity", "disability", "gender"):
            field = getattr(self, name)
            field.errors = [
                "Choose an answer from the list" if error.startswith("Not a valid choice") else error
                for error in field.errors
            ]
        return valid

    def answers(self) -> dict[str, str | None]:
        return {name: getattr(self, name).data or None for name in ("age_band", "ethnicity", "disability", "gender")}


class AnonymiseForm(CrmForm):
    confirm = StringField(
        f"Type {CONFIRM_WORD} to confirm",
        widget=GovTextInput(),
        validators=[InputRequired(f"Type {CONFIRM_WORD} to confirm")],
    )
    submit = SubmitField("Anonymise", widget=GovSubmitInput())

    def validate_confirm(self, field):
        if (field.data or "").strip().upper() != CONFIRM_WORD:
            raise ValidationError(f"Type {CONFIRM_WORD} in capitals to confirm, or go back if you did not mean to")


class SettingsForm(CrmForm):
    financial_year_start_month = SelectField(
        "Financial year starts in",
        choices=[(str(month), calendar.month_name[month]) for month in range(1, 13)],
        coerce=int,
        widget=GovSelect(),
        validators=[InputRequired("Choose the month the financial year starts in")],
        description="Reports by financial year run for twelve months from the first day of this month.",
    )
    retention_months = IntegerField(
        "Retention period",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the retention period as a whole number of months, for example 36"),
            NumberRange(
                min=MIN_FORM_RETENTION_MONTHS,
                max=MAX_RETENTION_MONTHS,
                message=f"Enter a retention period between {MIN_FORM_RETENTION_MONTHS} and {MAX_RETENTION_MONTHS} "
                "months: people who take part once a year must not be anonymised between visits",
            ),
        ],
        description="People with no participation (and not added) for this long are listed for review "
        "and anonymisation. 36 months is three years.",
    )
    submit = SubmitField("Save settings", widget=GovSubmitInput())


def explain_integer_errors(form: SettingsForm) -> None:
    """WTForms says "Not a valid integer value." and "Not a valid choice."; say what to do instead."""
    field = form.retention_months
    field.errors = [
        "Enter the retention period as a whole number of months, for example 36"
        if error.startswith("Not a valid integer")
        else error
        for error in field.errors
    ]
    month = form.financial_year_start_month
    month.errors = [
        "Choose the month the financial year starts in" if error.startswith("Not a valid choice") else error
        for error in month.errors
    ]
