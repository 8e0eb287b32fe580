"""The demo dataset behind `flask crm demo`: believable accounts, partners, sessions and people.

People come from a fixed random seed, so every demo database holds the same people; session
dates follow today's date, so there is always recent history and something coming up.
Everything is written through the services (so the audit log shows it) and flushed; the
command commits.
"""

from __future__ import annotations

import calendar
import random
import secrets
import string
import unicodedata
from datetime import UTC, date, datetime, timedelta

import phonenumbers
from faker import Faker
from sqlalchemy import func, select

from crm.data import demo_people as P
from crm.data import demo_sessions as S
from crm.extensions import db
from crm.models import Person, Theme, User, Ward
from crm.models.enums import ConsentMethod, ConsentPurpose, PersonStatus, PersonType, Role
from crm.models.enums import SessionFormat as Format
from crm.passwords import password_problem
from crm.services.errors import InvalidInput
from crm.services.lists import add_tag
from crm.services.organisations import create_organisation
from crm.services.people import create_person, record_consent, withdraw_consent
from crm.services.sessions import cancel_session, create_event, create_session
from crm.services.users import create_user

SEED = 2019


class DemoError(Exception):
    """The demo cannot be loaded; the message says why."""


def load_demo(password: str | None = None) -> list[tuple[str, str, str]]:
    """Fill an empty database; returns (email, role, password) for each demo account."""
    people = db.session.scalar(select(func.count()).select_from(Person))
    users = db.session.scalar(select(func.count()).select_from(User))
    if people or users:
        raise DemoError(
            f"The database already has {people} people and {users} accounts. The demo loads "
            "only into an empty database: point DATABASE_URL at a new one (`make demo` does this)."
        )
    if password is None:
        password = passphrase()
    elif problem := password_problem(password):
        raise DemoError(f"That password cannot be used: {problem}.")
    fake = Faker("en_GB")
    fake.seed_instance(SEED)
    try:
        accounts = {role: create_user(email, name, role, password) for role, email, name in P.ACCOUNTS}
        admin, coordinator = accounts[Role.ADMIN], accounts[Role.COORDINATOR]
        organisations = {
            name: create_organisation({"name": name, "type": kind, "notes": notes}, admin)
            for name, kind, notes, _ in P.ORGANISATIONS
        }
        tags = {
            (category, name): add_tag(category, name, admin) for category, names in P.TAGS.items() for name in names
        }
        db.session.flush()
        # Separate generators: how many sessions there are depends on today's date, and must
        # not change who the people are.
        _sessions(random.Random(SEED), organisations, coordinator)
        _people(random.Random(SEED), fake, organisations, tags, coordinator)
    except InvalidInput as error:
        details = "; ".join(f"{field}: {message}" for field, message in error.fields.items())
        raise DemoError(f"The demo data could not be written ({details}).") from error
    return [(user.email, role.value, password) for role, user in accounts.items()]


def passphrase() -> str:
    """Four random words, like `otter-lantern-pebble-wharf`."""
    while True:
        words = "-".join(secrets.choice(P.PASSPHRASE_WORDS) for _ in range(4))
        if password_problem(words) is None:
            return words


# Sessions -----------------------------------------------------------------------------------


