"""The shapes the dashboard's figures are shown in — headline cards, labelled tables of cells —
and how numbers are written, shared by the page, the CSV downloads and the XLSX workbook."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from crm.queries.dashboard import FEWER_THAN_5


@dataclass
class Cell:
    value: Any  # what a spreadsheet gets: a number, or text such as "fewer than 5"
    text: str = ""  # what the page shows
    link: tuple[str, dict] | None = None  # (endpoint, arguments other than the period)


@dataclass
class Row:
    label: str
    cells: list[Cell]
    highlight: bool = False


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[Row]
    description: str = ""
    chart: dict | None = None
    suppressed: bool = False  # an equality-monitoring breakdown (small counts hidden)


@dataclass
class Headline:
    key: str
    label: str
    value: Cell
    previous: Cell
    change: str
    trend: str  # "up", "down" or "same"
    detail: str = ""

    @property
    def group(self) -> str:
        return "contributions" if self.key in CONTRIBUTION_HEADLINES else "participation"


CONTRIBUTION_HEADLINES = ("contributions", "acted_on", "not_taken_forward", "open")


@dataclass
class Report:
    headlines: list[Headline]
    tables: list[Table] = field(default_factory=list)
    # When the figures were counted (the oldest part of them).
    as_of: datetime | None = None

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)


def number(value: int | float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def share(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


def count(value: int | None, link: tuple[str, dict] | None = None) -> Cell:
    if value is None:
        return Cell(FEWER_THAN_5, FEWER_THAN_5)
    return Cell(value, number(value), link if value else None)


def rate(value: float) -> Cell:
    return Cell(round(value * 100, 1), percent(value))


def month_label(month: str, style: str = "%B %Y") -> str:
    year, number_ = (int(part) for part in month.split("-"))
    return date(year, number_, 1).strftime(style)


PEOPLE, SESSIONS = "reports.people", "reports.sessions"
