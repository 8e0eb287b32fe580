"""Sign-in, first administrator and password forms."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from crm.forms.common import CrmForm


class SignInForm(CrmForm):
    email = EmailField("Email address", widget=GovTextInput(), validators=[DataRequired("Enter your email address")])
    password = PasswordField("Password", widget=GovPasswordInput(), validators=[DataRequired("Enter your password")])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


def new_password_fields(label: str = "Password") -> tuple[PasswordField, PasswordField]:
    """A new password and its confirmation, made where the form declares them so they keep
    their place in the form's order (and in its error summary)."""
    return (
        PasswordField(
            label,
            widget=GovPasswordInput(),
            description="Use 8 or more characters. A few unrelated words make a strong password.",
            validators=[
                DataRequired("Enter a password"),
                Length(max=128, message="Password must be 128 characters or fewer"),
            ],
        ),
        PasswordField(
            f"Confirm {label.lower()}",
            widget=GovPasswordInput(),
            validators=[DataRequired("Confirm the password"), EqualTo("new_password", "Passwords do not match")],
        ),
    )


class FirstAdministratorForm(CrmForm):
    name = StringField(
        "Your name",
        widget=GovTextInput(),
        validators=[DataRequired("Enter your name"), Length(max=150, message="Name must be 150 characters or fewer")],
    )
    email = EmailField("Email address", widget=GovTextInput(), validators=[DataRequired("Enter your email address")])
    new_password, confirm_password = new_password_fields()
    submit = SubmitField("Create administrator account", widget=GovSubmitInput())


class ChangePasswordForm(CrmForm):
    current_password = PasswordField(
        "Current password", widget=GovPasswordInput(), validators=[DataRequired("Enter your current password")]
    )
    new_password, confirm_password = new_password_fields("New password")
    submit = SubmitField("Change password", widget=GovSubmitInput())
