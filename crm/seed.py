"""Synthetic data at scale for benchmarks: `flask crm seed --people N --sessions M`.

Rows go in through bulk Core inserts (a few thousand rows per statement) with ids chosen here,
not through the ORM or the services, so 100,000 people and a million participations take a
minute or two rather than hours. Nothing is audited: this is test data, and only goes into a
database without people. The same random seed on the same day gives the same rows; session
dates follow today's date (the last five years and the next two months).

How the numbers are shaped: about 3% of people are Parent Champions who come to dozens or
hundreds of sessions, about 12% are regulars, most come to one to three sessions and about 10%
have never been to one. Keynotes and conference sessions draw far more people than workshops.
Each person's sessions fall within their own stretch of time, so people join and drift away.
"""

from __future__ import annotations

import math
import random
import string
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta

import phonenumbers
from faker import Faker
from sqlalchemy import func, insert, select, text

from crm.data import demo_people as P
from crm.data import demo_sessions as S
from crm.extensions import db
from crm.models import (
    Affiliation,
    Consent,
    Contribution,
    Event,
    Organisation,
    Participation,
    Person,
    PersonTypeLink,
    Session,
    Tag,
    Theme,
    Ward,
    person_tags,
)
from crm.models.enums import (
    ConsentMethod,
    ConsentPurpose,
    ContributionKind,
    FollowUpStatus,
    InvolvementLevel,
    OrganisationType,
    ParticipationRole,
    ParticipationSource,
    ParticipationStatus,
    PersonStatus,
    PersonType,
    SessionFormat,
    SessionKind,
    TagCategory,
)

CHUNK = 5000
PARTICIPATIONS_PER_PERSON = 10
YEARS_BACK = 5
DAYS_AHEAD = 60

EXTRA_TAGS = {
    "interest": ["Digital inclusion", "Housing", "Special educational needs"],
    "lived_experience": ["Care leaver", "Armed forces family"],
    "skill": ["Writing", "Video editing"],
    "language": ["Portuguese"],
}
PLACES = [
    "Leigh",
    "Westcliff",
    "Prittlewell",
    "Southchurch",
    "Shoeburyness",
    "Thorpe Bay",
    "Eastwood",
    "Chalkwell",
    "Hadleigh",
    "Rochford",
    "Rayleigh",
    "Benfleet",
    "Canvey",
    "Hamlet Court",
    "Belfairs",
    "Kursaal",
]
ORGANISATION_KINDS = [
    ("{} Primary School", OrganisationType.EARLY_YEARS, ["Reception Teacher", "Family Liaison Officer"]),
    ("{} Day Nursery", OrganisationType.EARLY_YEARS, ["Nursery Manager", "Early Years Practitioner"]),
    ("{} Children's Centre", OrganisationType.COUNCIL, ["Children's Centre Manager", "Family Support Worker"]),
    ("{} Medical Centre", OrganisationType.NHS, ["Practice Nurse", "Social Prescriber"]),
    ("{} Foodbank", OrganisationType.VOLUNTARY, ["Project Coordinator", "Volunteer Coordinator"]),
    ("{} Community Church", OrganisationType.OTHER, ["Community Worker", "Toddler Group Leader"]),
    ("{} Baby Bank", OrganisationType.VOLUNTARY, ["Coordinator"]),
    ("{} Family Hub", OrganisationType.COUNCIL, ["Family Hub Manager", "Early Help Worker"]),
    ("{} Soft Play", OrganisationType.BUSINESS, ["Owner", "Manager"]),
]
EVENTS = [
    ("Who's the Expert? {}", "The annual conference, planned with Parent Champions.", "conference"),
    ("Co-production Week {}", "Nine sessions over five days for National Co-production Week.", "week"),
]
CANCEL_REASONS = [
    "Venue closed at short notice.",
    "Facilitator unwell; moved to next month.",
    "Too few sign-ups; merged with the next session.",
    "Clashed with the school holidays.",
]
INTERPRETER_LANGUAGES = ["Polish", "Urdu", "Romanian", "Bengali", "Lithuanian", "Arabic", "Portuguese"]
SUMMARIES = {
    ContributionKind.IDEA: [
        "Suggested holding sessions after school pick-up so more parents can come.",
        "Proposed a WhatsApp group for new parents in the area.",
        "Asked for the leaflet to use pictures as well as words.",
    ],
    ContributionKind.LIVED_EXPERIENCE: [
        "Shared what it was like to wait months for a speech and language assessment.",
        "Talked about feeling isolated in the first weeks after birth.",
        "Described the difference a health visitor's home visit made.",
    ],
    ContributionKind.FEEDBACK: [
        "The room was hard to reach with a buggy.",
        "Would like the slides sent before the session.",
        "The creche made it possible to take part.",
    ],
    ContributionKind.CO_DESIGNED_MATERIAL: [
        "Drafted the welcome pack's page on free activities.",
        "Designed the poster for the dads' group.",
    ],
    ContributionKind.FACILITATION: ["Co-facilitated the small-group discussion."],
    ContributionKind.PRESENTATION: ["Presented the Parent Champions' year in review."],
    ContributionKind.RAPPORTEUR_NOTES: ["Took notes for the table and fed back to the room."],
    ContributionKind.PEER_SUPPORT: ["Buddied a parent who was new to the group."],
}
ACTED_ON = [
    "Sessions now start at 3.30pm.",
    "The leaflet was redesigned with pictures.",
    "Step-free venue booked from the next session.",
]
NOT_TAKEN_FORWARD = ["Not affordable this year; kept on the list.", "Outside what the partners can change."]

