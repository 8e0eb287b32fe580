"""Reading session feedback: forms, and results per session, per event and per year.

Results are summed in SQL (GROUP BY topic, or by topic wording across sessions); the means and the
change in self-reported knowledge are worked out from those sums. The change is
mean after ÷ mean before − 1: knowledge rated 2.6 before and 3.4 after is "+30.8%".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select

from crm.extensions import db
from crm.matching import name_key
from crm.models import FeedbackForm, FeedbackRating, FeedbackResponse, FeedbackTopic, Participation, Session

# People looked up per statement when matching signed feedback.
_BATCH = 500


def form_for_session(session_id: int) -> FeedbackForm | None:
    return db.session.scalar(select(FeedbackForm).where(FeedbackForm.session_id == session_id))


def form_by_code(code: str) -> FeedbackForm | None:
    return db.session.scalar(select(FeedbackForm).where(FeedbackForm.code == code.lower()))


def response_count(form_id: int) -> int:
    return db.session.scalar(select(func.count()).where(FeedbackResponse.form_id == form_id)) or 0


def topic_rating_counts(form_id: int) -> dict[int, int]:
    """Topic id → how many responses rated it, for the form's topics that have ratings."""
    rows = db.session.execute(
        select(FeedbackRating.topic_id, func.count())
        .join(FeedbackTopic, FeedbackTopic.id == FeedbackRating.topic_id)
        .where(FeedbackTopic.form_id == form_id)
        .group_by(FeedbackRating.topic_id)
    )
    return {topic_id: count for topic_id, count in rows}


def knowledge_change(mean_before: float | None, mean_after: float | None) -> float | None:
    """Mean after ÷ mean before − 1, or None when there is nothing to compare."""
    if not mean_before or mean_after is None:
        return None
    return mean_after / mean_before - 1


def format_change(change: float | None) -> str:
    """A change as a signed percentage with one decimal place: "+30.8%", "-5.0%", "0.0%"."""
    if change is None:
        return "No ratings"
    rounded = round(change * 100, 1)
    if rounded == 0:
        return "0.0%"
    return f"{rounded:+.1f}%"


@dataclass(frozen=True)
class TopicResult:
    label: str
    ratings: int
    before_total: int
    after_total: int

    @property
    def mean_before(self) -> float | None:
        return self.before_total / self.ratings if self.ratings else None

    @property
    def mean_after(self) -> float | None:
        return self.after_total / self.ratings if self.ratings else None

    @property
    def change(self) -> float | None:
        return knowledge_change(self.mean_before, self.mean_after)

    @property
    def change_label(self) -> str:
        return format_change(self.change)

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "ratings": self.ratings,
            "mean_before": self.mean_before,
            "mean_after": self.mean_after,
            "change": self.change,
            "change_label": self.change_label,
        }


