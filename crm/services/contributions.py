"""Recording what people contributed at a session, and what became of it ("you said, we did")."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select

from crm.consent import uk_today
from crm.extensions import db
from crm.models import Contribution, Participation, Session
from crm.models.enums import AuditAction, ContributionKind, FollowUpStatus, ParticipationStatus
from crm.services import audit
from crm.services.errors import InvalidInput

SUMMARY_LENGTH = 2000
NOTE_LENGTH = 2000

NOT_ATTENDED = "Contributions can only be added for people marked as attended at this session"
CANCELLED = "This session was cancelled, so no contributions can be added"
NOT_HELD_YET = "This session has not happened yet, so no contributions can be added"
_MESSAGES = {
    "kind": "Choose the kind of contribution",
    "summary": "Enter a short summary of what they contributed",
    "consent_to_quote": "Choose yes if they agreed their words may be quoted, or no",
}


def _clean(data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """The contribution fields in `data`, checked; all three are needed unless `partial`."""
    problems: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for key in ("kind", "summary", "consent_to_quote"):
        if key not in data:
            if not partial:
                problems[key] = _MESSAGES[key]
            continue
        value = data[key]
        if key == "kind":
            if value not in ContributionKind.values():
                problems[key] = _MESSAGES[key]
            else:
                clean[key] = ContributionKind(value)
        elif key == "summary":
            text = (value or "").strip() if isinstance(value, str) else ""
            if not text:
                problems[key] = _MESSAGES[key]
            elif len(text) > SUMMARY_LENGTH:
                problems[key] = f"Summary must be {SUMMARY_LENGTH:,} characters or fewer"
            else:
                clean[key] = text
        elif not isinstance(value, bool):
            problems[key] = _MESSAGES[key]
        else:
            clean[key] = value
    if problems:
        raise InvalidInput(problems)
    return clean


def why_closed(session: Session) -> str | None:
    """Why contributions cannot be added at this session, or None when they can. Like the
    register: not at a cancelled session, nor before the day it is held."""
    if session.cancelled:
        return CANCELLED
    if session.date > uk_today():
        return NOT_HELD_YET
    return None


def add_contribution(participation: Participation, data: Mapping[str, Any], actor) -> Contribution:
    """Add what this attendee contributed. Only people who attended a session that was held
    (today or earlier, not cancelled) have contributions."""
    closed = why_closed(db.session.get(Session, participation.session_id))
    if closed:
        raise InvalidInput({"session": closed}, message=closed)
    if participation.status != ParticipationStatus.ATTENDED:
        raise InvalidInput({"participation": NOT_ATTENDED}, message=NOT_ATTENDED)
    clean = _clean(data, partial=False)
    contribution = Contribution(
        participation_id=participation.id,
        follow_up=FollowUpStatus.OPEN,
        recorded_by_id=getattr(actor, "id", None),
        **clean,
    )
    db.session.add(contribution)
    db.session.flush()
    # Names of what was recorded, never the summary itself: the audit log holds no personal words.
    audit.record(actor, AuditAction.CREATE, contribution, ["participation_id", *clean])
    return contribution


def update_contribution(contribution: Contribution, data: Mapping[str, Any], actor) -> list[str]:
    """Change the kind, summary or consent to quote; returns the names of the fields that changed."""
    for key, value in _clean(data, partial=True).items():
        setattr(contribution, key, value)
    fields = audit.changed_fields(contribution)
    if fields:
        db.session.flush()
        audit.record(actor, AuditAction.UPDATE, contribution, fields)
    return fields


def record_follow_up(
    contribution: Contribution,
    status: FollowUpStatus | str,
    actor,
    *,
    note: str | None = None,
    on: date | None = None,
) -> list[str]:
    """Record what became of a contribution: still open; acted on (what changed, and when);
    or not taken forward (why). Returns the names of the fields that changed."""
    if status not in FollowUpStatus.values():
        raise InvalidInput({"follow_up": "Choose open, acted on or not taken forward"})
    status = FollowUpStatus(status)
    text = (note or "").strip() or None
    problems: dict[str, str] = {}
    if status == FollowUpStatus.OPEN:
        text, on = None, None
    elif status == FollowUpStatus.ACTED_ON:
        if text is None:
            problems["follow_up_note"] = "Enter what changed"
        if on is None:
            problems["followed_up_on"] = "Enter the date it changed"
        else:
            session_date = db.session.scalar(
                select(Session.date)
                .join(Participation, Participation.session_id == Session.id)
                .where(Participation.id == contribution.participation_id)
            )
            if on > uk_today():
                problems["followed_up_on"] = "Date it changed must be today or in the past"
            elif session_date is not None and on < session_date:
                problems["followed_up_on"] = (
                    f"Date it changed must be on or after the session, {session_date.strftime('%-d %B %Y')}"
                )
    else:
        if text is None:
            problems["follow_up_note"] = "Enter why it was not taken forward"
        # When the decision was taken, if the caller knows; else when it was first recorded.
        if on is None and contribution.follow_up == FollowUpStatus.NOT_TAKEN_FORWARD:
            on = contribution.followed_up_on
        on = on or uk_today()
    if text is not None and len(text) > NOTE_LENGTH and "follow_up_note" not in problems:
        problems["follow_up_note"] = f"The follow-up must be {NOTE_LENGTH:,} characters or fewer"
    if problems:
        raise InvalidInput(problems)
    contribution.follow_up = status
    contribution.follow_up_note = text
    contribution.followed_up_on = on
    fields = audit.changed_fields(contribution)
    if fields:
        db.session.flush()
        audit.record(actor, AuditAction.UPDATE, contribution, fields)
    return fields
