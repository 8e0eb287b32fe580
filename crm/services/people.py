"""Creating and changing people, their types, tags, affiliations and consents."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from crm.extensions import db
from crm.models import Affiliation, Consent, Organisation, Person, PersonTypeLink, Tag, Ward
from crm.models.base import utcnow
from crm.models.enums import AuditAction, ConsentMethod, ConsentPurpose, PersonStatus, PersonType, TagCategory
from crm.services import audit
from crm.services.errors import Conflict, InvalidInput
from crm.validation import InvalidValue, normalise_email, normalise_phone, normalise_postcode

# The simple columns a form or the API may set directly.
SCALAR_FIELDS = (
    "first_name",
    "last_name",
    "preferred_name",
    "email",
    "phone",
    "postcode",
    "ward_id",
    "status",
    "needs_creche",
    "needs_step_free",
    "interpreter_language",
    "other_needs",
    "notes",
)
# A consent "given now" by a device whose clock is a little ahead is still given now.
_CLOCK_TOLERANCE = timedelta(minutes=5)
_TEXT_LIMITS = {"first_name": 100, "last_name": 100, "preferred_name": 100, "interpreter_language": 60}


def _clean(data: Mapping[str, Any], person: Person | None) -> dict[str, Any]:
    """Validate and normalise the given fields; raise InvalidInput naming each bad field."""
    problems: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for key in SCALAR_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if isinstance(value, str):
            value = value.strip()
        try:
            if key == "email":
                value = normalise_email(value)
            elif key == "phone":
                value = normalise_phone(value)
            elif key == "postcode":
                value = normalise_postcode(value)
            elif key == "status":
                value = PersonStatus(value) if value else PersonStatus.ACTIVE
            elif key == "ward_id":
                value = int(value) if value not in (None, "") else None
                if value is not None and db.session.get(Ward, value) is None:
                    raise InvalidValue("Choose a ward from the list")
            elif key in ("needs_creche", "needs_step_free"):
                if not isinstance(value, bool):
                    raise InvalidValue("Must be true or false")
            elif value == "":
                value = None
        except (InvalidValue, ValueError, TypeError) as error:
            problems[key] = str(error) if isinstance(error, InvalidValue) else "This value is not allowed"
            continue
        if key in _TEXT_LIMITS and value and len(value) > _TEXT_LIMITS[key]:
            problems[key] = f"Must be {_TEXT_LIMITS[key]} characters or fewer"
            continue
        clean[key] = value
    if (person is None or "first_name" in clean) and not clean.get("first_name"):
        problems.setdefault("first_name", "Enter a first name")
    if "last_name" in clean and clean["last_name"] is None:
        clean["last_name"] = ""
    email = clean.get("email")
    if email:
        query = select(Person.id).where(Person.email == email)
        if person is not None and person.id is not None:
            query = query.where(Person.id != person.id)
        if db.session.scalar(query) is not None:
            problems["email"] = "Someone with this email address is already in the CRM"
    if problems:
        raise InvalidInput(problems)
    return clean


def _types(values: Iterable[str | PersonType]) -> list[PersonType]:
    try:
        return sorted({PersonType(v) for v in values}, key=lambda t: t.value)
    except ValueError as error:
        raise InvalidInput({"person_types": "Choose person types from the list"}) from error


def _apply_types(person: Person, types: list[PersonType]) -> bool:
    if sorted(person.types) == types:
        return False
    wanted = set(types)
    person.type_links = [link for link in person.type_links if link.type in wanted]
    have = {link.type for link in person.type_links}
    person.type_links.extend(PersonTypeLink(type=t) for t in types if t not in have)
    return True


def resolve_tags(tags: Iterable[Any], create_missing: bool = False) -> list[Tag]:
    """Tags given as ids, Tag objects, `category:name` strings or {"category", "name"} dicts."""
    result: list[Tag] = []
    for item in tags:
        if isinstance(item, Tag):
            result.append(item)
            continue
        if isinstance(item, int) or (isinstance(item, str) and item.isdigit()):
            tag = db.session.get(Tag, int(item))
            if tag is None:
                raise InvalidInput({"tags": "Choose tags from the list"})
            result.append(tag)
            continue
        if isinstance(item, str):
            category, _, name = item.partition(":")
        elif isinstance(item, Mapping):
            category, name = item.get("category", ""), item.get("name", "")
        else:
            raise InvalidInput({"tags": "Give each tag as category and name"})
        try:
            category = TagCategory(category)
        except ValueError as error:
            raise InvalidInput({"tags": f"Tag category must be one of {', '.join(TagCategory.values())}"}) from error
        name = (name or "").strip()
        if not name:
            raise InvalidInput({"tags": "Each tag needs a name"})
        tag = db.session.scalar(select(Tag).where(Tag.category == category, func.lower(Tag.name) == name.lower()))
        if tag is None:
            if not create_missing:
                raise InvalidInput({"tags": f"There is no {category.label.lower()} tag called {name!r}"})
            tag = Tag(category=category, name=name)
            db.session.add(tag)
        result.append(tag)
    unique = {tag.id or id(tag): tag for tag in result}
    return list(unique.values())


def _apply_tags(person: Person, tags: list[Tag]) -> bool:
    current = {id(t) for t in person.tags}
    if current == {id(t) for t in tags} and len(person.tags) == len(tags):
        return False
    person.tags = tags
    return True


def _apply_affiliations(person: Person, affiliations: Iterable[Mapping[str, Any]]) -> bool:
    wanted: dict[int, str | None] = {}
    for item in affiliations:
        try:
            organisation_id = int(item["organisation_id"])
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidInput({"affiliations": "Each affiliation needs an organisation"}) from error
        if db.session.get(Organisation, organisation_id) is None:
            raise InvalidInput({"affiliations": f"There is no organisation with id {organisation_id}"})
        title = (item.get("job_title") or "").strip() or None
        if title and len(title) > 150:
            raise InvalidInput({"affiliations": "Job titles must be 150 characters or fewer"})
        wanted[organisation_id] = title
    existing = {a.organisation_id: a for a in person.affiliations}
    changed = False
    for organisation_id, affiliation in existing.items():
        if organisation_id not in wanted:
            person.affiliations.remove(affiliation)
            changed = True
        elif affiliation.job_title != wanted[organisation_id]:
            affiliation.job_title = wanted[organisation_id]
            changed = True
    for organisation_id, title in wanted.items():
        if organisation_id not in existing:
            person.affiliations.append(Affiliation(organisation_id=organisation_id, job_title=title))
            changed = True
    return changed


def create_person(data: Mapping[str, Any], actor) -> Person:
    """Create a person from validated-or-not input; raises InvalidInput naming bad fields."""
    person = Person()
    clean = _clean(data, None)
    types = _types(data.get("person_types", []))
    tags = resolve_tags(data.get("tags", []))
    for key, value in clean.items():
        setattr(person, key, value)
    person.affiliations = []
    person.consents = []
    person.type_links = [PersonTypeLink(type=t) for t in types]
    person.tags = tags
    db.session.add(person)
    if data.get("affiliations"):
        _apply_affiliations(person, data["affiliations"])
    db.session.flush()
    fields = sorted(k for k, v in clean.items() if v not in (None, "", False))
    fields += [name for name, present in (("person_types", types), ("tags", tags)) if present]
    if data.get("affiliations"):
        fields.append("affiliations")
    audit.record(actor, AuditAction.CREATE, person, fields)
    return person


def update_person(person: Person, data: Mapping[str, Any], actor, *, expected_version: int | None = None) -> list[str]:
    """Apply the fields present in `data`; returns the names of the fields that changed."""
    if person.erased_at is not None:
        raise InvalidInput({"person": "This person has been anonymised, so their record cannot be changed."})
    if expected_version is not None and expected_version != person.version:
        raise Conflict()
    clean = _clean(data, person)
    for key, value in clean.items():
        setattr(person, key, value)
    fields = audit.changed_fields(person)
    if "person_types" in data and _apply_types(person, _types(data["person_types"])):
        fields.append("person_types")
    if "tags" in data and _apply_tags(person, resolve_tags(data["tags"])):
        fields.append("tags")
    if "affiliations" in data and _apply_affiliations(person, data["affiliations"]):
        fields.append("affiliations")
    if "type_links" in fields:
        fields.remove("type_links")
    if fields:
        if "affiliations" in fields or "person_types" in fields or "tags" in fields:
            # Collections do not bump the version themselves; a changed profile is a new version.
            person.updated_at = utcnow()
        try:
            db.session.flush()
        except StaleDataError as error:
            raise Conflict() from error
        audit.record(actor, AuditAction.UPDATE, person, sorted(set(fields)))
    return sorted(set(fields))


def record_consent(
    person: Person,
    purpose: ConsentPurpose,
    method: ConsentMethod,
    wording: str,
    actor,
    *,
    partner_name: str | None = None,
    given_at: datetime | None = None,
) -> Consent:
    """Record that `person` agreed to `purpose`; refuses a second current consent for the same thing."""
    if person.erased_at is not None:
        raise InvalidInput({"purpose": "This person has been anonymised, so no consent can be recorded."})
    purpose = ConsentPurpose(purpose)
    wording = (wording or "").strip()
    partner_name = (partner_name or "").strip() or None
    problems = {}
    if not wording:
        problems["wording"] = "Enter the wording the person agreed to"
    if purpose == ConsentPurpose.SHARING and not partner_name:
        problems["partner_name"] = "Enter the partner the person agreed to share with"
    if given_at is not None:
        if given_at.tzinfo is None:
            given_at = given_at.replace(tzinfo=UTC)
        if given_at > utcnow() + _CLOCK_TOLERANCE:
            problems["given_at"] = "Date given must be today or in the past"
    if problems:
        raise InvalidInput(problems)
    # Lock the person (on PostgreSQL) so two people recording the same consent at once cannot
    # both find none current.
    db.session.execute(select(Person.id).where(Person.id == person.id).with_for_update())
    if _has_current_consent(person.id, purpose, partner_name):
        described = purpose.label.lower() + (f" ({partner_name})" if purpose == ConsentPurpose.SHARING else "")
        raise InvalidInput(
            {
                "purpose": f"{person.full_name} already has a current consent for {described}. "
                "Withdraw it first if it has changed."
            }
        )
    consent = Consent(
        person_id=person.id,
        purpose=purpose,
        method=ConsentMethod(method),
        wording=wording,
        partner_name=partner_name,
        given_at=given_at or utcnow(),
        recorded_by_id=getattr(actor, "id", None),
    )
    db.session.add(consent)
    db.session.flush()
    audit.record(actor, AuditAction.CREATE, consent, ["purpose", "method", "wording"], detail=consent.purpose.value)
    return consent


def _has_current_consent(person_id: int, purpose: ConsentPurpose, partner_name: str | None) -> bool:
    query = select(Consent.id).where(
        Consent.person_id == person_id, Consent.purpose == purpose, Consent.withdrawn_at.is_(None)
    )
    if purpose == ConsentPurpose.SHARING:
        query = query.where(func.lower(Consent.partner_name) == (partner_name or "").lower())
    return db.session.scalar(query.limit(1)) is not None


def withdraw_consent(consent: Consent, actor) -> None:
    if consent.withdrawn_at is not None:
        return
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by_id = getattr(actor, "id", None)
    audit.record(actor, AuditAction.UPDATE, consent, ["withdrawn_at"], detail=consent.purpose.value)


def current_consent(person_id: int, purpose: ConsentPurpose) -> Consent | None:
    return db.session.scalar(
        select(Consent)
        .where(Consent.person_id == person_id, Consent.purpose == purpose, Consent.withdrawn_at.is_(None))
        .order_by(Consent.given_at.desc())
        .limit(1)
    )


def set_contact_consent(
    person: Person,
    wanted: bool,
    actor,
    *,
    method=ConsentMethod.API,
    wording: str = "Consent to be contacted about opportunities, recorded via the API.",
) -> None:
    """Give or withdraw contact consent so the person's current state matches `wanted`."""
    existing = current_consent(person.id, ConsentPurpose.CONTACT)
    if wanted and existing is None:
        record_consent(person, ConsentPurpose.CONTACT, method, wording, actor)
    elif not wanted:
        # Every current contact consent, should there ever be more than one.
        while existing is not None:
            withdraw_consent(existing, actor)
            db.session.flush()
            existing = current_consent(person.id, ConsentPurpose.CONTACT)
