"""The dashboard's headline figures: each with this year's value, last year's and the change."""

from __future__ import annotations

from crm.queries.dashboard import Dashboard
from crm.queries.dashboard_cells import SESSIONS, Cell, Headline, Row, Table, number, rate


def _change(current: float, previous: float, *, is_rate: bool) -> tuple[str, str]:
    difference = round(current - previous, 3 if is_rate else 1)
    if not difference:
        return "No change", "same"
    trend = "up" if difference > 0 else "down"
    word = "Up" if difference > 0 else "Down"
    if is_rate:
        return f"{word} {abs(difference) * 100:.1f} percentage points", trend
    amount = number(abs(difference) if isinstance(current, float) else int(abs(difference)))
    if previous:
        return f"{word} {amount} ({abs(difference) / previous * 100:.1f}%)", trend
    return f"{word} {amount}", trend


def headlines(data: Dashboard, people) -> list[Headline]:
    now, before = data.report, data.previous
    retained, retained_before = now["retained_from_previous"], before["retained_from_previous"]
    previous_label = data.period.previous().label
    specs = [
        ("sessions_held", "Sessions held", now["sessions_held"], before["sessions_held"], (SESSIONS, {}), ""),
        ("attendances", "Attendances", now["attendances"], before["attendances"], (SESSIONS, {}), ""),
        (
            "unique_participants",
            "People who took part",
            now["unique_participants"],
            before["unique_participants"],
            people(),
            "",
        ),
        (
            "new_participants",
            "New participants",
            now["new_participants"],
            before["new_participants"],
            people(group="new"),
            "Attended for the first time ever",
        ),
        (
            "returning_participants",
            "Returning participants",
            now["returning_participants"],
            before["returning_participants"],
            people(group="returning"),
            "Had attended in an earlier year",
        ),
        (
            "retention",
            "Retention from the year before",
            retained["rate"],
            retained_before["rate"],
            None,
            f"{number(retained['retained'])} of the {number(retained['previous_unique'])} people "
            f"who took part in {previous_label} came again",
        ),
        ("hours", "Hours given", now["hours"], before["hours"], None, "Time spent at sessions"),
        (
            "no_show_rate",
            "No-show rate",
            now["no_show_rate"],
            before["no_show_rate"],
            people(group="no_show"),
            "Expected but did not come (lower is better)",
        ),
        (
            "contributions",
            "Contributions",
            now["contributions"]["total"],
            before["contributions"]["total"],
            None,
            "Ideas, stories, feedback and more",
        ),
        (
            "acted_on",
            "Acted on",
            now["contributions"]["acted_on"],
            before["contributions"]["acted_on"],
            None,
            "You said, we did",
        ),
        (
            "not_taken_forward",
            "Not taken forward",
            now["contributions"]["not_taken_forward"],
            before["contributions"]["not_taken_forward"],
            None,
            "With the reason given",
        ),
        ("open", "Awaiting follow-up", now["contributions"]["open"], before["contributions"]["open"], None, ""),
    ]
    headlines = []
    for key, label, value, previous, link, detail in specs:
        is_rate = key in ("retention", "no_show_rate")
        change, trend = _change(value, previous, is_rate=is_rate)
        if is_rate:
            cells = rate(value), rate(previous)
            if key == "retention" and people():
                cells[0].link = people(group="retained")
        else:
            cells = Cell(value, number(value), link if value else None), Cell(previous, number(previous))
        headlines.append(Headline(key, label, cells[0], cells[1], change, trend, detail))
    return headlines


def summary(headlines: list[Headline], data: Dashboard) -> Table:
    rows = [
        Row(
            h.label,
            [Cell(h.value.value, h.value.text), Cell(h.previous.value, h.previous.text), Cell(h.change, h.change)],
        )
        for h in headlines
    ]
    this, before = data.period.label, data.period.previous().label
    return Table(
        "summary",
        "Headline figures",
        ["Figure", this, before, "Change"],
        rows,
        description="Rates are percentages. Hours count the minutes each person attended, else the session's length.",
    )
