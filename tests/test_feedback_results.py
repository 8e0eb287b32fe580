"""Feedback results: the change in self-reported knowledge worked out by hand, per session, per
event (topics matched by wording), per year for the dashboard, and the written answers."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from flask import render_template

from crm.extensions import db as _db
from crm.models import FeedbackRating, FeedbackResponse
from crm.models.base import utcnow
from crm.models.enums import Role
from crm.queries.feedback import (
    event_results,
    format_change,
    knowledge_change,
    session_results,
    year_feedback_summary,
)
from tests.conftest import count_queries
from tests.factories import EventFactory, FeedbackFormFactory, SessionFactory

LAST_WEEK = dt.date.today() - dt.timedelta(days=7)


def respond(form, ratings: dict[str, tuple[int, int]] | None = None, **text) -> FeedbackResponse:
    """One response: topic label → (before, after)."""
    by_label = {topic.label: topic.id for topic in form.topics}
    response = FeedbackResponse(
        form_id=form.id,
        ratings=[
            FeedbackRating(topic_id=by_label[label], knowledge_before=before, knowledge_after=after)
            for label, (before, after) in (ratings or {}).items()
        ],
        **text,
    )
    _db.session.add(response)
    _db.session.flush()
    return response


# Five people rate "The programme": before 2, 3, 3, 2, 3 (mean 13 / 5 = 2.6) and after
# 3, 4, 3, 4, 3 (mean 17 / 5 = 3.4); the change is 3.4 / 2.6 − 1 = 0.3077 → "+30.8%".
# Two rate "Co-production": before 4 and 4 (4.0), after 3 and 4 (3.5): 3.5 / 4 − 1 → "-12.5%".
PROGRAMME = [(2, 3), (3, 4), (3, 3), (2, 4), (3, 3)]
CO_PRODUCTION = [(4, 3), (4, 4)]


@pytest.fixture
def rated(db):
    form = FeedbackFormFactory(
        session=SessionFactory(title="Parent panel", date=LAST_WEEK),
        topics=["The programme", "Co-production", "The use of lived experience"],
    )
    for index, programme in enumerate(PROGRAMME):
        ratings = {"The programme": programme}
        if index < len(CO_PRODUCTION):
            ratings["Co-production"] = CO_PRODUCTION[index]
        respond(form, ratings)
    # Written answers only, one with a name.
    respond(form, take_away="Hearing from other parents", change="More breaks", respondent_name="Amina Begum")
    respond(form, change="Start later in the morning")
    db.session.commit()
    return form


def test_the_change_is_mean_after_over_mean_before_minus_one():
    assert knowledge_change(2.6, 3.4) == pytest.approx(0.30769, abs=1e-5)
    assert format_change(knowledge_change(2.6, 3.4)) == "+30.8%"
    assert format_change(knowledge_change(4.0, 3.5)) == "-12.5%"
    assert format_change(knowledge_change(3.0, 3.0)) == "0.0%"
    # A change too small to show at one decimal place is shown as no change, not "-0.0%".
    assert format_change(-0.0001) == "0.0%"
    assert format_change(knowledge_change(None, None)) == "No ratings"


def test_session_results_per_topic(rated):
    results = session_results(rated)
    assert results.responses == 7
    programme, co_production, lived = results.topics
    assert (programme.label, programme.ratings) == ("The programme", 5)
    assert programme.mean_before == pytest.approx(2.6)
    assert programme.mean_after == pytest.approx(3.4)
    assert programme.change_label == "+30.8%"
    assert (co_production.ratings, co_production.mean_before, co_production.mean_after) == (2, 4.0, 3.5)
    assert co_production.change_label == "-12.5%"
    # A topic nobody rated is listed, without means.
    assert (lived.label, lived.ratings, lived.mean_before, lived.change_label) == (
        "The use of lived experience",
        0,
        None,
        "No ratings",
    )


def test_the_results_page_shows_the_figures_and_the_written_answers(client, login_as, rated):
    login_as(Role.COORDINATOR)
    page = client.get(f"/sessions/{rated.session_id}/feedback/results").get_data(as_text=True)
    assert "+30.8%" in page and "-12.5%" in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">2.6</td>' in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">3.4</td>' in page
    assert '<p class="app-figure__value">7</p>' in page
    assert "Hearing from other parents" in page and "Start later in the morning" in page
    # The name only where it was given; the other answer is anonymous.
    assert page.count("Amina Begum") == 1
    assert "Anonymous ·" in page


def test_the_results_page_makes_the_same_queries_for_few_and_many_responses(client, login_as, db):
    login_as(Role.MANAGER)
    small = FeedbackFormFactory(session=SessionFactory(date=LAST_WEEK))
    large = FeedbackFormFactory(session=SessionFactory(date=LAST_WEEK))
    for form, count in ((small, 3), (large, 60)):
        for n in range(count):
            respond(form, {"The programme": (1 + n % 5, 5), "Co-production": (2, 3)}, take_away=f"Answer {n}")
    db.session.commit()

    def load(form):
        return lambda: client.get(f"/sessions/{form.session_id}/feedback/results")

    assert count_queries(db, load(small)) == count_queries(db, load(large))


@pytest.fixture
def week(db):
    """An event of three sessions. Two ask about "Co-production" (one spelled "co-production");
    the third was cancelled. A session outside the event asks the same."""
    event = EventFactory(name="Co-production Week 2026")
    monday = FeedbackFormFactory(
        session=SessionFactory(title="Monday", event=event, date=LAST_WEEK), topics=["Co-production", "Play"]
    )
    tuesday = FeedbackFormFactory(
        session=SessionFactory(title="Tuesday", event=event, date=LAST_WEEK), topics=["co-production"]
    )
    cancelled = FeedbackFormFactory(
        session=SessionFactory(title="Wednesday", event=event, date=LAST_WEEK, cancelled_at=utcnow()),
        topics=["Co-production"],
    )
    elsewhere = FeedbackFormFactory(session=SessionFactory(date=LAST_WEEK), topics=["Co-production"])
    respond(monday, {"Co-production": (1, 3), "Play": (2, 2)}, take_away="Loved the games")
    respond(monday, {"Co-production": (2, 4)})
    respond(tuesday, {"co-production": (3, 3)}, change="Bigger room", respondent_name="Sam")
    respond(cancelled, {"Co-production": (5, 1)})
    respond(elsewhere, {"Co-production": (5, 1)})
    db.session.commit()
    return event


def test_event_results_add_up_the_sessions_by_topic_wording(week):
    results = event_results(week.id)
    assert (results.responses, results.sessions) == (3, 2)
    co_production, play = results.topics
    # Before 1, 2, 3 (mean 2), after 3, 4, 3 (mean 10/3): 10/3 ÷ 2 − 1 = +66.7%.
    assert co_production.ratings == 3
    assert co_production.mean_before == pytest.approx(2.0)
    assert co_production.mean_after == pytest.approx(10 / 3)
    assert co_production.change_label == "+66.7%"
    assert (play.label, play.ratings, play.change_label) == ("Play", 1, "0.0%")


def test_the_event_results_page(client, login_as, week):
    login_as(Role.COORDINATOR)
    page = client.get(f"/sessions/events/{week.id}/feedback").get_data(as_text=True)
    assert "+66.7%" in page
    assert "Loved the games" in page and "Bigger room" in page and "Sam ·" in page
    assert "Monday" in page and "Tuesday" in page
    assert "Wednesday" not in page  # the cancelled session
    event_page = client.get(f"/sessions/events/{week.id}").get_data(as_text=True)
    assert f"/sessions/events/{week.id}/feedback" in event_page


def test_year_feedback_summary_counts_sessions_held_in_the_period(db):
    start, end = dt.date(2025, 4, 1), dt.date(2026, 3, 31)
    first_day = FeedbackFormFactory(session=SessionFactory(date=start), topics=["The programme"])
    last_day = FeedbackFormFactory(session=SessionFactory(date=end), topics=["The programme", "Co-production"])
    before = FeedbackFormFactory(session=SessionFactory(date=dt.date(2025, 3, 31)), topics=["The programme"])
    after = FeedbackFormFactory(session=SessionFactory(date=dt.date(2026, 4, 1)), topics=["The programme"])
    cancelled = FeedbackFormFactory(
        session=SessionFactory(date=dt.date(2025, 6, 1), cancelled_at=utcnow()), topics=["The programme"]
    )
    no_responses = FeedbackFormFactory(session=SessionFactory(date=dt.date(2025, 7, 1)), topics=["The programme"])
    for form, before_after in ((first_day, (2, 3)), (first_day, (3, 4)), (last_day, (3, 4))):
        respond(form, {"The programme": before_after})
    respond(last_day, {"Co-production": (4, 5)}, take_away="Good")
    respond(last_day, take_away="Text only")
    for outside in (before, after, cancelled):
        respond(outside, {"The programme": (5, 1)})
    db.session.commit()

    summary = year_feedback_summary(start, end)
    assert summary.responses == 5
    assert summary.sessions == 2  # not the one without responses, nor those outside or cancelled
    programme, co_production = summary.topics
    # Before 2, 3, 3 (mean 8/3), after 3, 4, 4 (mean 11/3): 11/8 − 1 = +37.5%.
    assert (programme.label, programme.ratings, programme.change_label) == ("The programme", 3, "+37.5%")
    assert (co_production.ratings, co_production.change_label) == (1, "+25.0%")
    assert no_responses.id  # its topics have no ratings, so they are not listed
    assert [t.label for t in summary.topics] == ["The programme", "Co-production"]

    empty = year_feedback_summary(dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    assert (empty.responses, empty.sessions, empty.topics) == (0, 0, [])


def test_the_year_summary_partial_renders_for_the_dashboard(app, db):
    form = FeedbackFormFactory(session=SessionFactory(date=dt.date(2025, 5, 5)), topics=["The programme"])
    for before_after in PROGRAMME:
        respond(form, {"The programme": before_after})
    db.session.commit()
    summary = year_feedback_summary(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    as_json = json.loads(json.dumps(summary.as_dict()))
    assert as_json["topics"] == [
        {
            "label": "The programme",
            "ratings": 5,
            "mean_before": 2.6,
            "mean_after": 3.4,
            "change": pytest.approx(17 / 13 - 1),
            "change_label": "+30.8%",
        }
    ]
    with app.test_request_context():
        html = render_template("feedback/_year_summary.html", summary=summary)
        # The same from the plain JSON a cached report would hold.
        assert render_template("feedback/_year_summary.html", summary=as_json) == html
        empty = render_template(
            "feedback/_year_summary.html", summary=year_feedback_summary(dt.date(2019, 1, 1), dt.date(2019, 12, 31))
        )
    assert "Session feedback" in html
    assert '<p class="app-figure__value">5</p>' in html and '<p class="app-figure__value">1</p>' in html
    assert "The programme" in html and "+30.8%" in html
    assert "No feedback was given for sessions in this period." in empty
