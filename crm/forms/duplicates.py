"""The merge form: which record to keep, and whose value to keep for each detail."""

from __future__ import annotations

from wtforms import HiddenField, RadioField
from wtforms.validators import InputRequired, Optional

from crm.forms.common import CrmForm
from crm.services.merge import JOINABLE_FIELDS, MERGE_FIELDS

# Each detail's radios: the first record's value (the one in the URL first), the second's, or
# (for free text) both.
FIRST, SECOND, BOTH = "first", "second", "both"

FIELD_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "preferred_name": "Preferred name",
    "email": "Email",
    "phone": "Phone",
    "postcode": "Postcode",
    "ward_id": "Ward",
    "status": "Status",
    "needs_creche": "Needs a creche place",
    "needs_step_free": "Needs step-free access",
    "interpreter_language": "Interpreter",
    "other_needs": "Other access needs",
    "dietary_needs": "Dietary needs",
    "notes": "Notes",
}


def _choice_field(name: str) -> RadioField:
    choices = [(FIRST, "First record"), (SECOND, "Second record")]
    if name in JOINABLE_FIELDS:
        choices.append((BOTH, "Both"))
    return RadioField(FIELD_LABELS[name], choices=choices, validators=[Optional()])


class MergeForm(CrmForm):
    keep = RadioField(
        "Which record should stay?",
        choices=[(FIRST, "First record"), (SECOND, "Second record")],
        validators=[InputRequired("Choose which record should stay")],
    )
    # The versions the page showed: a merge based on older versions is refused.
    first_version = HiddenField()
    second_version = HiddenField()

    def choices_for_service(self, keep_is_first: bool) -> dict[str, str]:
        """{field: "keep" | "drop" | "both"} from the radios answered."""
        result = {}
        for name in MERGE_FIELDS:
            value = getattr(self, name).data
            if value == BOTH:
                result[name] = "both"
            elif value in (FIRST, SECOND):
                result[name] = "keep" if (value == FIRST) == keep_is_first else "drop"
        return result

    def versions(self) -> tuple[int, int] | None:
        try:
            return int(self.first_version.data), int(self.second_version.data)
        except (TypeError, ValueError):
            return None


for _name in MERGE_FIELDS:
    setattr(MergeForm, _name, _choice_field(_name))
