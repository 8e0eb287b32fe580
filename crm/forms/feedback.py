"""Forms for session feedback: staff set up the topics; respondents fill in the public form."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from crm.forms.common import CrmForm
from crm.services.feedback import LABEL_LENGTH, NAME_LENGTH, TEXT_LENGTH, Answers

RATING_CHOICES = [(str(n), str(n)) for n in range(1, 6)]
RATING_HINT = "1 means you knew nothing about it, 5 means you knew a lot."
# A field people never see. Anything in it came from a program filling in every box.
HONEYPOT = "website"


class TopicForm(CrmForm):
    label = StringField(
        "Topic",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the topic people will rate"),
            Length(max=LABEL_LENGTH, message=f"Topic must be {LABEL_LENGTH} characters or fewer"),
        ],
    )
    submit = SubmitField("Save topic", widget=GovSubmitInput())


class MoveTopicForm(CrmForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"])])


class RatingField(RadioField):
    """1 to 5, or nothing chosen. The service says which ratings are missing or out of range, so
    only something that is not a number at all is refused here."""

    widget = GovRadioInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", RATING_CHOICES)
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        value = (valuelist[0] if valuelist else "").strip()
        if not value:
            self.data = None
        elif value.lstrip("-").isdigit() and len(value) < 4:
            self.data = int(value)
        else:
            self.data = None
            raise ValueError("Choose a number from 1 to 5")

    def _value(self):
        return "" if self.data is None else str(self.data)


class ResponseForm(CrmForm):
    """The public form. Its rating fields are added per topic by `response_form`."""

    topic_ids: list[int] = []

    def answers(self) -> Answers:
        return Answers(
            ratings={
                topic_id: (self[f"before_{topic_id}"].data, self[f"after_{topic_id}"].data)
                for topic_id in self.topic_ids
            },
            take_away=self.take_away.data,
            change=self.change.data,
            respondent_name=self.respondent_name.data,
        )

    def is_spam(self) -> bool:
        return bool((self[HONEYPOT].data or "").strip())

    def rating_fields(self, topic_id: int):
        return self[f"before_{topic_id}"], self[f"after_{topic_id}"]


def response_form(topics) -> ResponseForm:
    """The form for these topics: before and after ratings for each, then the questions."""

    def text_length(limit: int) -> Length:
        return Length(max=limit, message=f"Your answer must be {limit:,} characters or fewer")

    fields: dict = {"topic_ids": [topic.id for topic in topics]}
    for topic in topics:
        fields[f"before_{topic.id}"] = RatingField(f"{topic.label}: before the session")
        fields[f"after_{topic.id}"] = RatingField(f"{topic.label}: after the session")
    fields["take_away"] = TextAreaField(
        "What will you take away from this session?",
        widget=GovTextArea(),
        validators=[Optional(), text_length(TEXT_LENGTH)],
    )
    fields["change"] = TextAreaField(
        "What should we change?", widget=GovTextArea(), validators=[Optional(), text_length(TEXT_LENGTH)]
    )
    fields["respondent_name"] = StringField(
        "Your name (optional)", widget=GovTextInput(), validators=[Optional(), text_length(NAME_LENGTH)]
    )
    fields[HONEYPOT] = StringField("Leave this empty")
    fields["submit"] = SubmitField("Send feedback", widget=GovSubmitInput())
    form_class = type("TopicResponseForm", (ResponseForm,), fields)
    return form_class()