# (value, weight) lists, turned into cumulative tables once.
Status, Role, Source = ParticipationStatus, ParticipationRole, ParticipationSource
STATUSES = {
    "past": [
        (Status.ATTENDED, 80),
        (Status.APOLOGIES, 7),
        (Status.NO_SHOW, 6),
        (Status.DECLINED, 3),
        (Status.REGISTERED, 2),
        (Status.INVITED, 2),
    ],
    "future": [(Status.INVITED, 45), (Status.REGISTERED, 45), (Status.DECLINED, 6), (Status.APOLOGIES, 4)],
    "cancelled": [(Status.REGISTERED, 60), (Status.INVITED, 25), (Status.DECLINED, 15)],
}
ROLES = [(Role.PARTICIPANT, 92), (Role.FACILITATOR, 3), (Role.SPEAKER, 1), (Role.RAPPORTEUR, 2), (Role.ORGANISER, 2)]
ONLINE_SOURCES = [(Source.TEAMS, 50), (Source.ZOOM, 30), (Source.REGISTER, 20)]
IN_PERSON_SOURCES = [(Source.REGISTER, 70), (Source.MANUAL, 20), (Source.CSV, 5), (Source.EVENTBRITE, 5)]
KINDS = [
    (SessionKind.CO_DESIGN_WORKSHOP, 30, 1.0),
    (SessionKind.FOCUS_GROUP, 15, 0.7),
    (SessionKind.PANEL, 8, 2.0),
    (SessionKind.STEERING_GROUP, 8, 0.6),
    (SessionKind.TRAINING, 10, 1.2),
    (SessionKind.CONSULTATION, 10, 2.5),
    (SessionKind.MEETING, 14, 1.0),
    (SessionKind.OTHER, 5, 1.0),
]


class SeedError(Exception):
    """The database cannot be seeded; the message says why."""


class _Weighted:
    """Draw from (value, weight) pairs quickly, many times."""

    def __init__(self, pairs: Iterable[tuple[object, float]]):
        self.values, self.cumulative, total = [], [], 0.0
        for value, weight in pairs:
            total += weight
            self.values.append(value)
            self.cumulative.append(total)
        self.total = total

    def __call__(self, rng: random.Random):
        return self.values[bisect_right(self.cumulative, rng.random() * self.total)]


