"""Recognising people: normalising names as reports and sign-in sheets write them, and finding
who in the CRM a name, email or phone probably belongs to. Walk-ins, imports and the duplicates
screen all use these, so they agree on who is who."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import func, or_, select

from crm.extensions import db
from crm.models import Person
from crm.validation import InvalidValue, normalise_email, normalise_phone

# Similarity (0–100) from which two names are shown as possibly the same person.
SIMILAR_NAME_SCORE = 85

_BRACKETED = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]\s*")
_DEVICE = re.compile(r"^(?:iphone|ipad|android|galaxy|samsung|pixel|huawei)\b.*?[\(\[]([^\)\]]+)[\)\]]\s*$", re.I)
_SPACES = re.compile(r"\s+")


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def display_name_from_report(raw: str) -> str:
    """The person's name as a meeting report writes it, tidied: "iPhone (Jo Sample)" → "Jo Sample",
    "Sample, Jo" → "Jo Sample", "Jo Sample (she/her)" and "(Guest)" dropped."""
    text = (raw or "").strip()
    device = _DEVICE.match(text)
    if device:
        text = device.group(1)
    text = _BRACKETED.sub(" ", text).strip()
    if text.count(",") == 1:
        last, first = (part.strip() for part in text.split(","))
        if first and last:
            text = f"{first} {last}"
    return _SPACES.sub(" ", text).strip()


def name_key(name: str) -> str:
    """A comparison key for a name: lower case, no accents, punctuation or extra spaces."""
    text = strip_accents(display_name_from_report(name)).lower()
    text = re.sub(r"[^a-z0-9 ]+", " ", text.replace("'", "").replace("’", ""))
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class Candidate:
    person_id: int
    name: str
    score: int
    reason: str


def find_possible_matches(
    *, first_name: str = "", last_name: str = "", email: str | None = None, phone: str | None = None, limit: int = 5
) -> list[Candidate]:
    """People already in the CRM who may be this person, best first: the same email or phone
    (score 100), then similar names (rapidfuzz token-sort ratio ≥ SIMILAR_NAME_SCORE)."""
    found: dict[int, Candidate] = {}
    exact = []
    try:
        email = normalise_email(email)
    except InvalidValue:
        email = None
    try:
        phone = normalise_phone(phone)
    except InvalidValue:
        phone = None
    if email:
        exact.append(Person.email == email)
    if phone:
        exact.append(Person.phone == phone)
    if exact:
        for person in db.session.scalars(select(Person).where(or_(*exact)).limit(limit)):
            reason = "same email address" if email and person.email == email else "same phone number"
            found[person.id] = Candidate(person.id, person.full_name, 100, reason)
    wanted = name_key(f"{first_name} {last_name}")
    if wanted:
        # Narrow in SQL to people sharing a first or last initial, then score the names.
        initials = {part[0] for part in wanted.split()}
        first_letters = [
            func.lower(func.substr(Person.first_name, 1, 1)),
            func.lower(func.substr(Person.last_name, 1, 1)),
        ]
        rows = db.session.execute(
            select(Person.id, Person.first_name, Person.last_name).where(
                or_(*(letter.in_(initials) for letter in first_letters))
            )
        ).all()
        choices = {row.id: name_key(f"{row.first_name} {row.last_name}") for row in rows if row.id not in found}
        for _choice, score, person_id in process.extract(
            wanted, choices, scorer=fuzz.token_sort_ratio, score_cutoff=SIMILAR_NAME_SCORE, limit=limit
        ):
            row = next(r for r in rows if r.id == person_id)
            found[person_id] = Candidate(
                person_id, f"{row.first_name} {row.last_name}".strip(), int(score), "similar name"
            )
    return sorted(found.values(), key=lambda c: (-c.score, c.name))[:limit]
