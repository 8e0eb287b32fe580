"""The columns of a people spreadsheet: which field each header means, and reading the cells of
the fields that are not plain text (types, tags, yes/no). Headers are compared ignoring case,
spaces and punctuation, so "E-mail address", "EMAIL" and "email_address" are the same."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from crm.matching import strip_accents
from crm.models.enums import PersonType, TagCategory

IGNORE = ""


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    hint: str
    spellings: tuple[str, ...]


FIELDS: tuple[Field, ...] = (
    Field("first_name", "First name", "Required (or a full name column)",
          ("first name", "firstname", "forename", "forenames", "given name", "given names", "first", "christian name")),
    Field("last_name", "Last name", "", ("last name", "lastname", "surname", "family name", "last")),
    Field("name", "Full name", "Split into first and last name at the last space",
          ("name", "full name", "fullname", "person", "contact name", "participant", "participant name")),
    Field("preferred_name", "Preferred name", "", ("preferred name", "known as", "nickname", "preferred first name")),
    Field("email", "Email address", "", ("email", "e-mail", "email address", "e-mail address", "mail",
                                            "email addresses", "contact email", "personal email")),
    Field("phone", "Phone", "UK numbers are stored as +44…",
          ("phone", "mobile", "telephone", "tel", "tel no", "phone number", "mobile number", "mobile phone",
           "telephone number", "contact number", "mobile no", "phone no", "cell")),
    Field("postcode", "Postcode", "", ("postcode", "post code", "postal code", "zip", "zip code")),
    Field("ward", "Ward", "Must be one of the CRM's wards", ("ward", "ward name", "electoral ward")),
    Field("person_types", "Person types", "Parent champion, parent or carer, volunteer…",
          ("type", "types", "person type", "person types", "category", "people type")),
    Field("tags", "Tags", "category:name, or a name the CRM has", ("tags", "tag", "labels")),
    Field("interests", "Interests", "Interest tags", ("interests", "interest", "areas of interest")),
    Field("lived_experience", "Lived experience", "Lived-experience tags", ("lived experience", "experience")),
    Field("skills", "Skills", "Skill tags", ("skills", "skill")),
    Field("languages", "Languages", "Language tags", ("languages", "language", "languages spoken")),
    Field("organisation", "Organisation", "Must be an organisation in the CRM",
          ("organisation", "organization", "employer", "company", "organisation name", "organization name",
           "affiliation")),
    Field("job_title", "Job title", "At the organisation", ("job title", "title at organisation", "position")),
    Field("consent_to_contact", "Consent to contact", "Yes records consent to be contacted about opportunities",
          ("consent", "consent to contact", "contact consent", "happy to be contacted", "ok to contact",
           "can we contact you", "consent given", "gdpr consent")),
    Field("notes", "Notes", "", ("notes", "note", "comments", "comment", "other information")),
)  # fmt: skip
FIELD_BY_KEY = {field.key: field for field in FIELDS}
TAG_FIELDS = {
    "tags": None,
    "interests": TagCategory.INTEREST,
    "lived_experience": TagCategory.LIVED_EXPERIENCE,
    "skills": TagCategory.SKILL,
    "languages": TagCategory.LANGUAGE,
}


def header_key(text: str) -> str:
    """A header (or a value) as a lookup key: letters and digits only, lower case, no accents."""
    return re.sub(r"[^a-z0-9]", "", strip_accents(text or "").lower())


_BY_SPELLING = {header_key(s): field.key for field in FIELDS for s in (field.label, field.key, *field.spellings)}


def guess_mapping(header: Sequence[str]) -> list[str]:
    """The field each column probably holds (IGNORE when unknown); each field at most once, the
    first column that names it winning."""
    mapping: list[str] = []
    taken: set[str] = set()
    for text in header:
        field = _BY_SPELLING.get(header_key(text), IGNORE)
        if field in taken:
            field = IGNORE
        taken.add(field)
        mapping.append(field)
    return mapping


def looks_like_header(row: Sequence[str]) -> bool:
    """Whether a row names at least two known columns, or a name or email column."""
    found = {_BY_SPELLING.get(header_key(cell)) for cell in row} - {None}
    return len(found) >= 2 or bool(found & {"name", "email"})


def mapping_problem(mapping: Sequence[str]) -> str | None:
    """What is wrong with a column mapping, or None."""
    used = [field for field in mapping if field]
    twice = sorted({FIELD_BY_KEY[f].label for f in used if used.count(f) > 1})
    if twice:
        return f"Each field can come from one column only: {', '.join(twice)} is chosen more than once"
    if "first_name" not in used and "name" not in used:
        return "Choose the column with people's first names (or their full names)"
    if "first_name" in used and "name" in used:
        return "Choose either a first name column or a full name column, not both"
    return None


# --- cells -----------------------------------------------------------------------------------

_YES = {"yes", "y", "true", "1", "x", "agreed", "consented", "ok", "tick", "ticked", "given"}
_NO = {"no", "n", "false", "0", "declined", "refused", "withdrawn", "none"}


def yes_or_no(text: str) -> bool | None:
    """True, False, or None for a blank cell; raises ValueError for anything else."""
    key = header_key(text)
    if not key:
        return None
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise ValueError("Enter Yes or No")


def split_list(text: str) -> list[str]:
    """The items of a cell listing several things: separated by commas, semicolons, bars or line breaks."""
    return [item.strip() for item in re.split(r"[,;|\n]", text or "") if item.strip()]


_TYPE_WORDS = {header_key(t.value): t for t in PersonType} | {header_key(t.label): t for t in PersonType}
_TYPE_WORDS.update(
    {
        "parentcarer": PersonType.PARENT_CARER,
        "parent": PersonType.PARENT_CARER,
        "carer": PersonType.PARENT_CARER,
        "parentorcarer": PersonType.PARENT_CARER,
        "champion": PersonType.PARENT_CHAMPION,
        "professional": PersonType.PROFESSIONAL,
        "partnerstaff": PersonType.PROFESSIONAL,
        "staff": PersonType.PROFESSIONAL,
        "youngperson": PersonType.YOUNG_PERSON,
        "communitymember": PersonType.COMMUNITY_MEMBER,
        "resident": PersonType.COMMUNITY_MEMBER,
    }
)
TYPE_NAMES = ", ".join(t.label.lower() for t in PersonType)


def person_types(text: str) -> tuple[set[PersonType], list[str]]:
    """The person types a cell names, and the items it could not read."""
    found: set[PersonType] = set()
    unknown: list[str] = []
    for item in split_list(text):
        kind = _TYPE_WORDS.get(header_key(item))
        if kind is None:
            unknown.append(item)
        else:
            found.add(kind)
    return found, unknown
