"""A person's profile shows their sessions, newest first, with how they took part and what they
contributed, in the same number of queries however long their history."""

from __future__ import annotations

import datetime as dt
import re

from crm.extensions import db as _db
from crm.models import Contribution, Participation
from crm.models.enums import (
    ContributionKind,
    FollowUpStatus,
    ParticipationRole,
    ParticipationSource,
    ParticipationStatus,
    Role,
)
from crm.queries.people import person_timeline
from tests.conftest import count_queries
from tests.factories import PersonFactory, SessionFactory

TODAY = dt.date.today()


def take_part(session, person, status=ParticipationStatus.ATTENDED, **values) -> Participation:
    participation = Participation(
        session_id=session.id, person_id=person.id, status=status, source=ParticipationSource.REGISTER, **values
    )
    _db.session.add(participation)
    _db.session.flush()
    return participation


def contribute(participation, summary, **values) -> Contribution:
    contribution = Contribution(
        participation_id=participation.id, summary=summary, **({"kind": ContributionKind.IDEA} | values)
    )
    _db.session.add(contribution)
    _db.session.flush()
    return contribution


def timeline_titles(page: str) -> list[str]:
    return re.findall(r'<h3 class="moj-timeline__title"><a class="govuk-link" href="/sessions/\d+">([^<]+)</a>', page)


def test_profile_shows_sessions_newest_first_with_roles_and_contributions(client, login_as, db):
    person = PersonFactory(first_name="Jo", last_name="Sample")
    spring = SessionFactory(title="Spring steering group", date=TODAY - dt.timedelta(days=90))
    summer = SessionFactory(
        title="Summer conference keynote",
        date=TODAY - dt.timedelta(days=30),
        start_time=dt.time(9, 30),
        end_time=dt.time(11, 0),
    )
    autumn = SessionFactory(title="Autumn focus group", date=TODAY - dt.timedelta(days=2))
    upcoming = SessionFactory(title="Winter workshop", date=TODAY + dt.timedelta(days=20))
    take_part(spring, person, role=ParticipationRole.RAPPORTEUR, minutes=45)
    keynote = take_part(summer, person, role=ParticipationRole.SPEAKER)
    take_part(autumn, person, status=ParticipationStatus.APOLOGIES)
    take_part(upcoming, person, status=ParticipationStatus.INVITED)
    contribute(
        keynote,
        "Talked about waiting lists for speech therapy",
        kind=ContributionKind.LIVED_EXPERIENCE,
        consent_to_quote=True,
        follow_up=FollowUpStatus.ACTED_ON,
        follow_up_note="Drop-in clinic added on Saturdays",
        followed_up_on=TODAY,
    )
    contribute(keynote, "Slides on the parent journey", kind=ContributionKind.PRESENTATION)
    other = PersonFactory()
    take_part(summer, other)
    contribute(take_part(spring, other), "Someone else's idea")
    db.session.commit()

    login_as(Role.CHAMPION)
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    timeline = page[page.index('id="sessions"') :]
    assert timeline_titles(timeline) == [
        "Winter workshop",
        "Autumn focus group",
        "Summer conference keynote",
        "Spring steering group",
    ]
    assert "Invited · Participant" in timeline
    assert "Apologies · Participant" in timeline
    assert "Attended · Speaker · 1 hour 30 minutes (whole session)" in timeline
    assert "Attended · Rapporteur · 45 minutes" in timeline
    keynote_part = timeline[timeline.index("Summer conference keynote") : timeline.index("Spring steering group")]
    assert "Lived-experience story" in keynote_part and "Talked about waiting lists for speech therapy" in keynote_part
    assert "Presentation" in keynote_part and "Slides on the parent journey" in keynote_part
    assert 'govuk-tag--green">Acted on<' in keynote_part and "Drop-in clinic added on Saturdays" in keynote_part
    assert 'govuk-tag--grey">Open<' in keynote_part
    # Only the contribution they agreed may be quoted says so.
    assert timeline.count("May be quoted") == 1
    assert "Someone else&#39;s idea" not in page


def test_someone_never_at_a_session_is_told_so(client, login_as, db):
    person = PersonFactory(first_name="New", last_name="Face")
    db.session.commit()
    login_as(Role.CHAMPION)
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "New Face has not been recorded at any session yet." in page


def add_history(person, count: int, start: int) -> None:
    for n in range(start, start + count):
        session = SessionFactory(title=f"Session {n}", date=TODAY - dt.timedelta(days=n + 1))
        participation = take_part(session, person, role=ParticipationRole.FACILITATOR)
        contribute(participation, f"Idea {n}", consent_to_quote=n % 2 == 0)
        contribute(participation, f"Feedback {n}", kind=ContributionKind.FEEDBACK)


def test_the_timeline_takes_two_queries_however_long_the_history(db):
    person = PersonFactory()
    person_id = person.id
    add_history(person, 3, 0)
    db.session.commit()
    db.session.expire_all()
    assert count_queries(db, lambda: person_timeline(person_id)) == 2
    add_history(db.session.get(type(person), person_id), 27, 3)
    db.session.commit()
    db.session.expire_all()
    entries = []
    assert count_queries(db, lambda: entries.extend(person_timeline(person_id))) == 2
    assert len(entries) == 30
    assert [e.session.title for e in entries[:3]] == ["Session 0", "Session 1", "Session 2"]
    assert [c.summary for c in entries[0].contributions] == ["Idea 0", "Feedback 0"]


def test_the_profile_makes_the_same_number_of_queries_for_3_and_30_sessions(client, login_as, db):
    person = PersonFactory()
    login_as(Role.CHAMPION)

    def open_profile():
        response = client.get(f"/people/{person.id}")
        assert response.status_code == 200

    add_history(person, 3, 0)
    db.session.commit()
    with_three = count_queries(db, open_profile)
    add_history(person, 27, 3)
    db.session.commit()
    with_thirty = count_queries(db, open_profile)
    assert with_three == with_thirty
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert len(timeline_titles(page)) == 30
    assert page.count("Feedback 29") == 1
