"""Forms for sessions and events: add, edit, cancel."""

from __future__ import annotations

import re
from datetime import datetime, time

from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import Field, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from crm.forms.common import CrmForm, OptionalIntSelectField
from crm.models.enums import InvolvementLevel, SessionFormat, SessionKind
from crm.validation import InvalidValue, normalise_web_address

MAX_PLACES = 10000

LEVEL_HINT = (
    "How much say people have, from least to most: informing (we tell people) < consulting "
    "(we ask for views) < engaging (we discuss options together) < co-designing (we shape it "
    "together) < co-producing (we share power and delivery)."
)

_TIME = re.compile(
    r"^(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?m?\.?$"  # 2pm, 2.30pm
    r"|^(\d{1,2})(?:[:.](\d{2}))?$"  # 14, 14:30, 9.30
    r"|^(\d{1,2})(\d{2})$"  # 930, 1430
)


def parse_time(text: str | None) -> time | None:
    """A time typed the ways people type them: 10:00, 10.00, 9:30, 14:30, 0930, 2pm, 2.30pm."""
    value = re.sub(r"\s+", "", (text or "")).lower()
    if not value:
        return None
    match = _TIME.match(value)
    if not match:
        raise ValueError(text)
    clock_hour, clock_minute, half, hour, minute, compact_hour, compact_minute = match.groups()
    if half:
        hour_number = int(clock_hour)
        if not 1 <= hour_number <= 12:
            raise ValueError(text)
        hour_number = hour_number % 12 + (12 if half == "p" else 0)
        return time(hour_number, _minute(clock_minute or "0", text))
    hour_text = hour if hour is not None else compact_hour
    minute_text = minute if hour is not None else compact_minute
    hour_number = int(hour_text)
    if hour_number > 23:
        raise ValueError(text)
    return time(hour_number, _minute(minute_text or "0", text))


def _minute(text: str, original: str | None) -> int:
    minute = int(text)
    if minute > 59:
        raise ValueError(original)
    return minute


def _max_length(length: int, label: str) -> Length:
    return Length(max=length, message=f"{label} must be {length:,} characters or fewer")


class TimeTextField(StringField):
    """A time typed as text; `.time` holds the parsed value once the form validates."""

    widget = GovTextInput()

    def __init__(self, *args, missing: str, example: str, **kwargs):
        self.missing = missing
        self.example = example
        self.time: time | None = None
        super().__init__(*args, **kwargs)

    def pre_validate(self, form) -> None:
        self.time = None
        try:
            self.time = parse_time(self.data)
        except ValueError:
            raise ValidationError(f"Enter a time using the 24-hour clock, like {self.example}") from None
        if self.time is None:
            raise ValidationError(self.missing)


class PlacesField(StringField):
    """A whole number of places, 0 or more; `.number` holds it once the form validates."""

    widget = GovTextInput()

    def __init__(self, *args, what: str, blank: int | None, **kwargs):
        self.what = what
        self.blank = blank
        self.number: int | None = blank
        super().__init__(*args, **kwargs)

    def pre_validate(self, form) -> None:
        text = (self.data or "").strip().replace(",", "")
        self.number = self.blank
        if not text:
            return
        if not text.isdigit():
            raise ValidationError(f"{self.what} must be a whole number, 0 or more")
        if int(text) > MAX_PLACES:
            raise ValidationError(f"{self.what} must be {MAX_PLACES:,} or fewer")
        self.number = int(text)


class DayMonthYearField(Field):
    """A date typed as day, month and year in three boxes (the GOV.UK date input pattern)."""

    widget = GovDateInput()

    def __init__(self, *args, missing: str = "Enter a date", **kwargs):
        self.missing = missing
        super().__init__(*args, **kwargs)

    def _value(self):
        return self.data.strftime("%d %m %Y") if self.data else ""

    def process_formdata(self, valuelist):
        # Always three parts, so the widget can show back exactly what was typed.
        parts = [(v or "").strip() for v in list(valuelist or [])[:3]]
        self.raw_data = parts + [""] * (3 - len(parts))
        self.data = None

    def pre_validate(self, form) -> None:
        if self.raw_data is None:
            return
        day, month, year = self.raw_data
        parts = zip(("day", "month", "year"), self.raw_data, strict=True)
        names = [name for name, part in parts if not part]
        if len(names) == 3:
            raise ValidationError(self.missing)
        if names:
            raise ValidationError(f"{self.label.text} must include a {' and '.join(names)}")
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise ValidationError(f"{self.label.text} must be a real date, using numbers only")
        if len(year) != 4:
            raise ValidationError("Year must include 4 numbers")
        try:
            self.data = datetime(int(year), int(month), int(day)).date()
        except ValueError:
            raise ValidationError("Enter a real date") from None


