"""People: who they are, how often they come, and when in the five years they are around."""

from __future__ import annotations

import math
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta

import phonenumbers
from faker import Faker
from sqlalchemy import select

from crm.data import demo_people as P
from crm.models import Affiliation, Consent, Person, PersonTypeLink, Ward, person_tags
from crm.models.enums import ConsentMethod, ConsentPurpose, PersonStatus, PersonType
from crm.seed.base import CHUNK, Weighted, Writer, at
from crm.seed.lists import (
    INTERPRETER_LANGUAGES,
    OCCASIONAL_COUNTS,
    PERSON_TYPES,
    TAG_CATEGORIES,
    TAG_COUNTS,
    TIERS,
    WINDOWS,
)
from crm.seed.timeline import Catalogue, Timeline

# (tier, number of sessions) for each person, in id order.
Plan = list[tuple[str, int]]


@dataclass
class Crowd:
    """The people written: person `first_id + i` takes part within sessions windows[i]."""

    first_id: int = 0
    windows: list[tuple[int, int]] = field(default_factory=list)
    needs_creche: list[bool] = field(default_factory=list)


def plan_people(w: Writer, people: int, participations: int, timeline: Timeline) -> Plan:
    """Each person's tier and how many sessions they take part in, summing to the target."""
    rng = w.rng
    tier, occasional = Weighted(TIERS), Weighted(OCCASIONAL_COUNTS)
    entries = []
    for _ in range(people):
        kind = tier(rng)
        if kind == "champion":
            count = min(400, max(30, rng.lognormvariate(math.log(110), 0.5)))
        elif kind == "regular":
            count = min(60, max(6, rng.lognormvariate(math.log(20), 0.5)))
        else:
            count = occasional(rng) if kind == "occasional" else 0
        entries.append([kind, count])
    # Nobody comes to everything: at most 60% of the sessions (all of them in a tiny dataset).
    cap = len(timeline) if len(timeline) < 10 else round(len(timeline) * 0.6)
    # Scale champions and regulars (then everyone who comes at all) towards the total asked for.
    for flexible in ({"champion", "regular"}, {"champion", "regular", "occasional"}):
        for _ in range(30):
            gap = participations - sum(min(cap, round(count)) for _, count in entries)
            movable = [e for e in entries if e[0] in flexible and e[1] > 0 and (gap < 0 or round(e[1]) < cap)]
            moving = sum(min(cap, count) for _, count in movable)
            if abs(gap) <= max(1, participations // 2000) or not moving:
                break
            factor = max(0.0, 1 + gap / moving)
            for entry in movable:
                entry[1] = max(1.0, min(cap, entry[1]) * factor)
    return [(kind, min(cap, round(count))) for kind, count in entries]


def write_people(w: Writer, plan: Plan, timeline: Timeline, catalogue: Catalogue) -> Crowd:
    """People with their types, tags, contact consent, and (professionals) affiliations."""
    rng = w.rng
    fake = Faker("en_GB")
    fake.seed_instance(w.random_seed)
    # Faker per person is slow: draw a few thousand names once (keeping Faker's frequencies).
    female = [fake.first_name_female() for _ in range(1500)]
    male = [fake.first_name_male() for _ in range(800)]
    surnames = [fake.last_name() for _ in range(3000)]
    mobiles, landlines = _valid_phone_stems(P.MOBILE_PREFIXES), _valid_phone_stems([P.LANDLINE_PREFIX])
    wards = [(ward.id, ward.name) for ward in w.connection.execute(select(Ward.__table__).order_by(Ward.id))]
    types_of, tag_count, tag_category = Weighted(PERSON_TYPES), Weighted(TAG_COUNTS), Weighted(TAG_CATEGORIES)
    methods = list(P.CONSENT_WORDING)
    emails: dict[str, int] = {}
    crowd = Crowd(first_id=w.next_id(Person))
    affiliation_id, consent_id = w.next_id(Affiliation), w.next_id(Consent)
    buffers: dict = {Person: [], PersonTypeLink: [], person_tags: [], Affiliation: [], Consent: []}
    span = len(timeline)
    for index, (tier, count) in enumerate(plan):
        person_id = crowd.first_id + index
        champion = tier == "champion"
        types = (PersonType.PARENT_CHAMPION, PersonType.PARENT_CARER) if champion else types_of(rng)
        parent = PersonType.PARENT_CARER in types
        first = rng.choice(female if rng.random() < (0.75 if parent else 0.5) else male)
        last = rng.choice(surnames)
        # Where in time this person's sessions fall (a stretch of session indexes).
        width = min(span, max(count * 3, int(span * rng.uniform(*WINDOWS[tier]))))
        start = rng.randrange(span - width + 1)
        crowd.windows.append((start, start + width))
        if count:
            joined = timeline.days[start]
        else:
            joined = w.first_day + timedelta(days=rng.randrange((w.today - w.first_day).days))
        created = min(w.now, at(joined - timedelta(days=rng.randint(1, 60)), rng.randint(9, 19)))
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
        if PersonType.PROFESSIONAL in types:
            row["email"] = _email(first, last, "example.org", emails)
            row["phone"] = _phone(rng, landlines) if rng.random() < 0.7 else None
            for organisation_id, titles in rng.sample(catalogue.organisations, 2 if rng.random() < 0.15 else 1):
                buffers[Affiliation].append(
                    {
                        "id": affiliation_id,
                        "person_id": person_id,
                        "organisation_id": organisation_id,
                        "job_title": rng.choice(titles),
                        "created_at": created,
                        "updated_at": created,
                    }
                )
                affiliation_id += 1
        else:
            has_email = rng.random() < 0.85
            row["email"] = _email(first, last, "example.com", emails) if has_email else None
            row["phone"] = _phone(rng, mobiles) if rng.random() < (0.8 if has_email else 0.95) else None
            if wards and rng.random() < 0.9:
                ward_id, ward_name = rng.choice(wards)
                row["ward_id"], district = ward_id, P.WARD_DISTRICTS.get(ward_name, "SS1")
            else:
                district = rng.choice(P.OUT_OF_BOROUGH_DISTRICTS)
            unit = "".join(rng.choices(P.POSTCODE_UNIT_LETTERS, k=2))
            row["postcode"] = f"{district} {rng.randint(1, 9)}{unit}"
        crowd.needs_creche.append(row["needs_creche"])
        buffers[Person].append(row)
        buffers[PersonTypeLink] += [{"person_id": person_id, "type": person_type} for person_type in types]
        how_many = max(2, tag_count(rng)) if champion else tag_count(rng)
        chosen = {rng.choice(catalogue.tags[tag_category(rng)]) for _ in range(how_many)}
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
                    "withdrawn_at": min(w.now, created + timedelta(days=rng.randint(30, 700))) if withdrawn else None,
                    "withdrawn_by_id": None,
                }
            )
            consent_id += 1
        if len(buffers[Person]) >= CHUNK:
            w.flush(buffers)
    w.flush(buffers)
    w.after_explicit_ids(Person, Affiliation, Consent)
    return crowd


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
