"""Forms for invitations: the public reply page and a session's invitation wording."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from crm.forms.common import CrmForm
from crm.models.enums import ReplyAnswer
from crm.services.invitations import MAX_CRECHE_CHILDREN, Reply


class ReplyForm(CrmForm):
    answer = RadioField(
        "Can you come?",
        choices=ReplyAnswer.choices(),
        widget=GovRadioInput(),
        validators=[InputRequired("Tell us whether you can come")],
    )
    creche_children = IntegerField(
        "How many children need a creche place?",
        widget=GovTextInput(),
        default=0,
        validators=[
            Optional(),
            NumberRange(0, MAX_CRECHE_CHILDREN, f"Enter a number of children from 0 to {MAX_CRECHE_CHILDREN}"),
        ],
    )
    creche_ages = StringField(
        "Their ages",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=100, message="Ages must be 100 characters or fewer")],
    )
    step_free = BooleanField("I need step-free access", widget=GovCheckboxInput())
    interpreter_language = StringField(
        "I need an interpreter for this language",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=60, message="Language must be 60 characters or fewer")],
    )
    other_needs = TextAreaField(
        "Anything else we should know to make the session accessible to you",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=1000, message="Access needs must be 1,000 characters or fewer")],
    )
    dietary_needs = StringField(
        "Dietary needs",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=300, message="Dietary needs must be 300 characters or fewer")],
    )
    note = TextAreaField(
        "Anything else you want to tell us (optional)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=2000, message="Your message must be 2,000 characters or fewer")],
    )
    submit = SubmitField("Send reply", widget=GovSubmitInput())

    def reply(self) -> Reply:
        return Reply(
            answer=ReplyAnswer(self.answer.data),
            creche_children=self.creche_children.data or 0,
            creche_ages=self.creche_ages.data,
            step_free=bool(self.step_free.data),
            interpreter_language=self.interpreter_language.data,
            other_needs=self.other_needs.data,
            dietary_needs=self.dietary_needs.data,
            note=self.note.data,
        )


class WordingForm(CrmForm):
    invitation_subject = StringField(
        "Subject",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=200, message="Subject must be 200 characters or fewer")],
    )
    invitation_text = TextAreaField(
        "Invitation text",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=5000, message="Invitation text must be 5,000 characters or fewer")],
    )
    submit = SubmitField("Save wording", widget=GovSubmitInput())
