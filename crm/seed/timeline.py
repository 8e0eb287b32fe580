"""Tags, organisations, events and sessions: the lists people are linked to, and five years of
sessions ahead of two months more."""

from __future__ import annotations

import math
import string
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from sqlalchemy import select

from crm.data import demo_people as P
from crm.data import demo_sessions as S
from crm.models import Event, Organisation, Session, Tag, Theme
from crm.models.enums import InvolvementLevel, SessionFormat, SessionKind, TagCategory
from crm.seed.base import Weighted, Writer, at
from crm.seed.lists import CANCEL_REASONS, EVENTS, EXTRA_TAGS, KINDS, ORGANISATION_KINDS, PLACES


@dataclass
class Catalogue:
    tags: dict[str, list[int]]  # tag ids by category slug
    organisations: list[tuple[int, list[str]]]  # (id, job titles its staff hold)
    organisation_ids: dict[str, int]  # by name


@dataclass
class Timeline:
    """The sessions, in date order: index i is session `first_id + i`. `cumulative` holds the
    running total of how many people each draws, for weighted picking."""

    first_id: int = 0
    cumulative: list[float] = field(default_factory=list)
    days: list[date] = field(default_factory=list)
    minutes: list[int] = field(default_factory=list)
    states: list[str] = field(default_factory=list)  # past, future or cancelled
    online: list[bool] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.days)


def write_catalogue(w: Writer) -> Catalogue:
    wanted = [
        {"category": TagCategory(category), "name": name}
        for source in (P.TAGS, EXTRA_TAGS)
        for category, names in source.items()
        for name in names
    ]
    tag_ids = w.ensure(Tag, wanted, key=lambda row: (TagCategory(row["category"]), row["name"]))
    tags: dict[str, list[int]] = {}
    for row in wanted:
        tags.setdefault(row["category"].value, []).append(tag_ids[(row["category"], row["name"])])

    titles = {name: job_titles for name, _, _, job_titles in P.ORGANISATIONS}
    rows = [{"name": name, "type": kind, "notes": notes} for name, kind, notes, _ in P.ORGANISATIONS]
    combinations = [(template, place) for template, _, _ in ORGANISATION_KINDS for place in PLACES]
    for template, place in w.rng.sample(combinations, 50):
        _, kind, job_titles = next(entry for entry in ORGANISATION_KINDS if entry[0] == template)
        name = template.format(place)
        titles[name] = job_titles
        rows.append({"name": name, "type": kind, "notes": None})
    stamp = at(w.first_day - timedelta(days=30), 9)
    for row in rows:
        row.update(website=None, created_at=stamp, updated_at=stamp)
    ids = w.ensure(Organisation, rows, key=lambda row: row["name"])
    return Catalogue(tags, [(ids[row["name"]], titles[row["name"]]) for row in rows], ids)


