"""The dashboard's year picker: a GET form (it changes nothing, so it has no CSRF token)."""

from __future__ import annotations

import calendar
from datetime import date

from wtforms import RadioField, SelectField
from wtforms.validators import InputRequired

from crm.forms.common import CrmForm
from crm.periods import BASES, CALENDAR, FINANCIAL, Period


def basis_choices(financial_year_start_month: int) -> list[tuple[str, str]]:
    first = calendar.month_name[financial_year_start_month]
    last = calendar.month_name[(financial_year_start_month - 2) % 12 + 1]
    return [(CALENDAR, "Calendar year (January to December)"), (FINANCIAL, f"Financial year ({first} to {last})")]


class ReportPeriodForm(CrmForm):
    class Meta:
        csrf = False

    basis = RadioField("Type of year", validators=[InputRequired("Choose calendar or financial year")])
    year = SelectField("Year", coerce=str, validate_choice=False)

    def __init__(self, formdata, *, years: list[int], financial_year_start_month: int, today: date):
        super().__init__(formdata=formdata)
        self.financial_year_start_month = financial_year_start_month
        self.basis.choices = basis_choices(financial_year_start_month)
        self.today = today
        self.years = years
        if not self.basis.data:
            self.basis.data = CALENDAR

    def period(self) -> tuple[Period, bool]:
        """The period asked for, and whether the request was valid (else the current period)."""
        basis = self.basis.data if self.basis.data in BASES else CALENDAR
        current = Period.containing(self.today, basis, self.financial_year_start_month)
        if self.basis.data not in BASES:
            self.basis.errors = ["Choose calendar or financial year"]
            self.basis.data = CALENDAR
            return current, False
        raw = (self.year.data or "").strip()
        if not raw:
            return current, True
        try:
            return Period.of(int(raw), basis, self.financial_year_start_month), True
        except ValueError:
            self.year.errors = ["Choose a year from the list"]
            return current, False

    def year_options(self, chosen: Period) -> list[dict]:
        """The year list, labelled in both forms so a script can relabel it when the type changes."""
        years = sorted(set(self.years) | {chosen.year}, reverse=True)
        start = self.financial_year_start_month
        return [
            {
                "value": year,
                "calendar": Period.of(year, CALENDAR).label,
                "financial": Period.of(year, FINANCIAL, start).label if start != 1 else str(year),
                "selected": year == chosen.year,
            }
            for year in years
        ]
