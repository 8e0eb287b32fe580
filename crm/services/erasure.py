"""Erasure: anonymising people so they cannot be identified, while their participations keep
counting in the statistics.

What goes: names, contact details, postcode, notes, needs, tags, job titles, equality answers,
everything they wrote (contribution words, reply notes, children's ages), the emails sent to
them, the wording of their consents (all withdrawn), and their name on feedback they signed.
What stays, without the name: the participation rows (session, status, role, minutes, creche
places), person types, ward and organisation links, and the kind and follow-up of each
contribution, so that every report's totals are the same before and after. docs/data-protection.md explains the choice.

Everything is done with set-based UPDATE and DELETE statements over chunks of ids, so
anonymising 100,000 people for the retention job takes a few hundred statements, not millions.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import case, delete, func, insert, select, update

from crm.extensions import db
from crm.models import (
    Affiliation,
    AuditEvent,
    Consent,
    Contribution,
    FeedbackResponse,
    OutboxMessage,
    Participation,
    Person,
    person_tags,
)
from crm.models.base import utcnow
from crm.models.enums import AuditAction, MessageStatus, PersonStatus
from crm.models.person import PEOPLE_SEARCH
from crm.queries.feedback import responses_signed_by
from crm.services.equality import remove_equality
from crm.services.errors import InvalidInput

ANONYMISED_FIRST_NAME = "Anonymised"
ANONYMISED_LAST_NAME = "person"
REMOVED_TEXT = "Removed when the person was anonymised."
NOT_SENT = "Not sent: the recipient was anonymised."
_CHUNK = 500

# The person's own columns and what they become.
PERSON_VALUES = {
    "first_name": ANONYMISED_FIRST_NAME,
    "last_name": ANONYMISED_LAST_NAME,
    "preferred_name": None,
    "email": None,
    "phone": None,
    "postcode": None,
    "notes": None,
    "other_needs": None,
    "dietary_needs": None,
    "interpreter_language": None,
    "needs_creche": False,
    "needs_step_free": False,
    "status": PersonStatus.LEFT,
}
# What anonymisation does to each table that links to a person (tests/test_erasure.py checks that
# every table subject access finds is here, so a new one cannot be forgotten).
HANDLED = {
    "person_types": "kept: the statistics count people by type",
    "person_tags": "deleted",
    "affiliations": "job title removed; the organisation link is kept for the statistics",
    "consents": "withdrawn; wording and partner name removed",
    "equality_monitoring": "deleted",
    "participations": "reply note and children's ages removed; attendance kept for the statistics",
    "contributions": "words removed; kind and follow-up kept for the statistics",
    "outbox_messages": "address and text removed; anything not yet sent is never sent",
    "person_merges": "kept: ids only",
    "duplicate_dismissals": "kept: ids only",
}
# The field names the audit row lists (names only, never values).
AUDITED_FIELDS = sorted(
    [
        *PERSON_VALUES,
        "tags",
        "equality",
        "consents",
        "job_titles",
        "contributions",
        "replies",
        "emails",
        "feedback_signatures",
    ]
)


def _chunks(ids: Sequence[int]):
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def _anonymise_chunk(ids: list[int], actor_id: int | None, now) -> None:
    def run(statement):
        db.session.execute(statement.execution_options(synchronize_session=False))

    run(
        update(Person)
        .where(Person.id.in_(ids))
        .values(**PERSON_VALUES, erased_at=now, updated_at=now, version=Person.version + 1)
    )
    run(delete(person_tags).where(person_tags.c.person_id.in_(ids)))
    run(update(Affiliation).where(Affiliation.person_id.in_(ids)).values(job_title=None))
    run(
        update(Consent)
        .where(Consent.person_id.in_(ids))
        .values(
            wording=REMOVED_TEXT,
            partner_name=None,
            withdrawn_by_id=case((Consent.withdrawn_at.is_(None), actor_id), else_=Consent.withdrawn_by_id),
            withdrawn_at=func.coalesce(Consent.withdrawn_at, now),
        )
    )
    remove_equality(ids)
    run(update(Participation).where(Participation.person_id.in_(ids)).values(reply_note=None, creche_ages=None))
    run(
        update(Contribution)
        .where(Contribution.participation_id.in_(select(Participation.id).where(Participation.person_id.in_(ids))))
        # The follow-up note is staff text about what they said, and often names them.
        .values(summary=REMOVED_TEXT, follow_up_note=None, consent_to_quote=False, updated_at=now)
    )
    queued = OutboxMessage.status == MessageStatus.QUEUED
    run(
        update(OutboxMessage)
        .where(OutboxMessage.person_id.in_(ids))
        .values(
            to_address="",
            body_text=REMOVED_TEXT,
            body_html=None,
            last_error=case((queued, NOT_SENT), else_=OutboxMessage.last_error),
            status=case((queued, MessageStatus.FAILED), else_=OutboxMessage.status),
        )
    )


# The models whose rows anonymisation changes with UPDATE statements.
_WRITTEN = (Person, Consent, Affiliation, Participation, Contribution, OutboxMessage, FeedbackResponse)


def _unsign_feedback(ids: list[int]) -> None:
    """Remove these people's names from the feedback they signed (the answers stay, anonymous).
    Read before their names go."""
    people: list = []
    for chunk in _chunks(ids):
        people += db.session.execute(
            select(Person.id, Person.first_name, Person.last_name, Person.preferred_name).where(Person.id.in_(chunk))
        ).all()
    signed = sorted({response for found in responses_signed_by(people).values() for response in found})
    for chunk in _chunks(signed):
        db.session.execute(
            update(FeedbackResponse)
            .where(FeedbackResponse.id.in_(chunk))
            .values(respondent_name=None)
            .execution_options(synchronize_session=False)
        )


def anonymise_people(person_ids: Sequence[int], actor, *, detail: str) -> int:
    """Anonymise these people (those already anonymised are left alone); one ERASE audit row
    each, naming the fields removed. Returns how many were anonymised."""
    wanted = sorted({int(person_id) for person_id in person_ids})
    ids: list[int] = []
    for chunk in _chunks(wanted):
        ids += db.session.scalars(
            select(Person.id).where(Person.id.in_(chunk), Person.erased_at.is_(None)).order_by(Person.id)
        ).all()
    if not ids:
        return 0
    db.session.flush()
    now = utcnow()
    actor_id = getattr(actor, "id", None)
    _unsign_feedback(ids)
    for chunk in _chunks(ids):
        _anonymise_chunk(chunk, actor_id, now)
        db.session.execute(
            insert(AuditEvent),
            [
                {
                    "at": now,
                    "user_id": actor_id,
                    "action": AuditAction.ERASE,
                    "entity_type": "people",
                    "entity_id": person_id,
                    "changed_fields": AUDITED_FIELDS,
                    "detail": detail,
                }
                for person_id in chunk
            ],
        )
    _merge_search_index()
    # Objects already loaded in this session must not write their old values back.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, _WRITTEN):
            db.session.expire(obj)
    return len(ids)


def _merge_search_index() -> None:
    """On SQLite, rewrite the full-text index of people's search text in one piece (about a
    quarter of a second at 100,000 people): until its parts are merged, it still holds the
    trigrams of the names just removed, only marked as deleted."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(insert(PEOPLE_SEARCH).values(people_search="optimize"))


def erase_person(person: Person, actor, *, detail: str = "anonymised on request") -> None:
    """Anonymise one person, irreversibly."""
    if person.erased_at is not None:
        raise InvalidInput({"confirm": "This person has already been anonymised."})
    anonymise_people([person.id], actor, detail=detail)
