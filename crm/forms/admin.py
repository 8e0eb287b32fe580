"""Forms for the administration area: staff accounts, lists and the audit log filters."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from crm.forms.common import CrmForm, OptionalIntSelectField
from crm.models.enums import AuditAction, Role, TagCategory
from crm.passwords import MAX_LENGTH, MIN_LENGTH

# One line per role, shown beside the role radios. Kept in step with crm/permissions.py.
ROLE_DESCRIPTIONS = {
    Role.ADMIN: "Everything a manager can do, plus staff accounts, the lists of wards, themes "
    "and tags, and the audit log",
    Role.MANAGER: "Everything a coordinator can do, plus participation reports and exports",
    Role.COORDINATOR: "Everything a champion can do, plus organisations, sessions, finding people "
    "and sending invitations",
    Role.CHAMPION: "Add and update people, and record who came to sessions",
}

PASSWORD_HINT = (
    f"Use {MIN_LENGTH} or more characters. A few unrelated words make a strong password. "
    "Common passwords and the email address are not accepted."
)


class DayField(DateField):
    """A date typed as YYYY-MM-DD (what a browser's date picker sends), with a clear message."""

    widget = GovTextInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(f"Enter a real date for ‘{self.label.text}’, like 2025-03-31") from error


def role_items() -> list[dict]:
    """Per-radio hints for a role field, in the order of Role."""
    return [{"hint": {"text": ROLE_DESCRIPTIONS[role]}} for role in Role]


def _password_field(label: str) -> PasswordField:
    return PasswordField(
        label,
        widget=GovPasswordInput(),
        description=PASSWORD_HINT,
        validators=[
            DataRequired("Enter a password"),
            Length(max=MAX_LENGTH, message=f"Password must be {MAX_LENGTH} characters or fewer"),
        ],
    )


def _role_field() -> RadioField:
    return RadioField(
        "Role", choices=Role.choices(), widget=GovRadioInput(), validators=[InputRequired("Choose a role")]
    )


def _name_field(label: str, what: str, max_length: int) -> StringField:
    return StringField(
        label,
        widget=GovTextInput(),
        validators=[
            DataRequired(f"Enter {what}"),
            Length(max=max_length, message=f"Name must be {max_length} characters or fewer"),
        ],
    )


class NewAccountForm(CrmForm):
    name = _name_field("Full name", "their name", 150)
    email = EmailField(
        "Email address", widget=GovTextInput(), validators=[DataRequired("Enter an email address"), Length(max=254)]
    )
    role = _role_field()
    password = _password_field("Initial password")
    submit = SubmitField("Add account", widget=GovSubmitInput())


class EditAccountForm(CrmForm):
    name = _name_field("Full name", "their name", 150)
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        description="They sign in with this address",
        validators=[DataRequired("Enter an email address"), Length(max=254)],
    )
    role = _role_field()
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class ResetPasswordForm(CrmForm):
    new_password = _password_field("New password")
    submit = SubmitField("Set new password", widget=GovSubmitInput())


class WardForm(CrmForm):
    name = _name_field("Ward name", "the ward’s name", 100)
    is_priority = BooleanField(
        "Priority ward", widget=GovCheckboxInput(), description="A ward the programme especially wants to reach"
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class ThemeForm(CrmForm):
    name = _name_field("Theme name", "the theme’s name", 100)
    submit = SubmitField("Save", widget=GovSubmitInput())


class TagForm(CrmForm):
    category = RadioField(
        "Category",
        choices=TagCategory.choices(),
        widget=GovRadioInput(),
        validators=[InputRequired("Choose a category")],
    )
    name = _name_field("Tag name", "the tag’s name", 100)
    submit = SubmitField("Add tag", widget=GovSubmitInput())


class AuditFilterForm(CrmForm):
    """Filters for the audit log, read from the query string (a GET form, so no CSRF token)."""

    class Meta:
        csrf = False

    entity_type = SelectField("Record type", widget=GovSelect(), validators=[Optional()])
    action = SelectField(
        "Action", widget=GovSelect(), validators=[Optional()], choices=[("", "Any action"), *AuditAction.choices()]
    )
    user = OptionalIntSelectField("Who", blank="Anyone")
    date_from = DayField("From", name="from", validators=[Optional()])
    date_to = DayField("To", name="to", validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The ‘to’ date must be the same as or after the ‘from’ date")

    def filters(self) -> dict:
        """The filters that passed validation, as keyword arguments for queries.audit.audit_log."""

        def clean(field):
            return None if field.errors else (field.data or None)

        user = None if self.user.errors else self.user.data
        return {
            "entity_type": clean(self.entity_type),
            "action": clean(self.action),
            "user_id": user,
            "date_from": clean(self.date_from),
            "date_to": clean(self.date_to),
        }
