"""Finding people who are probably recorded twice, for the duplicates screen.

Candidates are blocked in SQL, so only people sharing something are compared:

- the same phone number (stored in E.164 form, so "07700 900123" and "+44 7700 900123" agree):
  GROUP BY phone;
- the same name and postcode: GROUP BY postcode and lower-cased last name, then the whole names
  compared as crm.matching.name_key()s;
- similar names in the same ward: GROUP BY ward and the first letter of the last name, then
  every pair of names in each group scored at C speed with rapidfuzz's process.cdist (a score
  cutoff drops the rest), and the few left scored with crm.matching.name_similarity.

Erased people are never listed, nor pairs someone has said are different people. The pairs are
stored in the report cache (crm.queries.report_cache), shared by every worker and server, and
found again only when someone is added, edited or erased (one cheap query tells), so paging
through them does not redo the comparison.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy
from rapidfuzz import fuzz, process
from sqlalchemy import func, select, update

from crm.extensions import db
from crm.matching import SIMILAR_NAME_SCORE, name_key, name_similarity, strip_accents
from crm.models import DuplicateDismissal, Person, Ward
from crm.models.settings import ReportCache
from crm.queries.pagination import Page
from crm.queries.report_cache import current_data_version, store_payload

SAME_PHONE = "same phone number"
SAME_NAME_AND_POSTCODE = "same name and postcode"
SAME_NAME_IN_WARD = "same name in the same ward"
SIMILAR_NAME_IN_WARD = "similar name in the same ward"

# A phone number shared by more people than this is an office or a family's landline, not a
# person recorded twice; listing every pair of them would bury the real duplicates.
MAX_PHONE_GROUP = 6
# The same for a name at one postcode (a block of flats with two John Smiths is fine; 30 is a
# data problem the import screen should catch, not this one).
MAX_NAME_GROUP = 10
# Whole-name similarity (token-sort ratio) from which cdist keeps a pair for the closer look.
# Below crm.matching.SIMILAR_NAME_SCORE because name_similarity also compares first and last
# names separately, and counts "Jo" as a short "Joanne" ("jo sample"/"joanne sample": 82).
_ROUGH_CUTOFF = 80
# Blocks up to this size are compared pair by pair; larger ones in one call to cdist.
_SMALL_BLOCK = 12


@dataclass(frozen=True)
class DuplicatePair:
    """Two people who may be one: the lower id first, a score out of 100 and the reasons."""

    first_id: int
    second_id: int
    score: int
    reasons: tuple[str, ...]
    name_score: int = 0


@dataclass(frozen=True)
class PairPerson:
    """What the duplicates screen shows of each person in a pair."""

    id: int
    first_name: str
    last_name: str
    preferred_name: str | None
    email: str | None
    phone: str | None
    postcode: str | None
    ward: str | None

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(frozen=True)
class ListedPair:
    pair: DuplicatePair
    first: PairPerson
    second: PairPerson


def _keys(first_name: str | None, last_name: str | None, preferred_name: str | None, key_of=name_key):
    """(first, last) name_key()s a person goes by: their first name, and their preferred one."""
    last = key_of(last_name or "")
    keys: list[tuple[str, str]] = []
    for first in (first_name, preferred_name):
        key = key_of(first or "")
        if key and (key, last) not in keys:
            keys.append((key, last))
    return keys


def _name_score(a: list[tuple[str, str]], b: list[tuple[str, str]]) -> int:
    """100 for the same name, else crm.matching.name_similarity's best (0 when not alike)."""
    if not set(a).isdisjoint(b):
        return 100
    return max((name_similarity(*mine, *theirs) for mine in a for theirs in b), default=0)


