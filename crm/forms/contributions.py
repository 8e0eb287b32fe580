"""Forms for contributions: add or change one, and record its "you said, we did" follow-up."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from crm.forms.common import CrmForm
from crm.forms.sessions import DayMonthYearField
from crm.models.enums import ContributionKind, FollowUpStatus

SUMMARY_LENGTH = 2000
NOTE_LENGTH = 2000

KIND_MISSING = "Choose the kind of contribution"
QUOTE_MISSING = "Choose yes if they agreed their words may be quoted, or no"
QUOTE_HINT = "Only say yes if they agreed their words may be quoted in reports."
YES_NO = [("yes", "Yes"), ("no", "No")]


def _max_length(length: int, label: str) -> Length:
    return Length(max=length, message=f"{label} must be {length:,} characters or fewer")


class ContributionForm(CrmForm):
    """One contribution. On the session page there is one per attendee, told apart by `prefix`."""

    kind = RadioField(
        "Kind of contribution",
        choices=ContributionKind.choices(),
        widget=GovRadioInput(),
        validate_choice=False,
        validators=[InputRequired(KIND_MISSING)],
    )
    summary = TextAreaField(
        "Short summary",
        widget=GovTextArea(),
        validators=[
            DataRequired("Enter a short summary of what they contributed"),
            _max_length(SUMMARY_LENGTH, "Summary"),
        ],
    )
    consent_to_quote = RadioField(
        "Did they agree to be quoted?",
        choices=YES_NO,
        widget=GovRadioInput(),
        validate_choice=False,
        validators=[InputRequired(QUOTE_MISSING)],
        description=QUOTE_HINT,
    )
    submit = SubmitField("Add contribution", widget=GovSubmitInput())

    def validate_kind(self, field) -> None:
        if field.data not in ContributionKind.values():
            raise ValidationError(KIND_MISSING)

    def validate_consent_to_quote(self, field) -> None:
        if field.data not in ("yes", "no"):
            raise ValidationError(QUOTE_MISSING)

    def fill_from(self, contribution) -> None:
        self.kind.data = contribution.kind.value
        self.summary.data = contribution.summary
        self.consent_to_quote.data = "yes" if contribution.consent_to_quote else "no"

    def contribution_data(self) -> dict:
        return {
            "kind": self.kind.data,
            "summary": self.summary.data,
            "consent_to_quote": self.consent_to_quote.data == "yes",
        }


class FollowUpForm(CrmForm):
    """What became of a contribution. Only the fields for the chosen state are used."""

    follow_up = RadioField(
        "What has happened to it?",
        choices=FollowUpStatus.choices(),
        widget=GovRadioInput(),
        validate_choice=False,
        validators=[InputRequired("Choose open, acted on or not taken forward")],
    )
    what_changed = TextAreaField(
        "What changed",
        widget=GovTextArea(),
        validators=[_max_length(NOTE_LENGTH, "What changed")],
    )
    changed_on = DayMonthYearField("Date it changed", missing="Enter the date it changed")
    why_not = TextAreaField(
        "Why it was not taken forward",
        widget=GovTextArea(),
        validators=[_max_length(NOTE_LENGTH, "Why it was not taken forward")],
    )
    submit = SubmitField("Save follow-up", widget=GovSubmitInput())

    def validate_follow_up(self, field) -> None:
        if field.data not in FollowUpStatus.values():
            raise ValidationError("Choose open, acted on or not taken forward")

    def validate_what_changed(self, field) -> None:
        if self.follow_up.data == FollowUpStatus.ACTED_ON.value and not (field.data or "").strip():
            raise ValidationError("Enter what changed")

    def validate_why_not(self, field) -> None:
        if self.follow_up.data == FollowUpStatus.NOT_TAKEN_FORWARD.value and not (field.data or "").strip():
            raise ValidationError("Enter why it was not taken forward")

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        # Only the fields for the chosen state count: what was typed under another choice is ignored.
        used = {
            FollowUpStatus.ACTED_ON.value: {"what_changed", "changed_on"},
            FollowUpStatus.NOT_TAKEN_FORWARD.value: {"why_not"},
        }.get(self.follow_up.data, set())
        for name in {"what_changed", "changed_on", "why_not"} - used:
            self[name].errors = []
        if "changed_on" not in used:
            self.changed_on.data = None
        elif self.changed_on.data is None and not self.changed_on.errors:
            self.changed_on.errors = [self.changed_on.missing]
        return not any(field.errors for field in self)

    def fill_from(self, contribution) -> None:
        self.follow_up.data = contribution.follow_up.value
        if contribution.follow_up == FollowUpStatus.ACTED_ON:
            self.what_changed.data = contribution.follow_up_note
            self.changed_on.data = contribution.followed_up_on
        elif contribution.follow_up == FollowUpStatus.NOT_TAKEN_FORWARD:
            self.why_not.data = contribution.follow_up_note

    def note(self) -> str | None:
        if self.follow_up.data == FollowUpStatus.ACTED_ON.value:
            return self.what_changed.data
        if self.follow_up.data == FollowUpStatus.NOT_TAKEN_FORWARD.value:
            return self.why_not.data
        return None

    def note_field(self) -> str:
        """The form field where the service's `follow_up_note` message belongs."""
        return "why_not" if self.follow_up.data == FollowUpStatus.NOT_TAKEN_FORWARD.value else "what_changed"
