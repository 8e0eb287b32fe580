"""Participations and contributions: who came to what, and what they said."""

from __future__ import annotations

import random
from bisect import bisect_right
from datetime import date, timedelta

from crm.models import Contribution, Participation
from crm.models.enums import ContributionKind, FollowUpStatus, ParticipationRole, ParticipationSource
from crm.models.enums import ParticipationStatus as Status
from crm.seed.base import CHUNK, Weighted, Writer, at
from crm.seed.crowd import Crowd, Plan
from crm.seed.lists import ACTED_ON, IN_PERSON_SOURCES, NOT_TAKEN_FORWARD, ONLINE_SOURCES, ROLES, STATUSES, SUMMARIES
from crm.seed.timeline import Timeline


def write_participations(w: Writer, plan: Plan, timeline: Timeline, crowd: Crowd) -> None:
    """Each person's sessions, drawn within their window and favouring the popular sessions;
    statuses fit the session (no one has attended a session still to come); about 5% of
    attendances carry a contribution."""
    rng = w.rng
    statuses = {state: Weighted(pairs) for state, pairs in STATUSES.items()}
    role = Weighted(ROLES)
    online_source, in_person_source = Weighted(ONLINE_SOURCES), Weighted(IN_PERSON_SOURCES)
    kind = Weighted((k, 1) for k in ContributionKind)
    participation_id, contribution_id = w.next_id(Participation), w.next_id(Contribution)
    buffers: dict = {Participation: [], Contribution: []}
    for index, (_tier, count) in enumerate(plan):
        if not count:
            continue
        low, high = crowd.windows[index]
        for session_index in sorted(_pick(rng, timeline.cumulative, low, high, count)):
            status = statuses[timeline.states[session_index]](rng)
            attended = status is Status.ATTENDED
            day = timeline.days[session_index]
            if attended:
                source = online_source(rng) if timeline.online[session_index] else in_person_source(rng)
                created = at(day, 21)
            else:
                source = ParticipationSource.RSVP if rng.random() < 0.6 else ParticipationSource.MANUAL
                created = at(day - timedelta(days=rng.randint(2, 21)), 10)
            created = min(created, w.now)
            minutes = None
            if attended and rng.random() < 0.08:
                minutes = int(timeline.minutes[session_index] * rng.uniform(0.3, 0.95))
            buffers[Participation].append(
                {
                    "id": participation_id,
                    "session_id": timeline.first_id + session_index,
                    "person_id": crowd.first_id + index,
                    "status": status,
                    "role": role(rng) if attended else ParticipationRole.PARTICIPANT,
                    "minutes": minutes,
                    "creche_children": rng.choice((1, 1, 2))
                    if attended and crowd.needs_creche[index] and rng.random() < 0.6
                    else 0,
                    "source": source,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            if attended and rng.random() < 0.05:
                buffers[Contribution].append(_contribution(w, contribution_id, participation_id, day, kind))
                contribution_id += 1
            participation_id += 1
        if len(buffers[Participation]) >= CHUNK:
            w.flush(buffers)
    w.flush(buffers)
    w.after_explicit_ids(Participation, Contribution)


def _contribution(w: Writer, contribution_id: int, participation_id: int, day: date, kind: Weighted) -> dict:
    rng = w.rng
    contribution_kind = kind(rng)
    follow_up, note, when = FollowUpStatus.OPEN, None, None
    if (w.today - day).days > 60:
        roll = rng.random()
        if roll < 0.35:
            follow_up, note = FollowUpStatus.ACTED_ON, rng.choice(ACTED_ON)
        elif roll < 0.5:
            follow_up, note = FollowUpStatus.NOT_TAKEN_FORWARD, rng.choice(NOT_TAKEN_FORWARD)
        if note:
            when = min(w.today, day + timedelta(days=rng.randint(14, 180)))
    created = at(day, 21)
    return {
        "id": contribution_id,
        "participation_id": participation_id,
        "kind": contribution_kind,
        "summary": rng.choice(SUMMARIES[contribution_kind]),
        "consent_to_quote": rng.random() < 0.4,
        "follow_up": follow_up,
        "follow_up_note": note,
        "followed_up_on": when,
        "recorded_by_id": None,
        "created_at": created,
        "updated_at": created,
    }


def _pick(rng: random.Random, cumulative: list[float], low: int, high: int, count: int) -> set[int]:
    """`count` distinct session indexes in [low, high), favouring the heavier sessions."""
    if count * 2 >= high - low:
        return set(rng.sample(range(low, high), count))
    base = cumulative[low - 1] if low else 0.0
    span = cumulative[high - 1] - base
    chosen: set[int] = set()
    for _ in range(count * 20):
        chosen.add(min(high - 1, bisect_right(cumulative, base + rng.random() * span, low, high)))
        if len(chosen) == count:
            return chosen
    rest = [index for index in range(low, high) if index not in chosen]
    return chosen | set(rng.sample(rest, count - len(chosen)))
