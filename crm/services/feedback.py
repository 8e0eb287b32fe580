"""Session feedback: setting up a session's form (topics, open or closed) and taking responses.

A topic that has been rated is locked: renaming or removing it would change what earlier
respondents appear to have answered, so results would no longer be true. Topics can still be
added and put in a different order at any time."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import select

from crm.extensions import db
from crm.models import FeedbackForm, FeedbackRating, FeedbackResponse, FeedbackTopic, Session
from crm.models.enums import AuditAction
from crm.services import audit
from crm.services.errors import InvalidInput

SUGGESTED_TOPICS = ("The use of lived experience", "The programme", "Co-production")
LABEL_LENGTH = 200
NAME_LENGTH = 200
TEXT_LENGTH = 2000
MAX_TOPICS = 10
RATING_RANGE = range(1, 6)

# Codes are typed from a screen: lower-case letters and digits, leaving out the look-alikes
# (0/o, 1/l/i). Ten of 31 characters is about 50 bits, far beyond guessing at the rate limit.
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 10

CANCELLED = "This session was cancelled, so it cannot have a feedback form"
LOCKED = "People have already rated this topic, so it cannot be changed or removed"
CLOSED = "This feedback form is closed"
EMPTY_RESPONSE = "Rate at least one topic or answer one of the questions before sending"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _unused_code() -> str:
    while True:
        code = new_code()
        if db.session.scalar(select(FeedbackForm.id).where(FeedbackForm.code == code)) is None:
            return code


def set_up_form(session: Session, actor) -> FeedbackForm:
    """The session's feedback form, made with the suggested topics if it has none yet."""
    existing = db.session.scalar(select(FeedbackForm).where(FeedbackForm.session_id == session.id))
    if existing is not None:
        return existing
    if session.cancelled:
        raise InvalidInput(message=CANCELLED)
    form = FeedbackForm(
        session_id=session.id,
        code=_unused_code(),
        is_open=True,
        created_by_id=getattr(actor, "id", None),
        topics=[FeedbackTopic(position=index, label=label) for index, label in enumerate(SUGGESTED_TOPICS)],
    )
    db.session.add(form)
    db.session.flush()
    audit.record(
        actor,
        AuditAction.CREATE,
        form,
        ["code", "is_open", "session_id", "topics"],
        detail=f"{len(SUGGESTED_TOPICS)} topics",
    )
    return form


def rated_topic_ids(form: FeedbackForm) -> set[int]:
    """The form's topics that have at least one rating."""
    topic_ids = [topic.id for topic in form.topics]
    if not topic_ids:
        return set()
    return set(
        db.session.scalars(select(FeedbackRating.topic_id).where(FeedbackRating.topic_id.in_(topic_ids)).distinct())
    )


def _clean_label(form: FeedbackForm, label: str | None, *, ignore: FeedbackTopic | None = None) -> str:
    text = " ".join((label or "").split())
    if not text:
        raise InvalidInput({"label": "Enter the topic people will rate"})
    if len(text) > LABEL_LENGTH:
        raise InvalidInput({"label": f"Topic must be {LABEL_LENGTH} characters or fewer"})
    if any(t.label.casefold() == text.casefold() for t in form.topics if t is not ignore):
        raise InvalidInput({"label": f"This form already has the topic “{text}”"})
    return text


def _renumber(form: FeedbackForm) -> None:
    for index, topic in enumerate(sorted(form.topics, key=lambda t: (t.position, t.id or 0))):
        topic.position = index


def _audit_topics(actor, form: FeedbackForm, detail: str) -> None:
    db.session.flush()
    audit.record(actor, AuditAction.UPDATE, form, ["topics"], detail=f"{detail} ({len(form.topics)} topics)")


def add_topic(form: FeedbackForm, label: str | None, actor) -> FeedbackTopic:
    if len(form.topics) >= MAX_TOPICS:
        raise InvalidInput({"label": f"A form can have up to {MAX_TOPICS} topics; remove one to add another"})
    text = _clean_label(form, label)
    topic = FeedbackTopic(label=text, position=len(form.topics))
    form.topics.append(topic)
    _renumber(form)
    _audit_topics(actor, form, "Topic added")
    return topic


