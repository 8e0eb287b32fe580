"""Forms for people, their affiliations and consents."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from crm.forms.common import MultiCheckboxField, OptionalIntSelectField, validate_with
from crm.models.enums import ConsentMethod, ConsentPurpose, PersonStatus, PersonType
from crm.validation import normalise_email, normalise_phone, normalise_postcode


class PersonForm(FlaskForm):
    first_name = StringField(
        "First name",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter a first name"),
            Length(max=100, message="First name must be 100 characters or fewer"),
        ],
    )
    last_name = StringField(
        "Last name",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=100, message="Last name must be 100 characters or fewer")],
    )
    preferred_name = StringField(
        "Preferred name (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=100, message="Preferred name must be 100 characters or fewer")],
    )
    email = StringField("Email address (optional)", widget=GovTextInput(), validators=[validate_with(normalise_email)])
    phone = StringField("Phone number (optional)", widget=GovTextInput(), validators=[validate_with(normalise_phone)])
    postcode = StringField("Postcode (optional)", widget=GovTextInput(), validators=[validate_with(normalise_postcode)])
    ward_id = OptionalIntSelectField("Ward")
    person_types = MultiCheckboxField("Person type", choices=PersonType.choices())
    interest_tags = MultiCheckboxField("Interests", coerce=int)
    lived_experience_tags = MultiCheckboxField("Lived experience", coerce=int)
    skill_tags = MultiCheckboxField("Skills", coerce=int)
    language_tags = MultiCheckboxField("Languages", coerce=int)
    needs_creche = BooleanField("Needs a creche place or childcare", widget=GovCheckboxInput())
    needs_step_free = BooleanField("Needs step-free access", widget=GovCheckboxInput())
    interpreter_language = StringField(
        "Needs an interpreter: which language? (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=60, message="Language must be 60 characters or fewer")],
    )
    other_needs = TextAreaField(
        "Other access needs (optional)", widget=GovTextArea(), validators=[Optional(), Length(max=2000)]
    )
    status = RadioField(
        "Status",
        choices=PersonStatus.choices(),
        default=PersonStatus.ACTIVE.value,
        widget=GovRadioInput(),
        validators=[InputRequired("Choose a status")],
    )
    notes = TextAreaField("Notes (optional)", widget=GovTextArea(), validators=[Optional(), Length(max=5000)])
    version = HiddenField()
    submit = SubmitField("Save", widget=GovSubmitInput())

    TAG_FIELDS = {
        "interest": "interest_tags",
        "lived_experience": "lived_experience_tags",
        "skill": "skill_tags",
        "language": "language_tags",
    }

    def tag_ids(self) -> list[int]:
        ids: list[int] = []
        for name in self.TAG_FIELDS.values():
            ids.extend(getattr(self, name).data or [])
        return ids

    def person_data(self) -> dict:
        """What the people service needs, from the submitted form."""
        data = {
            name: getattr(self, name).data
            for name in (
                "first_name",
                "last_name",
                "preferred_name",
                "email",
                "phone",
                "postcode",
                "ward_id",
                "needs_creche",
                "needs_step_free",
                "interpreter_language",
                "other_needs",
                "status",
                "notes",
            )
        }
        data["person_types"] = self.person_types.data or []
        data["tags"] = self.tag_ids()
        return data


class AffiliationForm(FlaskForm):
    organisation_id = SelectField(
        "Organisation", coerce=int, widget=GovSelect(), validators=[InputRequired("Choose an organisation")]
    )
    job_title = StringField(
        "Job title (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=150, message="Job title must be 150 characters or fewer")],
    )
    submit = SubmitField("Add affiliation", widget=GovSubmitInput())


class ConsentForm(FlaskForm):
    purpose = RadioField(
        "What did they agree to?",
        choices=ConsentPurpose.choices(),
        widget=GovRadioInput(),
        validators=[InputRequired("Choose what the person agreed to")],
    )
    partner_name = StringField(
        "Partner (for sharing only)", widget=GovTextInput(), validators=[Optional(), Length(max=200)]
    )
    method = RadioField(
        "How did they give it?",
        choices=[c for c in ConsentMethod.choices() if c[0] != "api"],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose how consent was given")],
    )
    wording = TextAreaField(
        "The exact wording they were shown or read",
        widget=GovTextArea(),
        validators=[DataRequired("Enter the wording the person agreed to"), Length(max=5000)],
    )
    submit = SubmitField("Record consent", widget=GovSubmitInput())
