"""The dashboard's figures as headline cards and labelled tables: one shape for the page, the
CSV downloads and the XLSX workbook, so all three always show the same numbers."""

from __future__ import annotations

from crm.models.enums import (
    AgeBand,
    ContributionKind,
    Disability,
    EthnicGroup,
    FollowUpStatus,
    Gender,
    InvolvementLevel,
    PersonType,
)
from crm.queries.dashboard import DEEP_LEVELS, NOT_RECORDED, Dashboard
from crm.queries.dashboard_cells import (
    PEOPLE,
    SESSIONS,
    Cell,
    Report,
    Row,
    Table,
    count,
    month_label,
    number,
    percent,
    rate,
    share,
)
from crm.queries.dashboard_headlines import headlines, summary

UNKNOWN = "unknown"


def build_report(data: Dashboard, *, people_links: bool = True) -> Report:
    """Headline cards and every breakdown table; `people_links` False leaves out links to
    lists of people (for users who may not see people)."""

    def people(**args) -> tuple[str, dict] | None:
        return (PEOPLE, args) if people_links else None

    report = Report(headlines(data, people), as_of=data.as_of)
    report.tables += [
        summary(report.headlines, data),
        _by_month(data, people),
        _by_person_type(data, people),
        _by_ward(data, people),
        _by_organisation(data, people),
        _by_theme(data),
        _by_involvement_level(data),
        _depth(data, people),
        _contributions(data),
        *_equality(data),
    ]
    return report


def _by_month(data: Dashboard, people) -> Table:
    months = data.report["by_month"]
    rows = [
        Row(
            month_label(m["month"]),
            [
                count(m["sessions"], (SESSIONS, {"month": m["month"]})),
                count(m["attendances"], (SESSIONS, {"month": m["month"]})),
                count(m["unique_participants"], people(month=m["month"])),
            ],
        )
        for m in months
    ]
    chart = {
        "type": "bar",
        "labels": [month_label(m["month"], "%b %Y") for m in months],
        "datasets": [
            {"label": "Attendances", "data": [m["attendances"] for m in months]},
            {"label": "People", "data": [m["unique_participants"] for m in months], "type": "line"},
        ],
    }
    return Table("by_month", "By month", ["Month", "Sessions", "Attendances", "People"], rows, chart=chart)


def _bar(labels: list[str], name: str, values: list, highlight: list[bool] | None = None) -> dict:
    chart = {"type": "bar", "horizontal": True, "labels": labels, "datasets": [{"label": name, "data": values}]}
    if highlight:
        chart["highlight"] = highlight
    return chart


def _by_person_type(data: Dashboard, people) -> Table:
    counts = data.report["by_person_type"]
    unique = data.report["unique_participants"]
    rows = [
        Row(
            kind.label,
            [count(counts.get(kind.value, 0), people(type=kind.value)), rate(share(counts.get(kind.value, 0), unique))],
        )
        for kind in PersonType
    ]
    return Table(
        "by_person_type",
        "By person type",
        ["Person type", "People", "Share of people (%)"],
        rows,
        description="A person with two types counts once under each, so the shares can add up to more than 100%.",
        chart=_bar([r.label for r in rows], "People", [r.cells[0].value for r in rows]),
    )


def _by_ward(data: Dashboard, people) -> Table:
    counts = data.report["by_ward"]
    priority = set(data.figures["priority_wards"])
    ward_ids = data.figures["ids"]["wards"]
    unique = data.report["unique_participants"]
    rows = []
    for name, value in counts.items():
        ward_arg = UNKNOWN if name == UNKNOWN else ward_ids.get(name)
        label = "No ward recorded" if name == UNKNOWN else name
        link = people(ward=ward_arg) if ward_arg is not None else None
        rows.append(
            Row(
                label,
                [
                    Cell("Yes" if name in priority else "No", "Priority" if name in priority else ""),
                    count(value, link),
                    rate(share(value, unique)),
                ],
                highlight=name in priority,
            )
        )
    from_priority = sum(value for name, value in counts.items() if name in priority)
    description = (
        f"{number(from_priority)} people ({percent(share(from_priority, unique))}) came from the priority wards: "
        f"{', '.join(sorted(priority))} (darker in the chart)."
        if priority
        else "No priority wards are set. An administrator can mark them in the list of wards."
    )
    shown = [row for row in rows if row.cells[1].value]
    return Table(
        "by_ward",
        "By ward",
        ["Ward", "Priority ward", "People", "Share of people (%)"],
        rows,
        description=description,
        chart=_bar([r.label for r in shown], "People", [r.cells[1].value for r in shown], [r.highlight for r in shown]),
    )