def rename_topic(form: FeedbackForm, topic: FeedbackTopic, label: str | None, actor) -> bool:
    """Change a topic's wording; False when it was already worded so."""
    text = _clean_label(form, label, ignore=topic)
    if text == topic.label:
        return False
    if topic.id in rated_topic_ids(form):
        raise InvalidInput({"label": LOCKED})
    topic.label = text
    _audit_topics(actor, form, "Topic reworded")
    return True


def move_topic(form: FeedbackForm, topic: FeedbackTopic, direction: str, actor) -> bool:
    """Swap a topic with the one above ("up") or below ("down"); False at either end."""
    ordered = sorted(form.topics, key=lambda t: (t.position, t.id))
    index = ordered.index(topic)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(ordered):
        return False
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, each in enumerate(ordered):
        each.position = position
    _audit_topics(actor, form, "Topics reordered")
    return True


def remove_topic(form: FeedbackForm, topic: FeedbackTopic, actor) -> None:
    if topic.id in rated_topic_ids(form):
        raise InvalidInput(message=LOCKED)
    form.topics.remove(topic)
    _renumber(form)
    _audit_topics(actor, form, "Topic removed")


def set_form_open(form: FeedbackForm, is_open: bool, actor) -> bool:
    """Open or close the form to new responses; False when it already was."""
    if form.is_open == is_open:
        return False
    form.is_open = is_open
    db.session.flush()
    audit.record(actor, AuditAction.UPDATE, form, ["is_open"], detail="Opened" if is_open else "Closed")
    return True


@dataclass
class Answers:
    """One respondent's answers: topic id → (before, after), either possibly None."""

    ratings: dict[int, tuple[int | None, int | None]] = field(default_factory=dict)
    take_away: str | None = None
    change: str | None = None
    respondent_name: str | None = None


def _text(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def _rating_field(topic_id: int, when: str) -> str:
    return f"{when}_{topic_id}"


def submit_response(form: FeedbackForm, answers: Answers) -> FeedbackResponse:
    """Store one anonymous response. Each topic is rated before and after, or not at all; an empty
    response is refused. No audit row: respondents have no account, and a response holds no
    personal data unless the respondent chose to give a name."""
    if not form.is_open or form.session.cancelled:
        raise InvalidInput(message=CLOSED)
    labels = {topic.id: topic.label for topic in form.topics}
    problems: dict[str, str] = {}
    ratings: list[FeedbackRating] = []
    for topic_id, (before, after) in answers.ratings.items():
        if topic_id not in labels:
            continue  # a topic removed while the respondent had the form open
        label = labels[topic_id]
        for when, value in (("before", before), ("after", after)):
            if value is not None and value not in RATING_RANGE:
                problems[_rating_field(topic_id, when)] = (
                    f"Choose a number from 1 to 5 for “{label}” {when} the session"
                )
        if (before is None) != (after is None):
            missing = "before" if before is None else "after"
            problems.setdefault(
                _rating_field(topic_id, missing),
                f"Rate “{label}” {missing} the session too, or leave both empty",
            )
        elif before is not None and after is not None:
            ratings.append(FeedbackRating(topic_id=topic_id, knowledge_before=before, knowledge_after=after))
    take_away, change, name = _text(answers.take_away), _text(answers.change), _text(answers.respondent_name)
    for key, value, limit in (
        ("take_away", take_away, TEXT_LENGTH),
        ("change", change, TEXT_LENGTH),
        ("respondent_name", name, NAME_LENGTH),
    ):
        if value is not None and len(value) > limit:
            problems[key] = f"Your answer must be {limit:,} characters or fewer"
    if problems:
        raise InvalidInput(problems)
    if not ratings and take_away is None and change is None:
        raise InvalidInput({"take_away": EMPTY_RESPONSE}, message=EMPTY_RESPONSE)
    response = FeedbackResponse(
        form_id=form.id, respondent_name=name, take_away=take_away, change=change, ratings=ratings
    )
    db.session.add(response)
    db.session.flush()
    return response
