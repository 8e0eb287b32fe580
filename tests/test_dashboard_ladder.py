"""Depth of involvement: who moved up the ladder of co-production in a period, worked out by
hand for the cases that are easy to get wrong (a first visit, a higher rung in an earlier year,
two sessions on one day, cancelled sessions and no-shows)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from crm.extensions import db as _db
from crm.models import Participation, Person
from crm.models.enums import InvolvementLevel, ParticipationSource, ParticipationStatus
from crm.periods import CALENDAR, Period
from crm.queries.dashboard import dashboard_figures, moved_up
from tests.factories import PersonFactory, SessionFactory

INFORMING, CONSULTING, CO_DESIGNING, CO_PRODUCING = (
    InvolvementLevel.INFORMING,
    InvolvementLevel.CONSULTING,
    InvolvementLevel.CO_DESIGNING,
    InvolvementLevel.CO_PRODUCING,
)
YEAR_2024 = Period.of(2024, CALENDAR, 4)


def session(date: str, level: InvolvementLevel, start: int = 10, cancelled: bool = False):
    return SessionFactory(
        date=dt.date.fromisoformat(date),
        start_time=dt.time(start),
        end_time=dt.time(start + 1),
        involvement_level=level,
        cancelled_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC) if cancelled else None,
    )


def attend(person, *sessions, status=ParticipationStatus.ATTENDED):
    for each in sessions:
        _db.session.add(
            Participation(session_id=each.id, person_id=person.id, status=status, source=ParticipationSource.MANUAL)
        )
    _db.session.flush()


@pytest.fixture
def ladder(db):
    people = {name: PersonFactory(first_name=name, last_name="Ladderson") for name in "ABCDEFGHIJ"}
    # A: informing in 2023, co-designing in 2024 — moved up.
    attend(people["A"], session("2023-03-01", INFORMING), session("2024-03-01", CO_DESIGNING))
    # B: co-producing in 2023, consulting then co-designing in 2024 — still below 2023's rung.
    attend(people["B"], session("2023-04-01", CO_PRODUCING))
    attend(people["B"], session("2024-04-01", CONSULTING), session("2024-05-01", CO_DESIGNING))
    # C: first visit ever in 2024, at co-producing, then informing — a first visit is not a move.
    attend(people["C"], session("2024-02-01", CO_PRODUCING), session("2024-06-01", INFORMING))
    # D: new in 2024, informing then consulting — moved up within the year.
    attend(people["D"], session("2024-02-02", INFORMING), session("2024-07-01", CONSULTING))
    # E: two sessions on their first day: co-designing at 10:00, informing at 14:00 — no move;
    # F: the same day the other way round — informing at 10:00, co-designing at 14:00 — a move.
    attend(people["E"], session("2024-03-03", CO_DESIGNING, start=10), session("2024-03-03", INFORMING, start=14))
    attend(people["F"], session("2024-03-04", INFORMING, start=10), session("2024-03-04", CO_DESIGNING, start=14))
    # G: the higher rung was a cancelled session, and a no-show — neither counts.
    attend(people["G"], session("2024-03-05", INFORMING), session("2024-08-01", CO_PRODUCING, cancelled=True))
    attend(people["G"], session("2024-09-01", CO_DESIGNING), status=ParticipationStatus.NO_SHOW)
    # H: moved up in 2025, after the period — not counted in 2024.
    attend(people["H"], session("2024-03-06", INFORMING), session("2025-02-01", CO_PRODUCING))
    # I: new, informing in the afternoon, then co-producing one morning weeks later — a move, even
    # though that morning is someone else's (J's) first visit.
    attend(people["I"], session("2024-04-10", INFORMING, start=14), session("2024-05-05", CO_PRODUCING, start=9))
    attend(people["J"], session("2024-05-05", INFORMING, start=15))
    _db.session.commit()
    return people


def test_moved_up_counts_only_a_rise_above_every_earlier_rung(ladder):
    names = set(_db.session.scalars(select(Person.first_name).where(Person.id.in_(moved_up(YEAR_2024)))))
    assert names == {"A", "D", "F", "I"}
    assert dashboard_figures(YEAR_2024)["ladder"]["moved_up"] == 4


def test_highest_rung_counts_each_participant_once_at_their_top(ladder):
    highest = dashboard_figures(YEAR_2024)["ladder"]["highest_level"]
    # Co-designing: A, B, E, F; co-producing: C, I; consulting: D; informing: G, H, J.
    assert highest[CO_DESIGNING.value] == 4
    assert highest[CO_PRODUCING.value] == 2
    assert highest[CONSULTING.value] == 1
    assert highest[INFORMING.value] == 3
