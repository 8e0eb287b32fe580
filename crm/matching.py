"""Recognising people: normalising names as reports and sign-in sheets write them, and finding
who in the CRM a name, email or phone probably belongs to. Walk-ins, imports and the duplicates
screen all use these, so they agree on who is who."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import collate, func, or_, select

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


# --- Matching a whole report at once (attendance imports) ---------------------------------

SAME_NAME = "same name"
SIMILAR_NAME = "similar name"
_EMAIL_BATCH = 500


@dataclass(frozen=True)
class KnownPerson:
    """Just enough of a person to recognise them."""

    id: int
    first_name: str
    last_name: str
    preferred_name: str | None
    email: str | None

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def name_keys(self) -> set[str]:
        keys = {name_key(self.name)}
        if self.preferred_name:
            keys.add(name_key(f"{self.preferred_name} {self.last_name}"))
        return {key for key in keys if key}


_KNOWN_COLUMNS = (Person.id, Person.first_name, Person.last_name, Person.preferred_name, Person.email)


def people_by_email(emails) -> dict[str, KnownPerson]:
    """The people with these (normalised, lower-case) email addresses, by address: one query per
    500 addresses."""
    wanted = sorted({e for e in emails if e})
    found: dict[str, KnownPerson] = {}
    for start in range(0, len(wanted), _EMAIL_BATCH):
        batch = wanted[start : start + _EMAIL_BATCH]
        for row in db.session.execute(select(*_KNOWN_COLUMNS).where(Person.email.in_(batch))):
            found[row.email] = KnownPerson(*row)
    return found


_QUERY_KEYS = 2000


def _spellings(word: str) -> set[str]:
    """How a word may be stored, for a comparison that folds the case of A–Z only."""
    if word.isascii():
        return {word.lower()}
    return {word, word.lower(), word.capitalize(), word.title(), word.upper()}


def _name_and_initial_keys(wanted) -> list[str]:
    """ "word|i" for each word of each name and the initial of each of its other words."""
    keys: set[str] = set()
    for name in wanted:
        words = {w.strip(".,'’-") for w in display_name_from_report(name).split()}
        words = {w for w in words | set(name_key(name).split()) if w}
        for word in words:
            for other in words:
                if other.lower() != word.lower():
                    keys.update(f"{s}|{i}" for s in _spellings(word) for i in _spellings(other[0]))
    return sorted(keys)


def _ignoring_case(expression):
    """SQLite's NOCASE collation folds A–Z in C; its Unicode lower() here is a Python call per
    row, too slow to scan every person with. PostgreSQL's lower() is fast and folds everything."""
    if db.session.get_bind().dialect.name == "sqlite":
        return collate(expression, "NOCASE")
    return func.lower(expression)


def _people_named_like(names) -> list:
    """Everyone one of whose names is a word of one of `names` while another starts with the
    initial of another of its words: one query per 2,000 such pairs (one for most reports). A
    name misspelt in every word, or at its first letter, is missed; the query stays small."""
    keys = _name_and_initial_keys(names)
    pairs = [
        (Person.first_name, Person.last_name),
        (Person.last_name, Person.first_name),
        (Person.preferred_name, Person.last_name),
        (Person.last_name, Person.preferred_name),
    ]
    rows = []
    for start in range(0, len(keys), _QUERY_KEYS):
        batch = keys[start : start + _QUERY_KEYS]
        conditions = [_ignoring_case(word + "|" + func.substr(other, 1, 1)).in_(batch) for word, other in pairs]
        rows.extend(db.session.execute(select(*_KNOWN_COLUMNS).where(or_(*conditions))).all())
    return list({row.id: row for row in rows}.values())


def _tokens(name: str) -> set[str]:
    """The words of a name as a person's name columns may hold them, with and without accents."""
    display = display_name_from_report(name).lower()
    words = {w.strip(".,'’-") for w in display.split()} | set(name_key(name).split())
    return {w for w in words if w}


@dataclass(frozen=True)
class NameMatches:
    """Who in the CRM each name from a report may be: for each name, candidates best first —
    people with the same name (score 100, reason SAME_NAME), then similar names."""

    candidates: dict[str, list[Candidate]]
    people: dict[int, KnownPerson]

    def same_name(self, name: str) -> list[KnownPerson]:
        return [self.people[c.person_id] for c in self.candidates.get(name, []) if c.reason == SAME_NAME]


def match_names(names, *, limit: int = 5) -> NameMatches:
    """Candidates for many names at once (one query for most reports, see _people_named_like):
    people with the same name_key (first or preferred name with last name), then similar names
    by rapidfuzz token-sort ratio ≥ SIMILAR_NAME_SCORE. Names of a single word are too vague to
    match and get no candidates."""
    wanted = {name: _tokens(name) for name in set(names) if len(name_key(name).split()) >= 2}
    rows = _people_named_like(wanted)
    by_id = {row.id: row for row in rows}
    by_word: dict[str, set[int]] = {}
    # Lower-cased names, cheap to make, to rule out most of the people sharing a word before
    # the careful comparison.
    rough: dict[tuple[int, int], str] = {}
    for row in rows:
        last = (row.last_name or "").lower()
        for number, first in enumerate((row.first_name, row.preferred_name)):
            if first:
                rough[(row.id, number)] = f"{first.lower()} {last}"
        for column in (row.first_name, row.last_name, row.preferred_name):
            if column:
                by_word.setdefault(column.lower(), set()).add(row.id)
    keys: dict[int, set[str]] = {}
    people: dict[int, KnownPerson] = {}
    result: dict[str, list[Candidate]] = {}
    for name, tokens in wanted.items():
        key = name_key(name)
        pool = set().union(*(by_word.get(t, set()) for t in tokens))
        choices = {(pid, n): rough[(pid, n)] for pid in pool for n in (0, 1) if (pid, n) in rough}
        likely = {
            choice[0]
            for _text, _score, choice in process.extract(
                display_name_from_report(name).lower(),
                choices,
                scorer=fuzz.token_sort_ratio,
                score_cutoff=SIMILAR_NAME_SCORE - 15,
                limit=None,
            )
        }
        found = []
        for person_id in likely:
            if person_id not in people:
                people[person_id] = KnownPerson(*by_id[person_id])
                keys[person_id] = people[person_id].name_keys()
            person = people[person_id]
            if key in keys[person_id]:
                found.append(Candidate(person_id, person.name, 100, SAME_NAME))
                continue
            score = max((fuzz.token_sort_ratio(key, k) for k in keys[person_id]), default=0)
            if score >= SIMILAR_NAME_SCORE:
                found.append(Candidate(person_id, person.name, int(score), SIMILAR_NAME))
        found.sort(key=lambda c: (-c.score, c.name, c.person_id))
        exact = [c for c in found if c.reason == SAME_NAME]
        result[name] = exact + [c for c in found if c.reason != SAME_NAME][: max(limit - len(exact), 0)]
    return NameMatches(result, people)
