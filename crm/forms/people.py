"""Forms for people, their affiliations and consents."""

from __future__ import annotations

from datetime import datetime

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from crm.consent import fill_partner, given_at_for, standard_purpose_of, standard_wording, uk_today
from crm.forms.common import CrmForm, MultiCheckboxField, OptionalIntSelectField, validate_with
from crm.forms.sessions import DayMonthYearField
from crm.models.enums import ConsentMethod, ConsentPurpose, PersonStatus, PersonType
from crm.validation import normalise_email, normalise_phone, normalise_postcode

# Consents are recorded from paper forms as old as the programme, not older.
EARLIEST_YEAR = 2000


class PersonForm(CrmForm):
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
        validators=[Optional(), Length(max=60, message="Interpreter language must be 60 characters or fewer")],
    )
    other_needs = TextAreaField(
        "Other access needs (optional)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=2000, message="Other access needs must be 2,000 characters or fewer")],
    )
    status = RadioField(
        "Status",
        choices=PersonStatus.choices(),
        default=PersonStatus.ACTIVE.value,
        widget=GovRadioInput(),
        validators=[InputRequired("Choose a status")],
    )
    notes = TextAreaField(
        "Notes (optional)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=5000, message="Notes must be 5,000 characters or fewer")],
    )
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


class NewPersonForm(PersonForm):
    """Adding a person: their details, and whether they agree to be contacted, in one go."""

    contact_consent = BooleanField("They agree to be contacted about opportunities", widget=GovCheckboxInput())
    contact_consent_method = RadioField(
        "How did they agree?",
        choices=[(m.value, m.label) for m in (ConsentMethod.PAPER, ConsentMethod.ONLINE, ConsentMethod.VERBAL)],
        widget=GovRadioInput(),
        validate_choice=False,
    )

    def validate_contact_consent_method(self, field) -> None:
        if not self.contact_consent.data:
            field.data = None
            return
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Choose how they agreed to be contacted")


class AffiliationForm(CrmForm):
    organisation_id = OptionalIntSelectField(
        "Organisation", blank="Choose an organisation", validators=[InputRequired("Choose an organisation")]
    )
    job_title = StringField(
        "Job title (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=150, message="Job title must be 150 characters or fewer")],
    )
    submit = SubmitField("Add affiliation", widget=GovSubmitInput())


class OptionalDayMonthYearField(DayMonthYearField):
    """A day, month and year that may be left blank: blank means `blank()`."""

    def __init__(self, *args, blank, **kwargs):
        self.blank = blank
        super().__init__(*args, **kwargs)

    def pre_validate(self, form) -> None:
        if self.raw_data is not None and not any(self.raw_data):
            self.data = self.blank()
            return
        super().pre_validate(form)


class ConsentForm(CrmForm):
    purpose = RadioField(
        "What did they agree to?",
        choices=ConsentPurpose.choices(),
        widget=GovRadioInput(),
        validators=[InputRequired("Choose what the person agreed to")],
    )
    partner_name = StringField(
        "Partner (for sharing only)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=200, message="Partner must be 200 characters or fewer")],
    )
    method = RadioField(
        "How did they give it?",
        choices=[c for c in ConsentMethod.choices() if c[0] != "api"],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose how consent was given")],
    )
    given_on = OptionalDayMonthYearField("Date given", blank=uk_today, default=uk_today)
    wording = TextAreaField(
        "The exact wording they were shown or read",
        widget=GovTextArea(),
        validators=[
            DataRequired("Enter the wording the person agreed to"),
            Length(max=5000, message="Wording must be 5,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Record consent", widget=GovSubmitInput())

    def validate_given_on(self, field) -> None:
        if field.data is None:
            return
        if field.data > uk_today():
            raise ValidationError("Date given must be today or in the past")
        if field.data.year < EARLIEST_YEAR:
            raise ValidationError(f"Date given must be in {EARLIEST_YEAR} or later")

    def validate_wording(self, field) -> None:
        chosen = self.purpose.data if self.purpose.data in ConsentPurpose.values() else None
        standard = standard_purpose_of(field.data or "")
        if chosen is None or standard is None or standard == ConsentPurpose(chosen):
            return
        # The page starts with the contact wording; someone who chose another purpose and left it
        # would record words the person never agreed to. Offer the right standard wording instead.
        chosen = ConsentPurpose(chosen)
        field.data = standard_wording(chosen, self.partner_name.data)
        raise ValidationError(
            f"You chose {chosen.label.lower()}, but the wording was our wording for {standard.label.lower()}. "
            f"It now shows our wording for {chosen.label.lower()}: check it, or change it to what they were "
            "shown, and record consent again"
        )

    def wording_to_record(self) -> str:
        if self.purpose.data != ConsentPurpose.SHARING.value:
            return self.wording.data or ""
        return fill_partner(self.wording.data or "", self.partner_name.data)

    def given_at(self) -> datetime | None:
        return given_at_for(self.given_on.data)
