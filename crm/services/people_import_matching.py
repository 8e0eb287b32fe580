"""Who in the CRM each row of a people spreadsheet is, decided for the whole file at once: the
lookups are loaded in a few bulk queries (by email, phone, postcode and name), never one per row.

The order of evidence: the same email address; else the same phone number (when the email
addresses do not disagree); else, for a row without any contact details, the same name (and the
same postcode where both have one). A similar name at the same postcode does not match, but is
shown as a likely duplicate to check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select

from crm.extensions import db
from crm.matching import name_key, name_similarity
from crm.models import Person

_BATCH = 500
SAME_EMAIL = "same email address"
SAME_PHONE = "same phone number"
SAME_NAME = "same name"
SAME_NAME_AND_POSTCODE = "same name and postcode"


@dataclass(frozen=True)
class Known:
    id: int
    first_name: str
    last_name: str
    preferred_name: str | None
    email: str | None
    phone: str | None
    postcode: str | None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    def name_keys(self) -> set[str]:
        keys = {name_key(self.name)}
        if self.preferred_name:
            keys.add(name_key(f"{self.preferred_name} {self.last_name}"))
        return keys - {""}


@dataclass(frozen=True)
class Match:
    person: Known | None = None
    reason: str | None = None
    # People the row may also be, to check: (person, why).
    warnings: tuple[str, ...] = ()
    problem: str | None = None


_COLUMNS = (
    Person.id,
    Person.first_name,
    Person.last_name,
    Person.preferred_name,
    Person.email,
    Person.phone,
    Person.postcode,
)


def _load(column, values: Iterable[str]) -> list[Known]:
    wanted = sorted({v for v in values if v})
    found: list[Known] = []
    for start in range(0, len(wanted), _BATCH):
        batch = wanted[start : start + _BATCH]
        query = select(*_COLUMNS).where(column.in_(batch), Person.erased_at.is_(None))
        found.extend(Known(*row) for row in db.session.execute(query))
    return found


def _spellings(word: str) -> set[str]:
    return {word, word.lower(), word.capitalize(), word.title(), word.upper()}


def _load_by_first_name(names: Iterable[str]) -> list[Known]:
    wanted = sorted({s for name in names if name for s in _spellings(name)})
    found: dict[int, Known] = {}
    for start in range(0, len(wanted), _BATCH):
        batch = wanted[start : start + _BATCH]
        query = select(*_COLUMNS).where(
            or_(Person.first_name.in_(batch), Person.preferred_name.in_(batch)), Person.erased_at.is_(None)
        )
        found.update((row.id, Known(*row)) for row in db.session.execute(query))
    return list(found.values())


class PeopleIndex:
    """The people a file may refer to, loaded in bulk, and the rules that pick one for a row."""

    def __init__(self, rows: list[dict]) -> None:
        self.by_email = {p.email: p for p in _load(Person.email, (r.get("email") for r in rows))}
        self.by_phone: dict[str, list[Known]] = defaultdict(list)
        for person in _load(Person.phone, (r.get("phone") for r in rows)):
            self.by_phone[person.phone].append(person)
        self.by_postcode: dict[str, list[Known]] = defaultdict(list)
        for person in _load(Person.postcode, (r.get("postcode") for r in rows)):
            self.by_postcode[person.postcode].append(person)
        no_contact = [r for r in rows if not r.get("email") and not r.get("phone")]
        self.by_name: dict[str, list[Known]] = defaultdict(list)
        for person in _load_by_first_name(r.get("first_name") for r in no_contact):
            for key in person.name_keys():
                self.by_name[key].append(person)

    def match(self, values: dict) -> Match:
        email, phone, postcode = values.get("email"), values.get("phone"), values.get("postcode")
        if email and email in self.by_email:
            return Match(self.by_email[email], SAME_EMAIL)
        warnings: list[str] = []
        if phone:
            owners = self.by_phone.get(phone, [])
            agreeing = [p for p in owners if not email or not p.email]
            if len(owners) == 1 and agreeing:
                return Match(agreeing[0], SAME_PHONE)
            warnings += [f"{p.name} has the same phone number" for p in owners]
        nearby = self.by_postcode.get(postcode, []) if postcode else []
        if (email or phone) and not nearby:
            return Match(warnings=tuple(warnings))
        key = name_key(" ".join(p for p in (values.get("first_name"), values.get("last_name")) if p))
        if not email and not phone and key:
            same = [p for p in self.by_name.get(key, []) if not postcode or not p.postcode or p.postcode == postcode]
            same = list({p.id: p for p in same}.values())
            if len(same) == 1:
                reason = SAME_NAME_AND_POSTCODE if postcode and same[0].postcode == postcode else SAME_NAME
                return Match(same[0], reason)
            if len(same) > 1:
                return Match(
                    problem=f"{len(same)} people in the CRM are called {same[0].name}: add an email address "
                    "or phone number to say which one this is"
                )
        if nearby and key:
            first, last = name_key(values.get("first_name") or ""), name_key(values.get("last_name") or "")
            for person in nearby:
                score = max(
                    (
                        name_similarity(first, last, name_key(other), name_key(person.last_name or ""))
                        for other in (person.first_name, person.preferred_name)
                        if other
                    ),
                    default=0,
                )
                if key in person.name_keys() or score:
                    alike = "the same name" if key in person.name_keys() else "a similar name"
                    warnings.append(f"{person.name} has {alike} and the same postcode")
        return Match(warnings=tuple(dict.fromkeys(warnings)))
