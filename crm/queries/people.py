"""Reading people: search and the profile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select, true
from sqlalchemy.orm import selectinload

from crm.extensions import db
from crm.models import Affiliation, Consent, Person, PersonTypeLink, Tag, person_tags
from crm.models.enums import PersonStatus, PersonType
from crm.models.person import PEOPLE_SEARCH, may_contact_now, person_search_text
from crm.validation import phone_search_forms, without_control_characters


def escape_like(text: str) -> str:
    """Make % and _ in typed text match themselves, not any characters."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _sqlite_caseless(column, word: str):
    """For SQLite only: its own LIKE ignores the case of A-Z, so a word in plain ASCII needs no
    lower() (the app's Unicode lower(), called from Python for every row, made searching 100,000
    people five times slower); other words compare lower-cased."""
    if word.isascii():
        return column
    return func.lower(column)


def _phrase(word: str) -> str:
    """`word` as an FTS5 phrase: every character taken literally (a double quote doubled). In a
    trigram table a phrase matches wherever the word appears inside the text."""
    return '"' + word.replace('"', '""') + '"'


def _sqlite_words_condition(words: list[str]):
    """On SQLite, the people whose search text contains every one of `words` (each of three or
    more characters): one full-text query of phrases side by side (FTS5 reads that as AND),
    which intersects the words' lists in the index."""
    matching = PEOPLE_SEARCH.c.search_text.op("MATCH")(" ".join(_phrase(word) for word in words))
    return Person.id.in_(select(PEOPLE_SEARCH.c.rowid).where(matching))


def _word_condition(word: str, dialect: str):
    """The person's names or email contain `word`, whatever its case. A word of three or more
    characters is looked up in a trigram index of person_search_text (PostgreSQL's pg_trgm
    index here, SQLite's FTS5 table in _sqlite_words_condition); a shorter one has no trigram
    to look up, and is compared column by column."""
    like = f"%{escape_like(word.lower())}%"
    if dialect == "postgresql" and len(word) >= 3:
        return person_search_text().like(like, escape="\\")
    columns = (Person.first_name, Person.last_name, Person.preferred_name)
    if dialect == "sqlite":
        names = [_sqlite_caseless(column, word) for column in columns]
    else:
        names = [func.lower(column) for column in columns]
    return or_(*(name.like(like, escape="\\") for name in names), Person.email.like(like, escape="\\"))


def text_condition(text: str):
    """People whose names or email contain every typed word, whatever its case, or whose phone
    contains the typed digits (07… or +44… alike)."""
    dialect = db.session.get_bind().dialect.name
    # A NUL would end SQLite's full-text query early (and PostgreSQL refuses it in text).
    words = without_control_characters(text).split()
    if not words:
        return true()  # nothing but control characters: no search, as for blank text
    indexed = [word for word in words if len(word) >= 3] if dialect == "sqlite" else []
    conditions = [_sqlite_words_condition(indexed)] if indexed else []
    conditions += [_word_condition(word, dialect) for word in words if word not in indexed]
    match = and_(*conditions)
    phone_forms = phone_search_forms(text)
    if phone_forms:
        match = or_(match, *(Person.phone.like(f"%{form}%") for form in phone_forms))
    return match


def name_order(*, searching: bool = False) -> tuple:
    """People in name order: surname, first name (both lower-cased), then id, as the index
    `ix_people_name_order` holds them, so an unfiltered list walks the index and stops at its
    page. When a text search narrows the list the order is written so that no index matches it
    (`|| ''` changes no value): both databases expect a search to match far more people than it
    does, and would walk the whole index to fill a page, where sorting the few matches is quick."""
    last, first = func.lower(Person.last_name), func.lower(Person.first_name)
    if searching:
        last, first = last.concat(""), first.concat("")
    return (last, first, Person.id)


def has_type(types: list, *, counting: bool = False) -> Any:
    """The person has one of these types. For a page, a correlated EXISTS (one primary-key probe
    per person), so a list in name order can walk the name index and stop at its page, where an
    IN list of the type's people would have to sort every one of them first. For a count
    (`counting`), that IN list: SQLite reads the type's people from its index once instead of
    probing for each of everyone (the count of 100,000 people about halves)."""
    if counting:
        return Person.id.in_(select(PersonTypeLink.person_id).where(PersonTypeLink.type.in_(types)))
    return exists().where(PersonTypeLink.person_id == Person.id, PersonTypeLink.type.in_(types)).correlate(Person)


def search_people(
    q: str | None = None,
    *,
    types: list[str] | None = None,
    wards: list[int] | None = None,
    status: str | None = None,
    organisation_id: int | None = None,
    tags: list[Tag] | None = None,
    consent_contact: bool = False,
) -> Select:
    """People matching a free-text search (name, email, phone) and simple filters, by name."""
    query = select(Person)
    text = (q or "").strip()
    if text:
        query = query.where(text_condition(text))
    if types:
        valid = [t for t in types if t in PersonType.values()]
        if valid:
            query = query.where(has_type(valid))
    if wards:
        query = query.where(Person.ward_id.in_(wards))
    if status and status in PersonStatus.values():
        query = query.where(Person.status == status)
    if organisation_id:
        query = query.where(
            Person.id.in_(select(Affiliation.person_id).where(Affiliation.organisation_id == organisation_id))
        )
    if tags:
        query = query.where(
            Person.id.in_(select(person_tags.c.person_id).where(person_tags.c.tag_id.in_([t.id for t in tags])))
        )
    if consent_contact:
        query = query.where(Person.id.in_(select(Consent.person_id).where(may_contact_now())))
    return query.order_by(*name_order(searching=bool(text)))


def person_profile(person_id: int) -> Person | None:
    """One person with everything the profile page shows, loaded up front."""
    from crm.extensions import db

    return db.session.scalar(
        select(Person)
        .where(Person.id == person_id)
        .options(selectinload(Person.affiliations), selectinload(Person.consents))
    )


def contact_consent_ids(person_ids: list[int]) -> set[int]:
    """Which of these people currently consent to be contacted."""
    from crm.extensions import db

    if not person_ids:
        return set()
    return set(
        db.session.scalars(
            select(Consent.person_id).where(
                Consent.person_id.in_(person_ids),
                may_contact_now(),
            )
        )
    )


@dataclass
class TimelineEntry:
    """One session in a person's history: how they took part, and what they contributed."""

    participation: Any
    session: Any
    contributions: list


def person_timeline(person_id: int) -> list[TimelineEntry]:
    """The person's sessions, newest first, each with its participation and contributions:
    two queries however long their history (participations with sessions; their contributions)."""
    from collections import defaultdict

    from sqlalchemy.orm import contains_eager

    from crm.extensions import db
    from crm.models import Contribution, Participation, Session

    participations = list(
        db.session.scalars(
            select(Participation)
            .join(Participation.session)
            .where(Participation.person_id == person_id)
            .options(contains_eager(Participation.session))
            .order_by(Session.date.desc(), Session.start_time.desc(), Session.id.desc())
        )
    )
    contributions: dict[int, list] = defaultdict(list)
    if participations:
        rows = db.session.scalars(
            select(Contribution)
            .where(Contribution.participation_id.in_([p.id for p in participations]))
            .order_by(Contribution.id)
        )
        for contribution in rows:
            contributions[contribution.participation_id].append(contribution)
    return [TimelineEntry(p, p.session, contributions.get(p.id, [])) for p in participations]