class _Found:
    """Pairs and their reasons, as they are found."""

    def __init__(self) -> None:
        self.reasons: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
        self.names: dict[tuple[int, int], int] = {}

    def add(self, a: int, b: int, reason: str, score: int, name_score: int | None = None) -> None:
        key = (a, b) if a < b else (b, a)
        self.reasons[key][reason] = max(score, self.reasons[key].get(reason, 0))
        if name_score is not None:
            self.names[key] = max(name_score, self.names.get(key, 0))

    def pairs(self) -> list[DuplicatePair]:
        result = []
        for (a, b), reasons in self.reasons.items():
            ordered = sorted(reasons, key=lambda r: -reasons[r])
            # Each further reason makes the pair likelier: five points each, at most 100.
            score = min(100, reasons[ordered[0]] + 5 * (len(ordered) - 1))
            result.append(DuplicatePair(a, b, score, tuple(ordered), self.names.get((a, b), 0)))
        result.sort(key=lambda p: (-p.score, p.first_id, p.second_id))
        return result


_LISTED = Person.erased_at.is_(None)


def _same_phone(found: _Found) -> None:
    """Pairs sharing a phone number. Score 50 plus half their names' similarity: a parent and
    child sharing a mobile score 50, the same name on the same number 100."""
    shared = (
        select(Person.phone)
        .where(_LISTED, Person.phone.is_not(None), Person.phone != "")
        .group_by(Person.phone)
        .having(func.count() > 1, func.count() <= MAX_PHONE_GROUP)
        .subquery()
    )
    rows = db.session.execute(
        select(Person.id, Person.phone, Person.first_name, Person.last_name, Person.preferred_name)
        .join(shared, shared.c.phone == Person.phone)
        .where(_LISTED)
    ).all()
    groups: dict[str, list] = defaultdict(list)
    for row in rows:
        groups[row.phone].append((row.id, _keys(row.first_name, row.last_name, row.preferred_name)))
    for members in groups.values():
        for i, (a, a_keys) in enumerate(members):
            for b, b_keys in members[i + 1 :]:
                names = _name_score(a_keys, b_keys)
                found.add(a, b, SAME_PHONE, 50 + names // 2, names)


def _same_name_and_postcode(found: _Found) -> None:
    """Pairs with the same name (first or preferred, and last) at the same postcode: score 90."""
    last = func.lower(Person.last_name)
    shared = (
        select(Person.postcode, last.label("last"))
        .where(_LISTED, Person.postcode.is_not(None), Person.postcode != "")
        .group_by(Person.postcode, last)
        .having(func.count() > 1, func.count() <= MAX_NAME_GROUP)
        .subquery()
    )
    rows = db.session.execute(
        select(Person.id, Person.postcode, Person.first_name, Person.last_name, Person.preferred_name)
        .join(shared, (shared.c.postcode == Person.postcode) & (shared.c.last == last))
        .where(_LISTED)
    ).all()
    groups: dict[tuple, list] = defaultdict(list)
    for row in rows:
        groups[(row.postcode, (row.last_name or "").lower())].append(
            (row.id, _keys(row.first_name, row.last_name, row.preferred_name))
        )
    for members in groups.values():
        for i, (a, a_keys) in enumerate(members):
            for b, b_keys in members[i + 1 :]:
                if set(a_keys) & set(b_keys):
                    found.add(a, b, SAME_NAME_AND_POSTCODE, 90, 100)


def _initial(name: str | None) -> str:
    """The first letter of a name, lower case and without accents ("Élise" → "e")."""
    letter = name[:1].lower() if name else ""
    return letter if letter.isascii() else strip_accents(letter)


def _similar_names_in_ward(found: _Found) -> None:
    """Pairs in the same ward whose names are alike (name_similarity at least
    SIMILAR_NAME_SCORE): score 80 for the same name, else 80% of the names' similarity (68–79),
    so that a name alone never outranks contact details.

    Names are compared only within blocks of one ward and the same first letters of first and
    last name (the first name, and the preferred one): rough whole-name scores for every pair in
    a block at C speed from cdist, then the careful comparison for the few above _ROUGH_CUTOFF.
    The blocks are made here rather than by a GROUP BY: with many people nearly every block has
    company, so grouping in SQL returns almost every row and takes three times as long."""
    columns = (Person.id, Person.ward_id, Person.first_name, Person.last_name, Person.preferred_name)
    # Through the connection: the ORM's handling of each row costs a third more for these many.
    rows = db.session.connection().execute(select(*columns).where(_LISTED, Person.ward_id.is_not(None))).all()
    groups: dict[tuple, list[tuple[int, str]]] = defaultdict(list)
    people = {}
    for row in rows:
        person_id, ward_id, first_name, last_name, preferred_name = row
        people[person_id] = row
        surname = (last_name or "").lower()
        initial = _initial(surname)
        groups[(ward_id, _initial(first_name), initial)].append((person_id, f"{(first_name or '').lower()} {surname}"))
        if preferred_name and preferred_name != first_name:
            groups[(ward_id, _initial(preferred_name), initial)].append(
                (person_id, f"{preferred_name.lower()} {surname}")
            )
    candidates: set[tuple[int, int]] = set()
    for members in groups.values():
        if len(members) < 2:
            continue
        if len(members) <= _SMALL_BLOCK:
            # A call to cdist costs more than these few comparisons.
            for i, (a, a_name) in enumerate(members):
                for b, b_name in members[i + 1 :]:
                    if a != b and fuzz.token_sort_ratio(a_name, b_name, score_cutoff=_ROUGH_CUTOFF):
                        candidates.add((a, b) if a < b else (b, a))
            continue
        owners = numpy.array([person_id for person_id, _name in members])
        names = [name for _id, name in members]
        scores = process.cdist(names, names, scorer=fuzz.token_sort_ratio, score_cutoff=_ROUGH_CUTOFF, dtype="uint8")
        rows_at, columns_at = scores.nonzero()
        a, b = owners[rows_at], owners[columns_at]
        keep = a < b
        candidates.update(zip(a[keep].tolist(), b[keep].tolist(), strict=True))
    keys: dict[int, list[tuple[str, str]]] = {}
    cached_key = functools.lru_cache(maxsize=None)(name_key)
    for a, b in candidates:
        for person_id in (a, b):
            if person_id not in keys:
                row = people[person_id]
                keys[person_id] = _keys(row.first_name, row.last_name, row.preferred_name, cached_key)
        names_alike = _name_score(keys[a], keys[b])
        if names_alike >= SIMILAR_NAME_SCORE:
            reason = SAME_NAME_IN_WARD if names_alike == 100 else SIMILAR_NAME_IN_WARD
            found.add(a, b, reason, names_alike * 80 // 100, names_alike)


def find_duplicate_pairs() -> list[DuplicatePair]:
    """Every likely pair, strongest first (not yet leaving out dismissed pairs)."""
    found = _Found()
    _same_phone(found)
    _same_name_and_postcode(found)
    _similar_names_in_ward(found)
    return found.pairs()


CACHE_KEY = "duplicates"
_REASONS = (SAME_PHONE, SAME_NAME_AND_POSTCODE, SAME_NAME_IN_WARD, SIMILAR_NAME_IN_WARD)

# The decoded pairs of the stored list this process last read, so that paging through them
# does not parse the stored list again: {"stamp": (database, computed_at), "pairs": [...]}.
_cache_lock = threading.Lock()
_cache: dict[str, object] = {}


def _people_signature() -> list[str]:
    """Changes whenever anyone is added, removed, edited or erased (one indexed-column scan)."""
    row = db.session.execute(
        select(
            func.count(Person.id),
            func.count(Person.erased_at),
            func.max(Person.id),
            func.max(Person.updated_at),
            func.sum(Person.version),
        )
    ).one()
    return [str(value) for value in row]


def _encoded(pairs: list[DuplicatePair]) -> list[list[int]]:
    return [[p.first_id, p.second_id, p.score, p.name_score, *(_REASONS.index(r) for r in p.reasons)] for p in pairs]


def _decoded(rows: list[list[int]]) -> list[DuplicatePair]:
    return [
        DuplicatePair(a, b, score, tuple(_REASONS[r] for r in reasons), names) for a, b, score, names, *reasons in rows
    ]


def cached_duplicate_pairs() -> list[DuplicatePair]:
    """find_duplicate_pairs(), stored in the report cache so that every worker and server shares
    it, and computed again only when the people have changed: a change to other data (someone's
    attendance, a session) just marks the stored pairs as current again. The caller commits."""
    version = current_data_version()
    stored = db.session.execute(
        select(ReportCache.data_version, ReportCache.computed_at).where(ReportCache.key == CACHE_KEY)
    ).first()
    signature = payload = None
    if stored is not None and stored.data_version != version:
        signature = _people_signature()
        payload = db.session.scalar(select(ReportCache.payload).where(ReportCache.key == CACHE_KEY))
        if payload is None or payload.get("people") != signature:
            stored = None
        else:
            db.session.execute(
                update(ReportCache)
                .where(ReportCache.key == CACHE_KEY, ReportCache.data_version < version)
                .values(data_version=version)
                .execution_options(synchronize_session=False)
            )
    if stored is not None:
        stamp = (db.session.get_bind().engine.url.render_as_string(), stored.computed_at)
        with _cache_lock:
            if _cache.get("stamp") == stamp:
                return _cache["pairs"]  # type: ignore[return-value]
        if payload is None:
            payload = db.session.scalar(select(ReportCache.payload).where(ReportCache.key == CACHE_KEY))
        pairs = _decoded(payload["pairs"])
        with _cache_lock:
            _cache.update(stamp=stamp, pairs=pairs)
        return pairs
    started = time.perf_counter()
    signature = signature or _people_signature()
    pairs = find_duplicate_pairs()
    store_payload(CACHE_KEY, version, {"people": signature, "pairs": _encoded(pairs)}, started)
    stored = db.session.execute(
        select(ReportCache.data_version, ReportCache.computed_at).where(ReportCache.key == CACHE_KEY)
    ).first()
    if stored is not None and stored.data_version == version:
        with _cache_lock:
            _cache.update(stamp=(db.session.get_bind().engine.url.render_as_string(), stored.computed_at), pairs=pairs)
    return pairs


def dismissed_pairs() -> set[tuple[int, int]]:
    rows = db.session.execute(select(DuplicateDismissal.person_low_id, DuplicateDismissal.person_high_id))
    return {(row[0], row[1]) for row in rows}


def duplicates_page(page: int, per_page: int) -> Page:
    """One page of likely pairs, strongest first, each with what the screen shows of both people:
    four queries however many people and pairs there are."""
    dismissed = dismissed_pairs()
    pairs = [p for p in cached_duplicate_pairs() if (p.first_id, p.second_id) not in dismissed]
    total = len(pairs)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    chosen = pairs[(page - 1) * per_page : page * per_page]
    people = pair_people({i for p in chosen for i in (p.first_id, p.second_id)})
    items = [
        ListedPair(p, people[p.first_id], people[p.second_id])
        for p in chosen
        if {p.first_id, p.second_id} <= people.keys()
    ]
    return Page(items=items, page=page, per_page=per_page, total=total)


def pair_people(ids) -> dict[int, PairPerson]:
    ids = sorted(ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            Person.id,
            Person.first_name,
            Person.last_name,
            Person.preferred_name,
            Person.email,
            Person.phone,
            Person.postcode,
            Ward.name,
        )
        .outerjoin(Ward, Ward.id == Person.ward_id)
        .where(Person.id.in_(ids), _LISTED)
    )
    return {row[0]: PairPerson(*row) for row in rows}


def pair_between(first_id: int, second_id: int) -> DuplicatePair | None:
    """The listed pair of these two people, if the screen lists them."""
    low, high = sorted((first_id, second_id))
    for pair in cached_duplicate_pairs():
        if (pair.first_id, pair.second_id) == (low, high):
            return pair
    return None