def _sessions(rng: random.Random, organisations: dict, actor) -> None:
    themes = {theme.name: theme.id for theme in db.session.scalars(select(Theme))}

    def add(title, day, times, kind, theme, level, form, organiser, **extra):
        start, end = times.split("-")
        in_person = form != Format.ONLINE
        data = {
            "title": title,
            "date": day,
            "start_time": start,
            "end_time": end,
            "format": form,
            "kind": kind,
            "theme_id": themes.get(theme),
            "involvement_level": level,
            "organiser_organisation_id": organisations[organiser].id,
            "location": rng.choice(S.LOCATIONS) if in_person else None,
            "meeting_link": _teams_link(rng) if form != Format.IN_PERSON else None,
            "capacity": rng.choice([12, 15, 20, 25]) if in_person else 30,
            "creche_places": rng.choice([0, 6, 8, 10]) if in_person and start < "17:00" else 0,
        }
        return create_session({**data, **extra}, actor)

    conference = create_event(S.CONFERENCE["name"], S.CONFERENCE["description"], actor)
    for title, kind, theme, level, times, room in S.CONFERENCE["sessions"]:
        add(
            title,
            S.CONFERENCE["date"],
            times,
            kind,
            theme,
            level,
            Format.IN_PERSON,
            S.ABSS,
            event_id=conference.id,
            location=f"{S.CONFERENCE['location']}, {room}",
            capacity=150 if room == "Lecture theatre" else 40,
            creche_places=15,
        )

    week = create_event(S.COPRO_WEEK["name"], S.COPRO_WEEK["description"], actor)
    monday = date.fromisoformat(S.COPRO_WEEK["monday"])
    for offset, title, kind, theme, level, times in S.COPRO_WEEK["sessions"]:
        add(
            title,
            monday + timedelta(days=offset),
            times,
            kind,
            theme,
            level,
            Format.ONLINE,
            S.ABSS,
            event_id=week.id,
            capacity=60,
        )

    # Roughly monthly from January 2023 to last month, and the groups that meet regularly.
    today = date.today()
    year, month, n = 2023, 1, 0
    held = []
    while (year, month) < (today.year, today.month):
        title, kind, theme, level, form, organiser = S.PROGRAMME[n % len(S.PROGRAMME)]
        if n >= len(S.PROGRAMME):
            title += ": follow-up"
        day = _weekday_in(rng, year, month)
        held.append(add(title, day, _times(rng, form, kind), kind, theme, level, form, organiser))
        for title, kind, theme, level, form, organiser, every, first in S.RECURRING:
            if (year * 12 + month - 1 - first) % every == 0:
                add(title, _weekday_in(rng, year, month), _times(rng, form, kind), kind, theme, level, form, organiser)
        year, month, n = year + month // 12, month % 12 + 1, n + 1
    if len(held) > 5:
        reason = "Venue closed at short notice (flooding); moved to the next month."
        cancel_session(held[5], reason, actor)

    for days, title, kind, theme, level, form, organiser in S.UPCOMING:
        day = today + timedelta(days=days)
        while day.weekday() > 3:  # Friday to Sunday: move to the Monday after
            day += timedelta(days=1)
        add(title, day, _times(rng, form, kind), kind, theme, level, form, organiser)


def _weekday_in(rng: random.Random, year: int, month: int) -> date:
    """A Monday to Thursday in the given month, away from its first and last days."""
    last = calendar.monthrange(year, month)[1]
    while True:
        day = date(year, month, rng.randint(3, last - 2))
        if day.weekday() < 4:
            return day


def _times(rng: random.Random, form: Format, kind) -> str:
    if kind == S.STEERING:
        return "18:00-19:30"
    if form == Format.ONLINE:
        return rng.choice(["19:00-20:30", "12:30-13:30", "10:00-11:00"])
    return rng.choice(["10:00-12:00", "09:30-11:30", "13:00-14:30"])


def _teams_link(rng: random.Random) -> str:
    token = "".join(rng.choices(string.ascii_letters + string.digits, k=48))
    return f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{token}%40thread.v2/0"


# People -------------------------------------------------------------------------------------


def _people(rng: random.Random, fake: Faker, organisations: dict, tags: dict, actor) -> None:
    wards = list(db.session.scalars(select(Ward).order_by(Ward.id)))
    plan = [types for types, count in P.TYPE_MIX for _ in range(count)]
    rng.shuffle(plan)
    residents = [i for i, types in enumerate(plan) if PersonType.PROFESSIONAL not in types]
    community = dict(zip(rng.sample(residents, len(P.COMMUNITY_NAMES)), P.COMMUNITY_NAMES, strict=True))
    leaving = rng.sample([i for i, t in enumerate(plan) if PersonType.PARENT_CHAMPION not in t], 10)
    inactive, left = set(leaving[:6]), set(leaving[6:])
    employers = [(organisations[name], titles) for name, _, _, titles in P.ORGANISATIONS]
    eal = tags[("lived_experience", "English as an additional language")]
    emails: set[str] = set()
    contact_consents = []

    def pick(category: str, low: int, high: int) -> list:
        names = rng.sample(P.TAGS[category], rng.randint(low, high))
        return [tags[(category, name)] for name in names]

    for index, types in enumerate(plan):
        champion = PersonType.PARENT_CHAMPION in types
        parent = PersonType.PARENT_CARER in types
        language = None
        if index in community:
            first, last, language = community[index]
        else:
            female = rng.random() < (0.5 if PersonType.YOUNG_PERSON in types else 0.75)
            first = fake.first_name_female() if female else fake.first_name_male()
            last = fake.last_name()
        data = {
            "first_name": first,
            "last_name": last,
            "person_types": types,
            "preferred_name": P.PREFERRED_NAMES.get(first) if rng.random() < 0.6 else None,
            "status": PersonStatus.INACTIVE
            if index in inactive
            else PersonStatus.LEFT
            if index in left
            else PersonStatus.ACTIVE,
        }
        chosen = pick("interest", 1, 3 if champion else 2)
        if PersonType.PROFESSIONAL in types:
            employer, titles = rng.choice(employers)
            job = {"organisation_id": employer.id, "job_title": rng.choice(titles)}
            data["affiliations"] = [job]
            data["email"] = _email(first, last, "example.org", emails)
            data["phone"] = _phone(rng, landline=True)
            chosen += pick("skill", 0, 1)
        else:
            data.update(_address(rng, wards))
            has_email = rng.random() < 0.85
            data["email"] = _email(first, last, "example.com", emails) if has_email else None
            data["phone"] = _phone(rng) if rng.random() < 0.85 or not data["email"] else None
            data["needs_creche"] = parent and rng.random() < 0.3
            data["needs_step_free"] = rng.random() < 0.08
            data["other_needs"] = rng.choice(P.OTHER_NEEDS) if rng.random() < 0.07 else None
            data["notes"] = rng.choice(P.NOTES) if rng.random() < 0.06 else None
            if parent or PersonType.YOUNG_PERSON in types:
                chosen += pick("lived_experience", 1 if champion else 0, 2)
            chosen += pick("skill", 1 if champion or PersonType.VOLUNTEER in types else 0, 2)
            if language:
                chosen += [tags[("language", language)], eal]
                if not champion and rng.random() < 0.4:
                    data["interpreter_language"] = language
            elif rng.random() < 0.04:
                chosen.append(tags[("language", "British Sign Language")])
        data["tags"] = list(dict.fromkeys(chosen))
        person = create_person(data, actor)
        contact_consents += _consents(rng, person, champion, actor)

    for consent in rng.sample(contact_consents, 4):
        withdraw_consent(consent, actor)
        later = consent.given_at + timedelta(days=rng.randint(60, 500))
        consent.withdrawn_at = min(later, datetime.now(UTC))