def _by_organisation(data: Dashboard, people) -> Table:
    ids = data.figures["ids"]["organisations"]
    rows = [
        Row(name, [count(value, people(organisation=ids[name]) if name in ids else None)])
        for name, value in data.report["by_organisation"].items()
    ]
    top = rows[:10]
    return Table(
        "by_organisation",
        "By organisation",
        ["Organisation", "People"],
        rows,
        description="People who took part who are affiliated to each organisation (staff and volunteers of partners)"
        + (", the ten with most in the chart." if len(rows) > 10 else "."),
        chart=_bar([r.label for r in top], "People", [r.cells[0].value for r in top]) if rows else None,
    )


def _by_theme(data: Dashboard) -> Table:
    ids = data.figures["ids"]["themes"]
    rows = []
    for name, figures in data.report["by_theme"].items():
        theme_arg = UNKNOWN if name == UNKNOWN else ids.get(name)
        link_args = {"theme": theme_arg} if theme_arg is not None else None
        rows.append(
            Row(
                "No theme" if name == UNKNOWN else name,
                [
                    count(figures["sessions"], (SESSIONS, link_args) if link_args else None),
                    count(figures["attendances"]),
                ],
            )
        )
    return Table(
        "by_theme",
        "By theme",
        ["Theme", "Sessions", "Attendances"],
        rows,
        chart=_bar([r.label for r in rows], "Attendances", [r.cells[1].value for r in rows]),
    )


def _by_involvement_level(data: Dashboard) -> Table:
    levels = data.report["by_involvement_level"]
    total = sum(figures["attendances"] for figures in levels.values())
    rows = [
        Row(
            level.label,
            [
                count(levels[level.value]["sessions"], (SESSIONS, {"level": level.value})),
                count(levels[level.value]["attendances"]),
                rate(share(levels[level.value]["attendances"], total)),
            ],
            highlight=level in DEEP_LEVELS,
        )
        for level in InvolvementLevel
    ]
    deep = sum(levels[level.value]["attendances"] for level in DEEP_LEVELS)
    return Table(
        "by_involvement_level",
        "By involvement level",
        ["Involvement level", "Sessions", "Attendances", "Share of attendances (%)"],
        rows,
        description=f"{percent(share(deep, total))} of attendances were at sessions where people co-designed or "
        "co-produced, rather than being informed, consulted or engaged.",
        chart=_bar(
            [r.label for r in rows], "Attendances", [r.cells[1].value for r in rows], [r.highlight for r in rows]
        ),
    )


def _depth(data: Dashboard, people) -> Table:
    ladder = data.figures["ladder"]
    rows = [
        Row(f"Highest level: {level.label.lower()}", [count(ladder["highest_level"][level.value])])
        for level in InvolvementLevel
    ]
    rows.append(Row("Moved up the ladder", [count(ladder["moved_up"], people(group="moved_up"))], highlight=True))
    return Table(
        "depth",
        "Depth of involvement",
        ["Depth of involvement", "People"],
        rows,
        description=(
            "Each person is counted once, at the highest level of session they attended this year. "
            "“Moved up the ladder” counts people who, at a session this year, took part at a higher level "
            "(informing, consulting, engaging, co-designing, co-producing) than at any session they had "
            "attended before, this year or earlier; a first ever visit is not a move up."
        ),
        chart=_bar(
            [level.label for level in InvolvementLevel],
            "People",
            [ladder["highest_level"][level.value] for level in InvolvementLevel],
        ),
    )


def _contributions(data: Dashboard) -> Table:
    contributions = data.report["contributions"]
    rows = [Row(kind.label, [count(contributions["by_kind"].get(kind.value, 0))]) for kind in ContributionKind]
    rows += [
        Row(f"Follow-up: {status.label.lower()}", [count(contributions[status.value])], highlight=True)
        for status in (FollowUpStatus.ACTED_ON, FollowUpStatus.NOT_TAKEN_FORWARD, FollowUpStatus.OPEN)
    ]
    return Table(
        "contributions",
        "Contributions and “you said, we did”",
        ["Contributions", "Number"],
        rows,
        description=f"{number(contributions['total'])} contributions recorded at the year's sessions, by kind, "
        "and what became of them.",
    )


EQUALITY_TABLES = (
    ("age_band", "Age", AgeBand),
    ("ethnic_group", "Ethnic group", EthnicGroup),
    ("disability", "Disability", Disability),
    ("gender", "Gender", Gender),
)


def _equality(data: Dashboard) -> list[Table]:
    unique = data.report["unique_participants"]
    tables = []
    for key, title, categories in EQUALITY_TABLES:
        counts = data.figures["equality"][key]
        labels = {category.value: category.label for category in categories} | {NOT_RECORDED: "Not recorded"}
        rows = []
        for value, label in labels.items():
            people_count = counts.get(value)
            cells = [count(people_count)]
            cells.append(rate(share(people_count, unique)) if people_count is not None else Cell("", ""))
            rows.append(Row(label, cells))
        tables.append(
            Table(
                f"equality_{key}",
                f"Equality monitoring: {title.lower()}",
                [title, "People", "Share of people (%)"],
                rows,
                suppressed=True,
            )
        )
    return tables
