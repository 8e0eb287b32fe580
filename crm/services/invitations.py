"""Inviting people to a session, their replies through the reply link, reminders and the
invitation wording. Emails are written to the outbox in the same transaction as the
invitation; `flask crm send-mail` delivers them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy.orm import lazyload

from crm.consent import uk_today
from crm.extensions import db
from crm.invitation_links import reply_url
from crm.models import OutboxMessage, Participation, Person, Session
from crm.models.base import utcnow
from crm.models.enums import (
    AuditAction,
    MessageKind,
    MessageStatus,
    ParticipationSource,
    ParticipationStatus,
    ReplyAnswer,
)
from crm.queries.people import contact_consent_ids
from crm.services.audit import changed_fields, record
from crm.services.errors import InvalidInput
from crm.services.participation import Mark, lock_session, participations_for, upsert_participations
from crm.templating import format_date, format_time

STANDARD_SUBJECT = "You're invited: {title}"
STANDARD_TEXT = (
    "We would like to invite you to {title}. Your views and experience help us shape services "
    "for families in our area, and we would love you to be part of it."
)
REMINDER_SUBJECT = "Reminder: {title}"
MAX_CRECHE_CHILDREN = 6


@dataclass
class PhoneContact:
    person_id: int
    name: str
    phone: str | None


@dataclass
class InviteResult:
    invited: int = 0
    emailed: int = 0
    to_phone: list[PhoneContact] = field(default_factory=list)
    # Chosen but not invited: no current consent to be contacted (or anonymised).
    no_consent: list[PhoneContact] = field(default_factory=list)
    already_on_list: int = 0
    not_found: int = 0


def refuse_if_closed(session: Session) -> None:
    if session.cancelled:
        raise InvalidInput({"session_id": "This session was cancelled, so no one can be invited to it."})
    if session.date < uk_today():
        raise InvalidInput({"session_id": "This session has already taken place, so no one can be invited to it."})


def invite_people(session: Session, person_ids, actor) -> InviteResult:
    """Invite people to a session: one participation each (status invited), an email in the
    outbox for those with an address, the rest to phone. Only people who currently consent to
    be contacted are invited at all (the consent covers email, phone and text); the others are
    listed in `no_consent`. People already on the session's list keep their status and are not
    written to again."""
    refuse_if_closed(session)
    ids = sorted({int(person_id) for person_id in person_ids})
    if not ids:
        raise InvalidInput({"person_id": "Choose at least one person to invite."})
    lock_session(session.id)
    # Only the person's own columns are needed: their types, tags and ward are not loaded.
    found = {
        person.id: person
        for person in db.session.scalars(
            select(Person)
            .where(Person.id.in_(ids))
            .options(lazyload(Person.ward), lazyload(Person.type_links), lazyload(Person.tags))
        )
    }
    result = InviteResult(not_found=len(ids) - len(found))
    consenting = contact_consent_ids(list(found))
    people = {}
    for person_id, person in found.items():
        if person_id in consenting and person.erased_at is None:
            people[person_id] = person
        else:
            result.no_consent.append(PhoneContact(person.id, person.full_name, None))
    result.no_consent.sort(key=lambda contact: contact.name.lower())
    existing = participations_for(session.id, people)
    new_ids = [person_id for person_id in people if person_id not in existing]
    result.already_on_list = len(existing)
    if new_ids:
        now = utcnow()
        upsert_participations(
            session.id,
            [Mark(person_id, ParticipationStatus.INVITED) for person_id in new_ids],
            ParticipationSource.MANUAL,
        )
        db.session.execute(
            update(Participation)
            .where(Participation.session_id == session.id, Participation.person_id.in_(new_ids))
            .values(invited_at=now)
            .execution_options(synchronize_session=False)
        )
        participations = participations_for(session.id, new_ids)
        to_email = []
        for person_id in new_ids:
            person = people[person_id]
            result.invited += 1
            if person.email:
                to_email.append((person, participations[person_id]))
            else:
                result.to_phone.append(PhoneContact(person.id, person.full_name, person.phone))
        result.emailed = queue_messages(MessageKind.INVITATION, session, to_email)
    result.to_phone.sort(key=lambda contact: contact.name.lower())
    db.session.flush()
    record(
        actor,
        AuditAction.CREATE,
        session,
        entity_type="participations",
        detail=(
            f"Invitations: {result.invited} invited ({result.emailed} by email, {len(result.to_phone)} to phone), "
            f"{result.already_on_list} already on the list, {len(result.no_consent)} not invited (no consent)"
        ),
    )
    return result


def greeting_name(person: Person) -> str:
    return person.preferred_name or person.first_name


def render_message(kind: MessageKind, session: Session, person: Person, participation: Participation):
    """Subject, plain text and HTML of an invitation or reminder to this person."""
    title = session.title
    if kind == MessageKind.REMINDER:
        subject = REMINDER_SUBJECT.format(title=title)
    else:
        subject = session.invitation_subject or STANDARD_SUBJECT.format(title=title)
    text = session.invitation_text or STANDARD_TEXT.format(title=title)
    if session.creche_places:
        creche = f"A free creche is available ({session.creche_places} places): tell us in your reply if you need it."
    else:
        creche = "There is no creche at this session."
    context = {
        "kind": kind.value,
        "first_name": greeting_name(person),
        "session": session,
        "paragraphs": [line.strip() for line in text.splitlines() if line.strip()],
        "day": format_date(session.date, "weekday"),
        "time": f"{format_time(session.start_time)} to {format_time(session.end_time)}",
        "place": session.location,
        "meeting_link": session.meeting_link,
        "creche": creche,
        "reply_url": reply_url(participation.id),
        "service_name": current_app.config["SERVICE_NAME"],
    }
    environment = current_app.jinja_env
    body_text = environment.get_template(f"email/{kind.value}.txt").render(context)
    body_html = environment.get_template(f"email/{kind.value}.html").render(context)
    return subject[:300], body_text, body_html


def queue_messages(kind: MessageKind, session: Session, recipients: list[tuple[Person, Participation]]) -> int:
    """Write one email per (person, participation) to the outbox, each in the person's own words
    and with their own reply link: one INSERT for all of them. Returns how many."""
    now = utcnow()
    rows = []
    for person, participation in recipients:
        subject, body_text, body_html = render_message(kind, session, person, participation)
        rows.append(
            {
                "kind": kind,
                "status": MessageStatus.QUEUED,
                "person_id": person.id,
                "session_id": session.id,
                "to_address": person.email,
                "subject": subject,
                "body_text": body_text,
                "body_html": body_html,
                "created_at": now,
                "attempts": 0,
                "next_attempt_at": now,
            }
        )
    if rows:
        db.session.execute(insert(OutboxMessage), rows)
    return len(rows)


def awaiting_reminder(session: Session) -> list[tuple[Participation, Person]]:
    """Invited people who have not replied, have not had a reminder, and can be emailed."""
    rows = db.session.execute(
        select(Participation, Person)
        .join(Person, Person.id == Participation.person_id)
        .where(
            Participation.session_id == session.id,
            Participation.status == ParticipationStatus.INVITED,
            Participation.invited_at.is_not(None),
            Participation.reply.is_(None),
            Participation.reminded_at.is_(None),
            Person.email.is_not(None),
        )
        .order_by(Person.id)
    ).all()
    consenting = contact_consent_ids([person.id for _, person in rows])
    return [(participation, person) for participation, person in rows if person.id in consenting]


def send_reminders(session: Session, actor) -> int:
    """Queue one reminder for each invited person who has not replied; never a second one."""
    refuse_if_closed(session)
    lock_session(session.id)
    now = utcnow()
    awaiting = awaiting_reminder(session)
    count = queue_messages(MessageKind.REMINDER, session, [(person, part) for part, person in awaiting])
    for participation, _person in awaiting:
        participation.reminded_at = now
    db.session.flush()
    if count:
        record(
            actor,
            AuditAction.UPDATE,
            session,
            ["reminded_at"],
            entity_type="participations",
            detail=f"Reminders queued: {count}",
        )
    return count


def update_invitation_wording(session: Session, subject: str | None, text: str | None, actor) -> list[str]:
    """Set the session's invitation subject and text; blank means the standard wording."""
    subject = " ".join((subject or "").split()) or None
    text = (text or "").strip() or None
    errors = {}
    if subject and len(subject) > 200:
        errors["invitation_subject"] = "Subject must be 200 characters or fewer"
    if text and len(text) > 5000:
        errors["invitation_text"] = "Invitation text must be 5,000 characters or fewer"
    if errors:
        raise InvalidInput(errors)
    session.invitation_subject = subject
    session.invitation_text = text
    fields = changed_fields(session)
    if fields:
        db.session.flush()
        record(actor, AuditAction.UPDATE, session, fields)
    return fields