class SessionForm(CrmForm):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        validators=[DataRequired("Enter a title"), _max_length(200, "Title")],
    )
    event_id = OptionalIntSelectField("Event (optional)", blank="Not part of an event")
    date = DayMonthYearField("Date", missing="Enter the date of the session")
    start_time = TimeTextField("Start time", missing="Enter a start time, like 10:00", example="10:00")
    end_time = TimeTextField("End time", missing="Enter an end time, like 12:30", example="12:30")
    format = RadioField(
        "Format",
        choices=SessionFormat.choices(),
        widget=GovRadioInput(),
        validate_choice=False,
        validators=[InputRequired("Choose in person, online or hybrid")],
    )
    kind = SelectField(
        "Kind of session",
        choices=[("", "Choose the kind of session"), *SessionKind.choices()],
        widget=GovSelect(),
        validate_choice=False,
        validators=[DataRequired("Choose the kind of session")],
    )
    theme_id = OptionalIntSelectField("Theme (optional)", blank="No theme")
    involvement_level = RadioField(
        "Involvement level",
        choices=InvolvementLevel.choices(),
        widget=GovRadioInput(),
        validate_choice=False,
        validators=[InputRequired("Choose the involvement level")],
        description=LEVEL_HINT,
    )
    location = StringField(
        "Location (optional)",
        widget=GovTextInput(),
        validators=[Optional(), _max_length(300, "Location")],
    )
    meeting_link = StringField(
        "Meeting link (optional)",
        widget=GovTextInput(),
        validators=[_max_length(500, "Meeting link")],
    )
    organiser_organisation_id = OptionalIntSelectField("Organiser (optional)", blank="No organiser recorded")
    capacity = PlacesField("Capacity (optional)", what="Capacity", blank=None)
    creche_places = PlacesField("Creche places", what="Creche places", blank=0, default="0")
    description = TextAreaField(
        "Description (optional)",
        widget=GovTextArea(),
        validators=[Optional(), _max_length(5000, "Description")],
    )
    notes = TextAreaField(
        "Notes (optional)",
        widget=GovTextArea(),
        validators=[Optional(), _max_length(5000, "Notes")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    def validate_format(self, field) -> None:
        if field.data not in SessionFormat.values():
            raise ValidationError("Choose in person, online or hybrid")

    def validate_kind(self, field) -> None:
        if field.data not in SessionKind.values():
            raise ValidationError("Choose the kind of session")

    def validate_involvement_level(self, field) -> None:
        if field.data not in InvolvementLevel.values():
            raise ValidationError("Choose the involvement level")

    def validate_meeting_link(self, field) -> None:
        try:
            field.data = normalise_web_address(field.data)
        except InvalidValue as error:
            raise ValidationError(str(error)) from error

    def validate_end_time(self, field) -> None:
        start, end = self.start_time.time, self.end_time.time
        if start is not None and end is not None and end <= start:
            raise ValidationError("End time must be after the start time")

    def fill_from(self, session) -> None:
        """Show a stored session in the form (GET of the edit page)."""
        for name in ("title", "location", "meeting_link", "description", "notes"):
            getattr(self, name).data = getattr(session, name)
        self.event_id.data = session.event_id
        self.theme_id.data = session.theme_id
        self.organiser_organisation_id.data = session.organiser_organisation_id
        self.date.data = session.date
        self.start_time.data = session.start_time.strftime("%H:%M")
        self.end_time.data = session.end_time.strftime("%H:%M")
        self.format.data = session.format.value
        self.kind.data = session.kind.value
        self.involvement_level.data = session.involvement_level.value
        self.capacity.data = "" if session.capacity is None else str(session.capacity)
        self.creche_places.data = str(session.creche_places)

    def session_data(self) -> dict:
        """What the sessions service needs, from a validated form."""
        data = {
            name: getattr(self, name).data
            for name in (
                "title",
                "event_id",
                "date",
                "format",
                "kind",
                "theme_id",
                "involvement_level",
                "location",
                "meeting_link",
                "organiser_organisation_id",
                "description",
                "notes",
            )
        }
        data.update(
            start_time=self.start_time.time,
            end_time=self.end_time.time,
            capacity=self.capacity.number,
            creche_places=self.creche_places.number,
        )
        return data


class CancelSessionForm(CrmForm):
    reason = TextAreaField(
        "Reason (optional)",
        widget=GovTextArea(),
        validators=[Optional(), _max_length(300, "Reason")],
    )
    submit = SubmitField("Yes, cancel this session", widget=GovSubmitInput())


class EventForm(CrmForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the event's name"), _max_length(200, "Name")],
    )
    description = TextAreaField(
        "Description (optional)",
        widget=GovTextArea(),
        validators=[Optional(), _max_length(5000, "Description")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())