def seed(
    people: int,
    sessions: int,
    participations: int | None = None,
    random_seed: int = 1,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Fill a database that has no people; returns how many rows each table received. Flushes
    through the session's connection and leaves the commit to the caller."""
    existing = db.session.scalar(select(func.count()).select_from(Person))
    if existing:
        noun = "person" if existing == 1 else "people"
        raise SeedError(
            f"The database already has {existing:,} {noun}. Seeding only fills a database without people: "
            "point DATABASE_URL at a new one and run `flask db upgrade` first."
        )
    if participations is None:
        participations = people * PARTICIPATIONS_PER_PERSON
    seeder = _Seeder(random_seed, today or date.today(), progress or (lambda _message: None))
    return seeder.run(people, sessions, participations)


def analyse() -> None:
    """Refresh the planner's statistics after a bulk load (PostgreSQL would do it later itself)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))


class _Seeder:
    def __init__(self, random_seed: int, today: date, progress: Callable[[str], None]):
        self.rng = random.Random(random_seed)
        self.today = today
        self.now = datetime.combine(today, time(18), tzinfo=UTC)
        self.first_day = today - timedelta(days=round(365.25 * YEARS_BACK))
        self.last_day = today + timedelta(days=DAYS_AHEAD)
        self.progress = progress
        self.connection = db.session.connection()
        self.counts: dict[str, int] = {}
        fake = Faker("en_GB")
        fake.seed_instance(random_seed)
        self.female = [fake.first_name_female() for _ in range(1500)]
        self.male = [fake.first_name_male() for _ in range(800)]
        self.surnames = [fake.last_name() for _ in range(3000)]
        self.mobiles = _valid_phone_stems(P.MOBILE_PREFIXES)
        self.landlines = _valid_phone_stems([P.LANDLINE_PREFIX])

    def run(self, people: int, sessions: int, participations: int) -> dict[str, int]:
        self.tags = self._tags()
        self.organisations = self._organisations()
        self._sessions(sessions)
        self.progress(f"{sessions:,} sessions")
        plan = self._plan(people, participations)
        self._people(plan)
        self.progress(f"{people:,} people with types, tags, consents and affiliations")
        self._participations(plan)
        self.progress(f"{self.counts.get('participations', 0):,} participations")
        return self.counts

    # Writing ----------------------------------------------------------------------------------

    def _write(self, table, rows: list[dict]) -> None:
        for start in range(0, len(rows), CHUNK):
            self.connection.execute(insert(table), rows[start : start + CHUNK])
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)

    def _next_id(self, model) -> int:
        return (self.connection.scalar(select(func.max(model.id))) or 0) + 1

    def _ensure(self, model, rows: list[dict], key: Callable) -> dict:
        """Insert the rows whose key is not there yet (an administrator may have added some);
        map every key to its id."""

        def known() -> dict:
            return {key(row): row["id"] for row in self.connection.execute(select(model.__table__)).mappings()}

        missing = [row for row in rows if key(row) not in (existing := known())]
        if not missing:
            return existing
        self._write(model.__table__, missing)
        return known()

    def _after_explicit_ids(self, *models) -> None:
        """PostgreSQL's sequences do not see ids given explicitly: move them past the new rows."""
        if self.connection.dialect.name != "postgresql":
            return
        for model in models:
            table = model.__tablename__
            self.connection.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
            )

    # Lists ------------------------------------------------------------------------------------

    def _tags(self) -> dict[str, list[int]]:
        wanted = [
            {"category": TagCategory(category), "name": name}
            for source in (P.TAGS, EXTRA_TAGS)
            for category, names in source.items()
            for name in names
        ]
        ids = self._ensure(Tag, wanted, key=lambda row: (TagCategory(row["category"]), row["name"]))
        by_category: dict[str, list[int]] = {}
        for row in wanted:
            by_category.setdefault(row["category"].value, []).append(ids[(row["category"], row["name"])])
        return by_category

    def _organisations(self) -> list[tuple[int, list[str]]]:
        rng = self.rng
        titles = {name: job_titles for name, _, _, job_titles in P.ORGANISATIONS}
        rows = [{"name": name, "type": kind, "notes": notes} for name, kind, notes, _ in P.ORGANISATIONS]
        combinations = [(template, place) for template, _, _ in ORGANISATION_KINDS for place in PLACES]
        for template, place in rng.sample(combinations, 50):
            _, kind, job_titles = next(entry for entry in ORGANISATION_KINDS if entry[0] == template)
            name = template.format(place)
            titles[name] = job_titles
            rows.append({"name": name, "type": kind, "notes": None})
        stamp = self.first_day - timedelta(days=30)
        for row in rows:
            row.update(website=None, created_at=_at(stamp, 9), updated_at=_at(stamp, 9))
        ids = self._ensure(Organisation, rows, key=lambda row: row["name"])
        self.organisation_ids = ids
        return [(ids[row["name"]], titles[row["name"]]) for row in rows]

    # Sessions ---------------------------------------------------------------------------------

    def _sessions(self, count: int) -> None:
        """Sessions in date order (so a stretch of ids is a stretch of time), with a weight for
        how many people each draws."""
        rng = self.rng
        themes = {theme.name: theme.id for theme in self.connection.execute(select(Theme.__table__).order_by(Theme.id))}
        theme_ids = list(themes.values())
        by_name = self.organisation_ids
        planned = self._event_sessions(count // 10, themes, by_name)
        kind = _Weighted((k, w) for k, w, _ in KINDS)
        draw = {k: pull for k, _, pull in KINDS}
        programme = _Weighted((entry, 1) for entry in S.PROGRAMME)
        span = (self.last_day - self.first_day).days
        while len(planned) < count:
            # A programme grows: the last days see twice as many sessions as the first.
            day = self.first_day + timedelta(days=int(span * (math.sqrt(1 + 3 * rng.random()) - 1)))
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
                    "organiser_organisation_id": by_name.get(organiser) or rng.choice(self.organisations)[0],
                    "event_id": None,
                    "weight": draw[session_kind] * rng.lognormvariate(0, 0.5),
                }
            )
        planned.sort(key=lambda row: (row["date"], row["kind"].value, row["title"]))
        first_id = self._next_id(Session)
        self.session_first_id = first_id
        self.session_cumulative, total = [], 0.0
        self.session_minutes, self.session_state, self.session_online, self.session_day = [], [], [], []
        rows = []
        for index, row in enumerate(planned):
            total += row.pop("weight")
            self.session_cumulative.append(total)
            self._finish_session(row)
            row["id"] = first_id + index
            start, end = row["start_time"], row["end_time"]
            self.session_minutes.append((end.hour * 60 + end.minute) - (start.hour * 60 + start.minute))
            state = "cancelled" if row["cancelled_at"] else "future" if row["date"] > self.today else "past"
            self.session_state.append(state)
            self.session_online.append(row["format"] != SessionFormat.IN_PERSON)
            self.session_day.append(row["date"])
            rows.append(row)
        self._write(Session.__table__, rows)
        self._after_explicit_ids(Session)

    def _event_sessions(self, budget: int, themes: dict, by_name: dict) -> list[dict]:
        """A conference and a Co-production Week each year, while the budget lasts."""
        rng = self.rng
        events = [
            {"name": name.format(year), "description": description, "kind": kind, "year": year}
            for year in range(self.first_day.year + 1, self.today.year + 1)
            for name, description, kind in EVENTS
        ]
        ids = self._ensure(
            Event,
            [
                {"name": e["name"], "description": e["description"], "created_at": self.now, "updated_at": self.now}
                for e in events
            ],
            key=lambda row: row["name"],
        )
        planned: list[dict] = []
        for event in events:
            templates = S.CONFERENCE["sessions"] if event["kind"] == "conference" else S.COPRO_WEEK["sessions"]
            base = date(event["year"], 10 if event["kind"] == "conference" else 6, 15)
            base -= timedelta(days=base.weekday())
            if len(planned) + len(templates) > budget or base + timedelta(days=4) > self.last_day:
                continue
            for template in templates:
                if event["kind"] == "conference":
                    title, kind, theme, level, times, _ = template
                    day, form = base + timedelta(days=3), SessionFormat.IN_PERSON
                else:
                    offset, title, kind, theme, level, times = template
                    day, form = base + timedelta(days=offset), SessionFormat.ONLINE
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
                        "weight": (12 if kind == SessionKind.KEYNOTE else 5) * rng.lognormvariate(0, 0.3),
                    }
                )
        return planned

    def _finish_session(self, row: dict) -> None:
        rng = self.rng
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
        created = min(self.now, _at(row["date"] - timedelta(days=rng.randint(14, 60)), rng.randint(8, 17)))
        cancelled = row["date"] < self.today and rng.random() < 0.02
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
            cancelled_at=_at(row["date"] - timedelta(days=rng.randint(1, 7)), 9) if cancelled else None,
            cancelled_reason=rng.choice(CANCEL_REASONS) if cancelled else None,
            created_at=created,
            updated_at=created,
        )

    # People -----------------------------------------------------------------------------------

    def _plan(self, people: int, participations: int) -> list[tuple[str, int]]:
        """Each person's tier and how many sessions they take part in, summing to the target."""
        rng = self.rng
        tier = _Weighted([("champion", 3), ("regular", 12), ("occasional", 75), ("never", 10)])
        occasional = _Weighted([(1, 45), (2, 25), (3, 15), (4, 7), (5, 4), (6, 2), (7, 1), (8, 1)])
        plan = []
        for _ in range(people):
            kind = tier(rng)
            if kind == "champion":
                count = min(400, max(30, rng.lognormvariate(math.log(110), 0.5)))
            elif kind == "regular":
                count = min(60, max(6, rng.lognormvariate(math.log(20), 0.5)))
            elif kind == "occasional":
                count = occasional(rng)
            else:
                count = 0
            plan.append([kind, count])
        # Nobody comes to everything: at most 60% of the sessions (all of them in a tiny dataset).
        sessions = len(self.session_cumulative)
        cap = sessions if sessions < 10 else round(sessions * 0.6)
        # Scale champions and regulars (then everyone who comes at all) towards the total asked for.
        for flexible in ({"champion", "regular"}, {"champion", "regular", "occasional"}):
            for _ in range(30):
                gap = participations - sum(min(cap, round(count)) for _, count in plan)
                movable = [e for e in plan if e[0] in flexible and e[1] > 0 and (gap < 0 or round(e[1]) < cap)]
                moving = sum(min(cap, count) for _, count in movable)
                if abs(gap) <= max(1, participations // 2000) or not moving:
                    break
                factor = max(0.0, 1 + gap / moving)
                for entry in movable:
                    entry[1] = max(1.0, min(cap, entry[1]) * factor)
        return [(kind, min(cap, round(count))) for kind, count in plan]

    def _people(self, plan: list[tuple[str, int]]) -> None:
        rng = self.rng
        wards = [(ward.id, ward.name) for ward in self.connection.execute(select(Ward.__table__).order_by(Ward.id))]
        first_id = self._next_id(Person)
        affiliation_id, consent_id = self._next_id(Affiliation), self._next_id(Consent)
        kind = _Weighted(
            [
                ((PersonType.PARENT_CARER,), 50),
                ((PersonType.PROFESSIONAL,), 14),
                ((PersonType.COMMUNITY_MEMBER,), 15),
                ((PersonType.VOLUNTEER,), 6),
                ((PersonType.PARENT_CARER, PersonType.VOLUNTEER), 5),
                ((PersonType.PROFESSIONAL, PersonType.PARENT_CARER), 2),
                ((PersonType.YOUNG_PERSON,), 8),
            ]
        )
        tag_count = _Weighted([(0, 25), (1, 30), (2, 25), (3, 13), (4, 7)])
        tag_category = _Weighted([("interest", 55), ("lived_experience", 20), ("skill", 17), ("language", 8)])
        methods = list(P.CONSENT_WORDING)
        emails: dict[str, int] = {}
        self.people_windows: list[tuple[int, int]] = []
        self.person_creche: list[bool] = []
        buffers: dict = {Person: [], PersonTypeLink: [], person_tags: [], Affiliation: [], Consent: []}
        span = len(self.session_cumulative)
        for index, (tier, count) in enumerate(plan):
            person_id = first_id + index
            champion = tier == "champion"
            types = (PersonType.PARENT_CHAMPION, PersonType.PARENT_CARER) if champion else kind(rng)
            professional = PersonType.PROFESSIONAL in types
            parent = PersonType.PARENT_CARER in types
            female = rng.random() < (0.75 if parent else 0.5)
            first = rng.choice(self.female if female else self.male)
            last = rng.choice(self.surnames)
            # Where in time this person's sessions fall (a stretch of session indexes).
            width = min(span, max(count * 3, int(span * rng.uniform(*_WINDOWS[tier]))))
            start = rng.randrange(span - width + 1)
            self.people_windows.append((start, start + width))
            joined = self.session_day[start] if count else self.first_day + timedelta(days=rng.randrange(1800))
            created = min(self.now, _at(joined - timedelta(days=rng.randint(1, 60)), rng.randint(9, 19)))
            row = {
                "id": person_id,
                "first_name": first,
                "last_name": last,
                "preferred_name": P.PREFERRED_NAMES.get(first) if rng.random() < 0.5 else None,
                "email": None,
                "phone": None,
                "postcode": None,
                "ward_id": None,
                "status": PersonStatus.ACTIVE
                if champion or rng.random() < 0.88
                else rng.choice([PersonStatus.INACTIVE, PersonStatus.INACTIVE, PersonStatus.LEFT]),
                "needs_creche": parent and rng.random() < 0.25,
                "needs_step_free": rng.random() < 0.06,
                "interpreter_language": rng.choice(INTERPRETER_LANGUAGES) if rng.random() < 0.03 else None,
                "other_needs": rng.choice(P.OTHER_NEEDS) if rng.random() < 0.05 else None,
                "notes": rng.choice(P.NOTES) if rng.random() < 0.04 else None,
                "version": 1,
                "created_at": created,
                "updated_at": created,
            }
            if professional:
                row["email"] = _email(first, last, "example.org", emails)
                row["phone"] = _phone(rng, self.landlines) if rng.random() < 0.7 else None
                for org_id, titles in rng.sample(self.organisations, 2 if rng.random() < 0.15 else 1):
                    buffers[Affiliation].append(
                        {
                            "id": affiliation_id,
                            "person_id": person_id,
                            "organisation_id": org_id,
                            "job_title": rng.choice(titles),
                            "created_at": created,
                            "updated_at": created,
                        }
                    )
                    affiliation_id += 1
            else:
                has_email = rng.random() < 0.85
                row["email"] = _email(first, last, "example.com", emails) if has_email else None
                row["phone"] = _phone(rng, self.mobiles) if rng.random() < (0.8 if has_email else 0.95) else None
                if wards and rng.random() < 0.9:
                    ward_id, ward_name = rng.choice(wards)
                    row["ward_id"], district = ward_id, P.WARD_DISTRICTS.get(ward_name, "SS1")
                else:
                    district = rng.choice(P.OUT_OF_BOROUGH_DISTRICTS)
                unit = "".join(rng.choices(P.POSTCODE_UNIT_LETTERS, k=2))
                row["postcode"] = f"{district} {rng.randint(1, 9)}{unit}"
            self.person_creche.append(row["needs_creche"])
            buffers[Person].append(row)
            buffers[PersonTypeLink] += [{"person_id": person_id, "type": person_type} for person_type in types]
            how_many = max(2, tag_count(rng)) if champion else tag_count(rng)
            chosen = {rng.choice(self.tags[tag_category(rng)]) for _ in range(how_many)}
            buffers[person_tags] += [{"person_id": person_id, "tag_id": tag_id} for tag_id in sorted(chosen)]
            if rng.random() < (0.97 if champion else 0.8):
                method = rng.choice(methods)
                withdrawn = rng.random() < 0.02
                buffers[Consent].append(
                    {
                        "id": consent_id,
                        "person_id": person_id,
                        "purpose": ConsentPurpose.CONTACT,
                        "partner_name": None,
                        "given_at": created,
                        "method": ConsentMethod(method),
                        "wording": P.CONSENT_WORDING[method],
                        "recorded_by_id": None,
                        "withdrawn_at": min(self.now, created + timedelta(days=rng.randint(30, 700)))
                        if withdrawn
                        else None,
                        "withdrawn_by_id": None,
                    }
                )
                consent_id += 1
            if len(buffers[Person]) >= CHUNK:
                self._flush(buffers)
        self._flush(buffers)
        self.people_first_id = first_id
        self._after_explicit_ids(Person, Affiliation, Consent)

    def _flush(self, buffers: dict) -> None:
        """Write the buffered rows, parents before children (the dict's order)."""
        for model, rows in buffers.items():
            if rows:
                self._write(getattr(model, "__table__", model), rows)
                rows.clear()

    # Participations ---------------------------------------------------------------------------

    def _participations(self, plan: list[tuple[str, int]]) -> None:
        rng = self.rng
        statuses = {state: _Weighted(pairs) for state, pairs in STATUSES.items()}
        role = _Weighted(ROLES)
        online_source, in_person_source = _Weighted(ONLINE_SOURCES), _Weighted(IN_PERSON_SOURCES)
        kind = _Weighted((k, 1) for k in ContributionKind)
        participation_id, contribution_id = self._next_id(Participation), self._next_id(Contribution)
        buffers: dict = {Participation: [], Contribution: []}
        cumulative = self.session_cumulative
        for index, (_tier, count) in enumerate(plan):
            if not count:
                continue
            person_id = self.people_first_id + index
            low, high = self.people_windows[index]
            for session_index in sorted(_pick(rng, cumulative, low, high, count)):
                state = self.session_state[session_index]
                status = statuses[state](rng)
                attended = status is Status.ATTENDED
                day = self.session_day[session_index]
                if attended:
                    source = online_source(rng) if self.session_online[session_index] else in_person_source(rng)
                    created = _at(day, 21)
                else:
                    source = Source.RSVP if rng.random() < 0.6 else Source.MANUAL
                    created = _at(day - timedelta(days=rng.randint(2, 21)), 10)
                created = min(created, self.now)
                minutes = None
                if attended and rng.random() < 0.08:
                    minutes = int(self.session_minutes[session_index] * rng.uniform(0.3, 0.95))
                buffers[Participation].append(
                    {
                        "id": participation_id,
                        "session_id": self.session_first_id + session_index,
                        "person_id": person_id,
                        "status": status,
                        "role": role(rng) if attended else Role.PARTICIPANT,
                        "minutes": minutes,
                        "creche_children": rng.choice((1, 1, 2))
                        if attended and self.person_creche[index] and rng.random() < 0.6
                        else 0,
                        "source": source,
                        "created_at": created,
                        "updated_at": created,
                    }
                )
                if attended and rng.random() < 0.05:
                    buffers[Contribution].append(self._contribution(contribution_id, participation_id, day, kind))
                    contribution_id += 1
                participation_id += 1
            if len(buffers[Participation]) >= CHUNK:
                self._flush(buffers)
        self._flush(buffers)
        self._after_explicit_ids(Participation, Contribution)

    def _contribution(self, contribution_id: int, participation_id: int, day: date, kind: _Weighted) -> dict:
        rng = self.rng
        contribution_kind = kind(rng)
        follow_up, note, when = FollowUpStatus.OPEN, None, None
        if (self.today - day).days > 60:
            roll = rng.random()
            if roll < 0.35:
                follow_up, note = FollowUpStatus.ACTED_ON, rng.choice(ACTED_ON)
            elif roll < 0.5:
                follow_up, note = FollowUpStatus.NOT_TAKEN_FORWARD, rng.choice(NOT_TAKEN_FORWARD)
            if note:
                when = min(self.today, day + timedelta(days=rng.randint(14, 180)))
        created = _at(day, 21)
        return {
            "id": contribution_id,
            "participation_id": participation_id,
            "kind": contribution_kind,
            "summary": rng.choice(SUMMARIES[contribution_kind]),
            "consent_to_quote": rng.random() < 0.4,
            "follow_up": follow_up,
            "follow_up_note": note,
            "followed_up_on": when,
            "recorded_by_id": None,
            "created_at": created,
            "updated_at": created,
        }


# How wide a stretch of the whole timeline each tier's sessions fall in (fractions).
_WINDOWS = {"champion": (0.4, 1.0), "regular": (0.15, 0.6), "occasional": (0.01, 0.08), "never": (0.0, 0.01)}


def _pick(rng: random.Random, cumulative: list[float], low: int, high: int, count: int) -> set[int]:
    """`count` distinct session indexes in [low, high), favouring the heavier sessions."""
    if count * 2 >= high - low:
        return set(rng.sample(range(low, high), count))
    base = cumulative[low - 1] if low else 0.0
    span = cumulative[high - 1] - base
    chosen: set[int] = set()
    for _ in range(count * 20):
        chosen.add(min(high - 1, bisect_right(cumulative, base + rng.random() * span, low, high)))
        if len(chosen) == count:
            return chosen
    rest = [index for index in range(low, high) if index not in chosen]
    return chosen | set(rng.sample(rest, count - len(chosen)))


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _email(first: str, last: str, domain: str, used: dict[str, int]) -> str:
    """first.last@domain, then first.last2@domain and so on (names have no digits, so these
    never collide with another name's address)."""
    plain = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode()
    local = "".join(c for c in plain.lower() if c.isalnum() or c == ".")
    email = f"{local}@{domain}"
    used[email] = n = used.get(email, 0) + 1
    return email if n == 1 else f"{local}{n}@{domain}"


def _valid_phone_stems(prefixes: list[str]) -> list[str]:
    """E.164 stems (+447911 0…) whose every continuation is a valid UK number."""
    stems = []
    for prefix in prefixes:
        for digit in "0123456789":
            samples = (f"{prefix}{digit}{rest}" for rest in ("00000", "54321", "99999"))
            if all(phonenumbers.is_valid_number(phonenumbers.parse(number, "GB")) for number in samples):
                stems.append(f"+44{prefix[1:]}{digit}")
    return stems


def _phone(rng: random.Random, stems: list[str]) -> str:
    return f"{rng.choice(stems)}{rng.randrange(100000):05d}"