@dataclass
class FeedbackResults:
    responses: int
    sessions: int
    topics: list[TopicResult] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Plain JSON (for a cached report); the `_year_summary.html` partial renders it as well."""
        return {
            "responses": self.responses,
            "sessions": self.sessions,
            "topics": [topic.as_dict() for topic in self.topics],
        }


@dataclass(frozen=True)
class WrittenAnswer:
    session_id: int
    session_title: str
    session_date: date
    submitted_at: datetime
    respondent_name: str | None
    take_away: str | None
    change: str | None


def _sums():
    return (
        func.count(FeedbackRating.response_id),
        func.coalesce(func.sum(FeedbackRating.knowledge_before), 0),
        func.coalesce(func.sum(FeedbackRating.knowledge_after), 0),
    )


def _topic_result(label, ratings, before, after) -> TopicResult:
    return TopicResult(label=label, ratings=int(ratings), before_total=int(before), after_total=int(after))


def _counts(condition) -> tuple[int, int]:
    """Responses, and sessions with at least one response, among the sessions matching `condition`."""
    row = db.session.execute(
        select(func.count(FeedbackResponse.id), func.count(func.distinct(FeedbackForm.session_id)))
        .select_from(FeedbackResponse)
        .join(FeedbackForm, FeedbackForm.id == FeedbackResponse.form_id)
        .join(Session, Session.id == FeedbackForm.session_id)
        .where(condition)
    ).one()
    return int(row[0]), int(row[1])


def _results_by_label(condition) -> FeedbackResults:
    """Rated topics across the sessions matching `condition`, grouped by their wording (case aside),
    in the order the forms ask them."""
    key = func.lower(FeedbackTopic.label)
    rows = db.session.execute(
        select(func.min(FeedbackTopic.label), *_sums())
        .select_from(FeedbackRating)
        .join(FeedbackTopic, FeedbackTopic.id == FeedbackRating.topic_id)
        .join(FeedbackForm, FeedbackForm.id == FeedbackTopic.form_id)
        .join(Session, Session.id == FeedbackForm.session_id)
        .where(condition)
        .group_by(key)
        .order_by(func.min(FeedbackTopic.position), key)
    )
    responses, sessions = _counts(condition)
    return FeedbackResults(responses=responses, sessions=sessions, topics=[_topic_result(*row) for row in rows])


def session_results(form: FeedbackForm) -> FeedbackResults:
    """Every topic on the form (rated or not yet), in the form's order."""
    rows = db.session.execute(
        select(FeedbackTopic.label, *_sums())
        .select_from(FeedbackTopic)
        .outerjoin(FeedbackRating, FeedbackRating.topic_id == FeedbackTopic.id)
        .where(FeedbackTopic.form_id == form.id)
        .group_by(FeedbackTopic.id, FeedbackTopic.label, FeedbackTopic.position)
        .order_by(FeedbackTopic.position, FeedbackTopic.id)
    )
    topics = [_topic_result(*row) for row in rows]
    return FeedbackResults(responses=response_count(form.id), sessions=1, topics=topics)


def _held():
    return Session.cancelled_at.is_(None)


def event_results(event_id: int) -> FeedbackResults:
    """The event's sessions together, topics matched by wording."""
    return _results_by_label(and_(Session.event_id == event_id, _held()))


@dataclass(frozen=True)
class SessionFeedbackCount:
    session_id: int
    title: str
    date: date
    responses: int
    is_open: bool


def event_session_counts(event_id: int) -> list[SessionFeedbackCount]:
    """The event's sessions that have a feedback form, with their number of responses."""
    rows = db.session.execute(
        select(Session.id, Session.title, Session.date, func.count(FeedbackResponse.id), FeedbackForm.is_open)
        .join(FeedbackForm, FeedbackForm.session_id == Session.id)
        .outerjoin(FeedbackResponse, FeedbackResponse.form_id == FeedbackForm.id)
        .where(Session.event_id == event_id, _held())
        .group_by(Session.id, Session.title, Session.date, Session.start_time, FeedbackForm.is_open)
        .order_by(Session.date, Session.start_time, Session.id)
    )
    return [SessionFeedbackCount(*row) for row in rows]


def written_answers(*, form_id: int | None = None, event_id: int | None = None) -> list[WrittenAnswer]:
    """Responses with something written, oldest first: for one form, or for an event's sessions."""
    condition = FeedbackForm.id == form_id if form_id is not None else and_(Session.event_id == event_id, _held())
    rows = db.session.execute(
        select(
            Session.id,
            Session.title,
            Session.date,
            FeedbackResponse.submitted_at,
            FeedbackResponse.respondent_name,
            FeedbackResponse.take_away,
            FeedbackResponse.change,
        )
        .join(FeedbackForm, FeedbackForm.id == FeedbackResponse.form_id)
        .join(Session, Session.id == FeedbackForm.session_id)
        .where(condition, or_(FeedbackResponse.take_away.is_not(None), FeedbackResponse.change.is_not(None)))
        .order_by(Session.date, Session.start_time, Session.id, FeedbackResponse.submitted_at, FeedbackResponse.id)
    )
    return [WrittenAnswer(*row) for row in rows]


