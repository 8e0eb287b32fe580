"""Sign-in, first administrator and password forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length


class SignInForm(FlaskForm):
    email = EmailField("Email address", widget=GovTextInput(), validators=[DataRequired("Enter your email address")])
    password = PasswordField("Password", widget=GovPasswordInput(), validators=[DataRequired("Enter your password")])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class NewPasswordMixin:
    new_password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        description="Use 8 or more characters. A few unrelated words make a strong password.",
        validators=[
            DataRequired("Enter a password"),
            Length(max=128, message="Password must be 128 characters or fewer"),
        ],
    )
    confirm_password = PasswordField(
        "Confirm password",
        widget=GovPasswordInput(),
        validators=[DataRequired("Confirm the password"), EqualTo("new_password", "Passwords do not match")],
    )


class FirstAdministratorForm(NewPasswordMixin, FlaskForm):
    name = StringField(
        "Your name", widget=GovTextInput(), validators=[DataRequired("Enter your name"), Length(max=150)]
    )
    email = EmailField("Email address", widget=GovTextInput(), validators=[DataRequired("Enter your email address")])
    submit = SubmitField("Create administrator account", widget=GovSubmitInput())


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        "Current password", widget=GovPasswordInput(), validators=[DataRequired("Enter your current password")]
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())
