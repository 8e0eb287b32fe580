"""Checking each row of a people spreadsheet: the cells of the mapped columns, normalised the way
the CRM stores them (crm.validation), with a problem for each cell that cannot be stored — named
by the row number and the column header, as the spreadsheet shows them.

The lists a row is checked against (wards, tags, organisations) are passed in, loaded once for
the whole file, so checking is pure and fast.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import phonenumbers

from crm.importers.people_columns import (
    FIELD_BY_KEY,
    IGNORE,
    TAG_FIELDS,
    TYPE_NAMES,
    header_key,
    person_types,
    split_list,
    yes_or_no,
)
from crm.importers.people_table import TableRow
from crm.models.enums import PersonType, TagCategory
from crm.validation import InvalidValue, normalise_email, normalise_phone, normalise_postcode

# Longest values the columns hold.
TEXT_LIMITS = {"first_name": 100, "last_name": 100, "preferred_name": 100, "job_title": 150, "notes": 10_000}


_TAG_WORDS = {
    TagCategory.INTEREST: "interest",
    TagCategory.LIVED_EXPERIENCE: "lived-experience",
    TagCategory.SKILL: "skill",
    TagCategory.LANGUAGE: "language",
}


@dataclass(frozen=True)
class KnownTag:
    id: int
    category: TagCategory
    name: str


@dataclass
class Lists:
    """The CRM's lists, keyed by header_key of the name."""

    wards: dict[str, tuple[int, str]] = field(default_factory=dict)
    tags: dict[str, list[KnownTag]] = field(default_factory=dict)
    organisations: dict[str, tuple[int, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    column: str
    message: str


@dataclass
class CheckedRow:
    """One row's values as the CRM would store them, and what is wrong with it."""

    number: int
    cells: tuple[str, ...]
    values: dict = field(default_factory=dict)
    types: set[PersonType] = field(default_factory=set)
    tag_ids: set[int] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    # The phone number in E.164 form even when it is not a real number, to find the same
    # number written twice.
    phone_key: str | None = None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.values.get("first_name"), self.values.get("last_name")) if p)

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(column, message))


def split_full_name(text: str) -> tuple[str, str]:
    """ "Jo Sample" → ("Jo", "Sample"); "Sample, Jo" → ("Jo", "Sample"); one word is a first name."""
    text = " ".join((text or "").split())
    if text.count(",") == 1:
        last, first = (part.strip() for part in text.split(","))
        if first and last:
            return first, last
    first, _, last = text.rpartition(" ")
    return (first, last) if first else (last, "")


def check_row(row: TableRow, header: Sequence[str], mapping: Sequence[str], lists: Lists) -> CheckedRow:
    checked = CheckedRow(row.number, row.cells)
    columns = {key: index for index, key in enumerate(mapping) if key != IGNORE}

    def column(key: str) -> str:
        index = columns[key]
        return header[index] if index < len(header) and header[index] else f"column {index + 1}"

    def text(key: str) -> str:
        return row.cell(columns[key]) if key in columns else ""

    values = checked.values
    if "name" in columns:
        values["first_name"], values["last_name"] = split_full_name(text("name"))
    for key in ("first_name", "last_name", "preferred_name", "notes", "job_title"):
        if key in columns:
            values[key] = " ".join(text(key).split()) if key != "notes" else text(key)
    for key, limit in TEXT_LIMITS.items():
        if len(values.get(key) or "") > limit:
            checked.problem(column(key if key in columns else "name"), f"Must be {limit:,} characters or fewer")
            values[key] = values[key][:limit]
    if not values.get("first_name"):
        checked.problem(column("first_name" if "first_name" in columns else "name"), "Enter a first name")
    for key, normalise in (("email", _email), ("phone", _phone), ("postcode", normalise_postcode)):
        if key in columns:
            try:
                values[key] = normalise(text(key))
            except InvalidValue as error:
                checked.problem(column(key), f"{text(key)[:60]!r} is not valid. {error}")
    checked.phone_key = values.get("phone") or _possible_phone(text("phone"))
    if text("ward"):
        ward = lists.wards.get(header_key(text("ward")))
        if ward is None:
            checked.problem(column("ward"), f"There is no ward called {text('ward')[:60]!r} in the CRM")
        else:
            values["ward_id"] = ward[0]
    if text("person_types"):
        checked.types, unknown = person_types(text("person_types"))
        if unknown:
            names = ", ".join(repr(u[:40]) for u in unknown)
            checked.problem(column("person_types"), f"Unknown person type {names}: use {TYPE_NAMES}")
    for key, category in TAG_FIELDS.items():
        if text(key):
            _check_tags(checked, text(key), category, column(key), lists)
    if text("organisation"):
        organisation = lists.organisations.get(header_key(text("organisation")))
        if organisation is None:
            checked.problem(
                column("organisation"),
                f"There is no organisation called {text('organisation')[:60]!r} in the CRM: add it first",
            )
        else:
            values["organisation_id"] = organisation[0]
    if "consent_to_contact" in columns:
        try:
            values["consent_to_contact"] = yes_or_no(text("consent_to_contact"))
        except ValueError as error:
            checked.problem(column("consent_to_contact"), f"{text('consent_to_contact')[:40]!r}: {error}")
    return checked


