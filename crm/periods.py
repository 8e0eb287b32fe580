"""Reporting periods: a calendar year, or a financial year starting in a configurable month.

A financial year is named by the calendar year it starts in: with an April start, 2024 is
1 April 2024 to 31 March 2025, labelled "2024/25". A January start makes it a calendar year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

CALENDAR = "calendar"
FINANCIAL = "financial"
BASES = (CALENDAR, FINANCIAL)
EARLIEST_YEAR = 1990


@dataclass(frozen=True)
class Period:
    year: int
    basis: str
    start_month: int  # 1 for a calendar year

    @classmethod
    def of(cls, year: int, basis: str = CALENDAR, financial_year_start_month: int = 4) -> Period:
        if basis not in BASES:
            raise ValueError(f"basis must be one of {', '.join(BASES)}")
        if not EARLIEST_YEAR <= year <= 9998:
            raise ValueError(f"year must be between {EARLIEST_YEAR} and 9998")
        if not 1 <= financial_year_start_month <= 12:
            raise ValueError("the financial year's start month must be 1 to 12")
        return cls(year, basis, 1 if basis == CALENDAR else financial_year_start_month)

    @classmethod
    def containing(cls, day: date, basis: str = CALENDAR, financial_year_start_month: int = 4) -> Period:
        """The period of this basis that `day` falls in (the default on the dashboard: today's)."""
        start_month = 1 if basis == CALENDAR else financial_year_start_month
        year = day.year if day.month >= start_month else day.year - 1
        return cls.of(year, basis, financial_year_start_month)

    @property
    def start(self) -> date:
        return date(self.year, self.start_month, 1)

    @property
    def end(self) -> date:
        """The last day of the period (inclusive)."""
        return self.following().start - timedelta(days=1)

    @property
    def label(self) -> str:
        if self.start_month == 1:
            return str(self.year)
        return f"{self.year}/{(self.year + 1) % 100:02d}"

    def previous(self) -> Period:
        return Period(self.year - 1, self.basis, self.start_month)

    def following(self) -> Period:
        return Period(self.year + 1, self.basis, self.start_month)

    def months(self) -> list[str]:
        """Every month of the period as "YYYY-MM", in order."""
        first = self.start_month - 1
        return [f"{self.year + (first + i) // 12}-{(first + i) % 12 + 1:02d}" for i in range(12)]

    def as_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "basis": self.basis, "label": self.label}
