"""Recognising people: normalising names as reports and sign-in sheets write them, and finding
who in the CRM a name, email or phone probably belongs to. Walk-ins, imports and the duplicates
screen all use these, so they agree on who is who."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import and_, collate, func, or_, select

from crm.extensions import db
from crm.models import Person
from crm.validation import InvalidValue, normalise_email, normalise_phone

# Similarity (0–100) of two whole names, words in any order (rapidfuzz token-sort ratio), from
# which they are shown as possibly the same person.
SIMILAR_NAME_SCORE = 85
# The same, comparing first names and last names separately (rapidfuzz ratio): each part starts
# with the same letter and is at least SIMILAR_PART_SCORE alike, and the two average at least
# SIMILAR_PARTS_SCORE. The whole-name ratio scores a typo in both parts ("Chelsy Flin" for
# "Chelsea Flynn") or a short first name ("Fran" for "Frances") too low to show.
SIMILAR_PART_SCORE = 60
SIMILAR_PARTS_SCORE = 70
# Why a candidate is offered, besides the same email address or phone number.
SAME_NAME = "same name"
SIMILAR_NAME = "similar name"
# Letters of a name the database compares before the names are scored in Python.
_PREFIX = 2

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
    text = strip_accents(display_name_from_report(name)).lower().replace("'", "").replace("’", "")
    # Letters and digits of any script count (Иван, 王芳, محمد); everything else separates words.
    text = "".join(c if c.isalnum() else " " for c in text)
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class Candidate:
    person_id: int
    name: str
    score: int
    reason: str


def name_similarity(first: str, last: str, other_first: str, other_last: str) -> int:
    """How alike two names are (0–100) if alike enough to show as possibly the same person, else
    0; the parts are name_key()s. The better of two comparisons: the whole names with their words
    in any order, and the first and last names separately. A first name that starts another
    ("Jo", "Joanne") counts as a short form of it."""
    best = fuzz.token_sort_ratio(f"{first} {last}", f"{other_first} {other_last}")
    if best < SIMILAR_NAME_SCORE:
        best = 0
    if first and last and other_first and other_last and first[0] == other_first[0] and last[0] == other_last[0]:
        firsts = fuzz.ratio(first, other_first)
        if first.startswith(other_first) or other_first.startswith(first):
            firsts = max(firsts, SIMILAR_NAME_SCORE)
        lasts = fuzz.ratio(last, other_last)
        parts = (firsts + lasts) / 2
        if min(firsts, lasts) >= SIMILAR_PART_SCORE and parts >= SIMILAR_PARTS_SCORE:
            best = max(best, parts)
    return int(best)


def _starts_like(column, name: str):
    """`column` starts with the same letters as `name`, as typed or as its name_key, in any case."""
    prefixes = {form[:_PREFIX] for form in (display_name_from_report(name).lower(), name_key(name)) if form}
    return or_(*(_ignoring_case(func.substr(column, 1, len(p))).in_(sorted(_spellings(p))) for p in prefixes))


def _people_with_names_starting_like(first_name: str, last_name: str) -> list:
    """Everyone whose first or preferred name starts with the same letters as `first_name`, or
    whose last name starts like `last_name`, or whose names start like them the other way round:
    one query, returning a few per cent of a large CRM to score in Python."""
    conditions = []
    if name_key(first_name):
        conditions += [_starts_like(Person.first_name, first_name), _starts_like(Person.preferred_name, first_name)]
    if name_key(last_name):
        conditions.append(_starts_like(Person.last_name, last_name))
    if name_key(first_name) and name_key(last_name):
        conditions.append(and_(_starts_like(Person.first_name, last_name), _starts_like(Person.last_name, first_name)))
    columns = (Person.id, Person.first_name, Person.last_name, Person.preferred_name)
    return db.session.execute(select(*columns).where(or_(*conditions))).all()


def find_possible_matches(
    *, first_name: str = "", last_name: str = "", email: str | None = None, phone: str | None = None, limit: int = 5
) -> list[Candidate]:
    """People already in the CRM who may be this person, best first: the same email or phone
    (score 100), the same name (100), then similar names (see name_similarity), comparing the
    first name given with each person's first and preferred names. Two queries at most, however
    many people the CRM holds."""
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
        columns = (Person.id, Person.first_name, Person.last_name, Person.email)
        for row in db.session.execute(select(*columns).where(or_(*exact)).limit(limit)):
            reason = "same email address" if email and row.email == email else "same phone number"
            name = " ".join(part for part in (row.first_name, row.last_name) if part)
            found[row.id] = Candidate(row.id, name, 100, reason)
    first, last = name_key(first_name or ""), name_key(last_name or "")
    wanted = name_key(f"{first} {last}")
    if wanted:
        for row in _people_with_names_starting_like(first_name or "", last_name or ""):
            if row.id in found:
                continue
            other_last = name_key(row.last_name or "")
            score, reason = 0, SIMILAR_NAME
            for other_first in {name_key(row.first_name or ""), name_key(row.preferred_name or "")} - {""}:
                if name_key(f"{other_first} {other_last}") == wanted:
                    score, reason = 100, SAME_NAME
                    break
                score = max(score, name_similarity(first, last, other_first, other_last))
            if score:
                name = " ".join(part for part in (row.first_name, row.last_name) if part)
                found[row.id] = Candidate(row.id, name, score, reason)
    return sorted(found.values(), key=_best_first)[:limit]


def _best_first(candidate: Candidate):
    # The same email or phone before the same name: contact details are surer than a name.
    by_name = candidate.reason in (SAME_NAME, SIMILAR_NAME)
    return (-candidate.score, by_name, candidate.name, candidate.person_id)


# --- Matching a whole report at once (attendance imports) ---------------------------------

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
