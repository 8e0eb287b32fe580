"""Forms for a session's register: the whole register in one POST, and adding walk-ins.

The walk-in search, the walk-in buttons and the new-person fields all sit inside the register's
<form>, so whichever button is pressed, the marks on the page travel with it."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovRadioInput, GovTextInput
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, RadioField, StringField
from wtforms.validators import DataRequired, Length, Optional

from crm.forms.common import CrmForm, OptionalIntSelectField, validate_with
from crm.models.enums import PersonType
from crm.services.register import REGISTER_MARKS, RegisterRow
from crm.validation import normalise_email, normalise_phone

# More rows than any session has; a bigger form is not a register.
MAX_ROWS = 2000


class RegisterRowForm(Form):
    """One person's row. The page writes the fields by hand (a segmented control and compact
    inputs); this parses them. The service checks the values."""

    person_id = HiddenField()
    status = RadioField(choices=[(mark.value, mark.label) for mark in REGISTER_MARKS], validate_choice=False)
    role = StringField()
    minutes = StringField()
    creche_children = StringField()
    loaded_status = HiddenField()
    loaded_role = HiddenField()
    loaded_minutes = HiddenField()
    loaded_creche_children = HiddenField()

    def register_row(self) -> RegisterRow:
        return RegisterRow(**{name: field.data for name, field in self._fields.items()})


class RegisterForm(CrmForm):
    """The register's rows. Its routes check the CSRF token themselves, so that an expired token
    shows the marks again instead of losing them (see crm/views/register.py)."""

    class Meta:
        csrf = False

    rows = FieldList(FormField(RegisterRowForm), max_entries=MAX_ROWS)

    def register_rows(self) -> list[RegisterRow]:
        return [entry.form.register_row() for entry in self.rows.entries]

    def submitted(self) -> bool:
        """True when the request carries register rows (the walk-in buttons bring them along)."""
        return bool(self.rows.entries)


class WalkInForm(CrmForm):
    """Add someone already in the CRM as attended."""

    person_id = StringField()

    def chosen_person_id(self) -> int | None:
        text = (self.person_id.data or "").strip()
        return int(text) if text.isdigit() and len(text) <= 18 else None


class NewWalkInForm(CrmForm):
    """Someone new came: a short form, checked for possible duplicates before they are added."""

    first_name = StringField(
        "First name",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter their first name"),
            Length(max=100, message="First name must be 100 characters or fewer"),
        ],
    )
    last_name = StringField(
        "Last name",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=100, message="Last name must be 100 characters or fewer")],
    )
    email = StringField("Email address (optional)", widget=GovTextInput(), validators=[validate_with(normalise_email)])
    phone = StringField("Phone number (optional)", widget=GovTextInput(), validators=[validate_with(normalise_phone)])
    person_type = RadioField(
        "What best describes them? (optional)",
        choices=PersonType.choices(),
        widget=GovRadioInput(),
        validators=[Optional()],
    )
    ward_id = OptionalIntSelectField("Ward (optional)")
    contact_consent = BooleanField("They agree to be contacted about opportunities", widget=GovCheckboxInput())
    # Set when the champion has seen the possible duplicates and chosen to add a new person.
    confirmed = HiddenField()

    def person_data(self) -> dict:
        return {
            "first_name": self.first_name.data,
            "last_name": self.last_name.data,
            "email": self.email.data,
            "phone": self.phone.data,
            "ward_id": self.ward_id.data,
            "person_types": [self.person_type.data] if self.person_type.data else [],
        }

    def prefill(self, q: str) -> None:
        """Start the form from what was searched for: an email, a phone number or a name."""
        text = (q or "").strip()
        if not text:
            return
        if "@" in text:
            self.email.data = text
        elif sum(c.isdigit() for c in text) >= 6:
            self.phone.data = text
        else:
            first, _, last = text.partition(" ")
            self.first_name.data = first.strip().title() if first.islower() else first.strip()
            last = last.strip()
            self.last_name.data = last.title() if last.islower() else last