def _address(rng: random.Random, wards: list[Ward]) -> dict:
    """Most people live in a Southend ward; a few just outside; a few gave no postcode."""
    ward = rng.choice(wards) if rng.random() < 0.9 else None
    if ward is None and rng.random() < 0.4:
        return {}
    district = P.WARD_DISTRICTS.get(ward.name, "SS1") if ward else rng.choice(P.OUT_OF_BOROUGH_DISTRICTS)
    unit = "".join(rng.choices(P.POSTCODE_UNIT_LETTERS, k=2))
    postcode = f"{district} {rng.randint(1, 9)}{unit}"
    return {"postcode": postcode, "ward_id": ward.id if ward else None}


def _consents(rng: random.Random, person: Person, champion: bool, actor) -> list:
    """Contact consent for most people, photo and quote consents for some; returns contact ones."""
    if rng.random() > (0.97 if champion else 0.85):
        return []
    method = rng.choices(["paper", "online", "verbal"], weights=[5, 3, 2])[0]
    given = datetime(2019, 9, 1, 10, tzinfo=UTC) + timedelta(days=rng.randint(0, 2300), minutes=rng.randint(0, 480))
    contact = record_consent(
        person, ConsentPurpose.CONTACT, ConsentMethod(method), P.CONSENT_WORDING[method], actor, given_at=given
    )
    for purpose, wording, share in (
        (ConsentPurpose.PHOTOS, P.PHOTO_WORDING, 0.4),
        (ConsentPurpose.QUOTES, P.QUOTE_WORDING, 0.25),
    ):
        if rng.random() < share:
            record_consent(person, purpose, ConsentMethod(method), wording, actor, given_at=given)
    if champion and rng.random() < 0.3:
        record_consent(
            person,
            ConsentPurpose.SHARING,
            ConsentMethod.PAPER,
            P.SHARING_WORDING,
            actor,
            partner_name="University of Essex",
            given_at=given + timedelta(days=30),
        )
    return [contact]


def _email(first: str, last: str, domain: str, used: set[str]) -> str:
    plain = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode()
    local = "".join(c for c in plain.lower() if c.isalnum() or c == ".")
    email, n = f"{local}@{domain}", 1
    while email in used:
        n += 1
        email = f"{local}{n}@{domain}"
    used.add(email)
    return email


def _phone(rng: random.Random, landline: bool = False) -> str:
    """A number that passes validation, written the way people write them: 07911 123456."""
    while True:
        prefix = P.LANDLINE_PREFIX if landline else rng.choice(P.MOBILE_PREFIXES)
        number = f"{prefix} {rng.randint(200000, 999999)}"
        if phonenumbers.is_valid_number(phonenumbers.parse(number, "GB")):
            return number