@dataclass
class Reply:
    """What an invitee answered on the reply page."""

    answer: ReplyAnswer
    creche_children: int = 0
    creche_ages: str | None = None
    step_free: bool = False
    interpreter_language: str | None = None
    other_needs: str | None = None
    dietary_needs: str | None = None
    note: str | None = None


def _clean(text: str | None, limit: int) -> str | None:
    text = (text or "").strip()
    return text[:limit] or None


def _add_text(existing: str | None, new: str | None, limit: int | None = None) -> str | None:
    """Add what the person wrote to what was known, without losing either."""
    if not new:
        return existing
    if existing and new.lower() in existing.lower():
        return existing
    combined = f"{existing}\n{new}" if existing else new
    return combined[:limit] if limit else combined


def record_reply(participation: Participation, session: Session, person: Person, reply: Reply) -> list[str]:
    """Apply a reply: the participation's status and answers, and the person's needs (only
    adding what they told us). Replying again updates the same participation."""
    if session.cancelled:
        raise InvalidInput({"answer": "This session was cancelled."})
    answer = ReplyAnswer(reply.answer)
    errors = {}
    children = reply.creche_children or 0
    if answer == ReplyAnswer.YES and not 0 <= children <= MAX_CRECHE_CHILDREN:
        errors["creche_children"] = f"Number of children must be between 0 and {MAX_CRECHE_CHILDREN}"
    ages = _clean(reply.creche_ages, 100)
    if answer == ReplyAnswer.YES and children and not ages:
        errors["creche_ages"] = "Enter the ages of the children who need a creche place"
    if errors:
        raise InvalidInput(errors)
    lock_session(session.id)
    now: datetime = utcnow()
    if answer == ReplyAnswer.YES:
        new_status = ParticipationStatus.REGISTERED
    elif answer == ReplyAnswer.NO:
        new_status = ParticipationStatus.DECLINED
    else:
        new_status = ParticipationStatus.INVITED
    # A reply speaks for plans, not for what happened: never overwrite a marked attendance.
    if participation.status in (
        ParticipationStatus.INVITED,
        ParticipationStatus.REGISTERED,
        ParticipationStatus.DECLINED,
    ):
        participation.status = new_status
    participation.reply = answer
    participation.replied_at = now
    if answer == ReplyAnswer.YES:
        participation.creche_children = children
        participation.creche_ages = ages if children else None
    elif answer == ReplyAnswer.NO:
        participation.creche_children = 0
        participation.creche_ages = None
    note = _clean(reply.note, 2000)
    if note:
        participation.reply_note = note
    participation_fields = [name for name in changed_fields(participation) if name != "replied_at"] + ["replied_at"]

    if answer == ReplyAnswer.YES:
        if children:
            person.needs_creche = True
        if reply.step_free:
            person.needs_step_free = True
        language = _clean(reply.interpreter_language, 60)
        if language:
            person.interpreter_language = language
        person.other_needs = _add_text(person.other_needs, _clean(reply.other_needs, 1000))
        person.dietary_needs = _add_text(person.dietary_needs, _clean(reply.dietary_needs, 300), 300)
    person_fields = changed_fields(person)
    db.session.flush()
    record(None, AuditAction.UPDATE, participation, participation_fields, detail="reply via link")
    if person_fields:
        record(None, AuditAction.UPDATE, person, person_fields, detail="reply via link")
    return participation_fields + person_fields