# A plain ASCII local part (RFC 5322 dot-atom): what nearly every address in a spreadsheet has.
_DOT_ATOM = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")


@lru_cache(maxsize=4096)
def _normalised_domain(domain: str) -> str | None:
    try:
        return normalise_email(f"a@{domain}").split("@", 1)[1]
    except InvalidValue:
        return None


def _email(text: str) -> str | None:
    """normalise_email, checking each domain once: a file of 10,000 people has a few dozen
    domains, and the domain is most of the work. An address whose local part is not plain ASCII
    goes through normalise_email whole. The result is the same."""
    value = (text or "").strip()
    local, at, domain = value.rpartition("@")
    if at and domain.isascii() and len(local) <= 64 and len(value) <= 254 and _DOT_ATOM.match(local):
        normalised = _normalised_domain(domain)
        if normalised:
            return f"{local}@{normalised}".lower()
    return normalise_email(value)


# "07911 123456", "+44 7911 123456", "+447911123456": parsed without phonenumbers.parse.
_UK_NUMBER = re.compile(r"^(?:0|\+44)([1-9]\d{8,9})$")


def _phone(text: str) -> str | None:
    """normalise_phone, with a shortcut for the usual case (a real GB number), which halves the
    time a 10,000-row file spends on phone numbers. The result is the same."""
    plain = _UK_NUMBER.match(re.sub(r"[\s-]", "", text or ""))
    if plain:
        number = phonenumbers.PhoneNumber(country_code=44, national_number=int(plain.group(1)))
    else:
        try:
            number = phonenumbers.parse(text, "GB")
        except phonenumbers.NumberParseException:
            return normalise_phone(text)
    if number.country_code == 44 and phonenumbers.is_valid_number_for_region(number, "GB"):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return normalise_phone(text)


def _possible_phone(text: str) -> str | None:
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _check_tags(checked: CheckedRow, text: str, category: TagCategory | None, column: str, lists: Lists) -> None:
    for item in split_list(text):
        wanted = category
        name = item
        prefix, colon, rest = item.partition(":")
        if colon and category is None:
            try:
                wanted, name = TagCategory(header_key(prefix).replace("livedexperience", "lived_experience")), rest
            except ValueError:
                wanted = None
        matches = [t for t in lists.tags.get(header_key(name), []) if wanted is None or t.category == wanted]
        if len(matches) == 1:
            checked.tag_ids.add(matches[0].id)
        elif not matches:
            kind = f"{_TAG_WORDS[wanted]} tag" if wanted else "tag"
            checked.problem(column, f"There is no {kind} called {name.strip()[:60]!r} in the CRM")
        else:
            choices = " or ".join(f"{t.category.value}:{t.name}" for t in matches)
            checked.problem(column, f"{name.strip()[:60]!r} is a tag in more than one category: write {choices}")


def field_label(key: str) -> str:
    return FIELD_BY_KEY[key].label if key in FIELD_BY_KEY else key