def year_feedback_summary(start: date, end: date) -> FeedbackResults:
    """Feedback from sessions held from `start` to `end` inclusive (by session date, cancelled
    sessions left out): responses, sessions with any response, and per topic wording the mean
    knowledge before and after and the change. For the participation dashboard."""
    return _results_by_label(and_(Session.date >= start, Session.date <= end, _held()))


def responses_signed_by(people: Iterable[tuple[int, str | None, str | None, str | None]]) -> dict[int, list[int]]:
    """The feedback responses each of these people signed, by person id: the name given is theirs
    (first or preferred name with their last name, compared as crm.matching does: any case,
    accents or punctuation) and the form is for a session they took part in or were invited to.
    `people` gives (id, first name, last name, preferred name); someone with no last name is never
    matched, as a first name alone is not enough. A response names its respondent only in free
    text, so this is how subject access finds them and erasure removes their name."""
    wanted: dict[str, list[int]] = {}
    for person_id, first, last, preferred in people:
        if not (last or "").strip():
            continue
        for given in {first, preferred} - {None, ""}:
            key = name_key(f"{given} {last}")
            if key:
                wanted.setdefault(key, []).append(person_id)
    if not wanted:
        return {}
    signed = (
        select(FeedbackResponse.id, FeedbackResponse.respondent_name, FeedbackForm.session_id)
        .join(FeedbackForm, FeedbackForm.id == FeedbackResponse.form_id)
        .where(FeedbackResponse.respondent_name.is_not(None))
        .order_by(FeedbackResponse.id)
    )
    candidates = [
        (response_id, session_id, person_id)
        for response_id, name, session_id in db.session.execute(signed)
        for person_id in wanted.get(name_key(name), ())
    ]
    if not candidates:
        return {}
    people_ids = sorted({person_id for _response, _session, person_id in candidates})
    session_ids = sorted({session_id for _response, session_id, _person in candidates})
    there: set[tuple[int, int]] = set()
    for start in range(0, len(people_ids), _BATCH):
        query = select(Participation.person_id, Participation.session_id).where(
            Participation.person_id.in_(people_ids[start : start + _BATCH]), Participation.session_id.in_(session_ids)
        )
        there.update((person_id, session_id) for person_id, session_id in db.session.execute(query))
    found: dict[int, list[int]] = {}
    for response_id, session_id, person_id in candidates:
        if (person_id, session_id) in there:
            found.setdefault(person_id, []).append(response_id)
    return found


def signed_responses(response_ids: list[int]) -> list[dict]:
    """These responses as plain data for a subject access export: when, the session, the name
    given, the answers, and each topic's ratings."""
    if not response_ids:
        return []
    responses = db.session.execute(
        select(
            FeedbackResponse.id,
            FeedbackResponse.submitted_at,
            Session.title,
            Session.date,
            FeedbackResponse.respondent_name,
            FeedbackResponse.take_away,
            FeedbackResponse.change,
        )
        .join(FeedbackForm, FeedbackForm.id == FeedbackResponse.form_id)
        .join(Session, Session.id == FeedbackForm.session_id)
        .where(FeedbackResponse.id.in_(response_ids))
        .order_by(FeedbackResponse.id)
    ).all()
    ratings: dict[int, list[dict]] = {}
    for response_id, topic, before, after in db.session.execute(
        select(
            FeedbackRating.response_id,
            FeedbackTopic.label,
            FeedbackRating.knowledge_before,
            FeedbackRating.knowledge_after,
        )
        .join(FeedbackTopic, FeedbackTopic.id == FeedbackRating.topic_id)
        .where(FeedbackRating.response_id.in_(response_ids))
        .order_by(FeedbackRating.response_id, FeedbackTopic.position)
    ):
        ratings.setdefault(response_id, []).append(
            {"topic": topic, "knowledge_before": before, "knowledge_after": after}
        )
    return [
        {
            "id": row.id,
            "submitted_at": row.submitted_at.isoformat(),
            "session": f"{row.title} {row.date.isoformat()}",
            "respondent_name": row.respondent_name,
            "take_away": row.take_away,
            "change": row.change,
            "ratings": ratings.get(row.id, []),
        }
        for row in responses
    ]
