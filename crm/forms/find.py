"""Forms of the find-people screen. The filters themselves are a GET form checked by
crm.queries.find_people.parse_filters, the same checks the API and saved searches use."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from crm.forms.common import CrmForm
from crm.services.saved_searches import MAX_NAME


class SaveSearchForm(CrmForm):
    name = StringField(
        "Name this search",
        widget=GovTextInput(),
        description="For example, Parents of under-twos in Kursaal",
        validators=[DataRequired("Enter a name for this search"), Length(max=MAX_NAME)],
    )
    submit = SubmitField("Save this search", widget=GovSubmitInput())