def write_sessions(w: Writer, count: int, catalogue: Catalogue) -> Timeline:
    """Sessions in date order (so a stretch of ids is a stretch of time), each with a weight for
    how many people it draws: keynotes and consultations many, steering groups few."""
    rng = w.rng
    themes = {theme.name: theme.id for theme in w.connection.execute(select(Theme.__table__).order_by(Theme.id))}
    theme_ids = list(themes.values())
    by_name = catalogue.organisation_ids
    planned = _event_sessions(w, count // 10, themes, by_name)
    kind = Weighted((k, weight) for k, weight, _ in KINDS)
    draw = {k: pull for k, _, pull in KINDS}
    programme = Weighted((entry, 1) for entry in S.PROGRAMME)
    span = (w.last_day - w.first_day).days
    while len(planned) < count:
        # A programme grows: the last days see twice as many sessions as the first.
        day = w.first_day + timedelta(days=int(span * (math.sqrt(1 + 3 * rng.random()) - 1)))
        if day.weekday() > 4:
            day -= timedelta(days=day.weekday() - 4)
        title, _, theme, level, form, organiser = programme(rng)
        session_kind = kind(rng)
        planned.append(
            {
                "title": title,
                "date": day,
                "kind": session_kind,
                "format": form if rng.random() < 0.7 else rng.choice(list(SessionFormat)),
                "theme_id": themes.get(theme) if rng.random() < 0.8 else rng.choice(theme_ids + [None]),
                "involvement_level": level if rng.random() < 0.8 else rng.choice(list(InvolvementLevel)),
                "organiser_organisation_id": by_name.get(organiser) or rng.choice(catalogue.organisations)[0],
                "event_id": None,
                "weight": draw[session_kind] * rng.lognormvariate(0, 0.5),
            }
        )
    planned.sort(key=lambda row: (row["date"], row["kind"].value, row["title"]))
    timeline = Timeline(first_id=w.next_id(Session))
    total = 0.0
    for index, row in enumerate(planned):
        total += row.pop("weight")
        _finish(w, row)
        row["id"] = timeline.first_id + index
        start, end = row["start_time"], row["end_time"]
        timeline.cumulative.append(total)
        timeline.days.append(row["date"])
        timeline.minutes.append((end.hour * 60 + end.minute) - (start.hour * 60 + start.minute))
        timeline.states.append("cancelled" if row["cancelled_at"] else "future" if row["date"] > w.today else "past")
        timeline.online.append(row["format"] != SessionFormat.IN_PERSON)
    w.write(Session.__table__, planned)
    w.after_explicit_ids(Session)
    return timeline


def _event_sessions(w: Writer, budget: int, themes: dict, by_name: dict) -> list[dict]:
    """A conference and a Co-production Week each year, while the budget lasts."""
    events = [
        {"name": name.format(year), "description": description, "kind": kind, "year": year}
        for year in range(w.first_day.year + 1, w.today.year + 1)
        for name, description, kind in EVENTS
    ]
    ids = w.ensure(
        Event,
        [
            {"name": e["name"], "description": e["description"], "created_at": w.now, "updated_at": w.now}
            for e in events
        ],
        key=lambda row: row["name"],
    )
    planned: list[dict] = []
    for event in events:
        conference = event["kind"] == "conference"
        templates = S.CONFERENCE["sessions"] if conference else S.COPRO_WEEK["sessions"]
        monday = date(event["year"], 10 if conference else 6, 15)
        monday -= timedelta(days=monday.weekday())
        if len(planned) + len(templates) > budget or monday + timedelta(days=4) > w.last_day:
            continue
        for template in templates:
            if conference:
                title, kind, theme, level, times, _ = template
                day, form = monday + timedelta(days=3), SessionFormat.IN_PERSON
            else:
                offset, title, kind, theme, level, times = template
                day, form = monday + timedelta(days=offset), SessionFormat.ONLINE
            start, end = times.split("-")
            planned.append(
                {
                    "title": title,
                    "date": day,
                    "kind": kind,
                    "format": form,
                    "theme_id": themes.get(theme),
                    "involvement_level": level,
                    "organiser_organisation_id": by_name.get(S.ABSS),
                    "event_id": ids[event["name"]],
                    "start_time": time.fromisoformat(start),
                    "end_time": time.fromisoformat(end),
                    "weight": (12 if kind == SessionKind.KEYNOTE else 5) * w.rng.lognormvariate(0, 0.3),
                }
            )
    return planned


def _finish(w: Writer, row: dict) -> None:
    """Times, place, capacity, creche and (for a few past sessions) a cancellation."""
    rng = w.rng
    form, kind = row["format"], row["kind"]
    if "start_time" not in row:
        if kind == SessionKind.STEERING_GROUP:
            times = "18:00-19:30"
        elif form == SessionFormat.ONLINE:
            times = rng.choice(["19:00-20:30", "12:30-13:30", "10:00-11:00"])
        else:
            times = rng.choice(["10:00-12:00", "09:30-11:30", "13:00-14:30", "10:00-11:30"])
        start, end = times.split("-")
        row["start_time"], row["end_time"] = time.fromisoformat(start), time.fromisoformat(end)
    in_person = form != SessionFormat.ONLINE
    created = min(w.now, at(row["date"] - timedelta(days=rng.randint(14, 60)), rng.randint(8, 17)))
    cancelled = row["date"] < w.today and rng.random() < 0.02
    token = "".join(rng.choices(string.ascii_letters + string.digits, k=32))
    row.update(
        location=rng.choice(S.LOCATIONS) if in_person else None,
        meeting_link=f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{token}%40thread.v2/0"
        if form != SessionFormat.IN_PERSON
        else None,
        capacity=(150 if kind == SessionKind.KEYNOTE else rng.choice([12, 15, 20, 25, 40]))
        if in_person
        else rng.choice([30, 60, 100]),
        creche_places=rng.choice([0, 6, 8, 10]) if in_person and row["start_time"] < time(17) else 0,
        description=None,
        notes=None,
        cancelled_at=at(row["date"] - timedelta(days=rng.randint(1, 7)), 9) if cancelled else None,
        cancelled_reason=rng.choice(CANCEL_REASONS) if cancelled else None,
        created_at=created,
        updated_at=created,
    )
