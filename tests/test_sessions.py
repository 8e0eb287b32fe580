"""Sessions and events: add, edit, list (upcoming and past, filters), cancel and reinstate."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from crm.models import AuditEvent, Event, Session, Theme
from crm.models.enums import AuditAction, InvolvementLevel, Role, SessionFormat, SessionKind
from tests.conftest import count_queries
from tests.factories import EventFactory, OrganisationFactory, SessionFactory

TODAY = dt.date.today()


def form_data(**changes) -> dict:
    """A complete, valid add-session form; the date as the three boxes a person types in."""
    data = {
        "title": "Talking with toddlers workshop",
        "event_id": "",
        "date": ["3", "3", "2026"],
        "start_time": "10.00",
        "end_time": "12:30",
        "format": "in_person",
        "kind": "co_design_workshop",
        "theme_id": "",
        "involvement_level": "co_designing",
        "location": "Kent Elms Library, community room",
        "meeting_link": "",
        "organiser_organisation_id": "",
        "capacity": "20",
        "creche_places": "6",
        "description": "Designing the new chatter sessions.\nBring ideas.",
        "notes": "Order lunch for 20",
    }
    data.update(changes)
    return data


def titles_in_order(page: str) -> list[str]:
    return re.findall(r'<a class="govuk-link" href="/sessions/\d+">([^<]+)</a>', page)


def session_count(db) -> int:
    return db.session.query(Session).count()


def test_coordinator_adds_a_session_and_sees_it_laid_out(client, login_as, post_form, db):
    user = login_as(Role.COORDINATOR)
    theme = db.session.query(Theme).order_by(Theme.name).first()
    organisation = OrganisationFactory(name="Southend YMCA")
    event = EventFactory(name="Co-production Week 2026")
    response = post_form(
        "/sessions/new",
        form_data(
            theme_id=str(theme.id),
            organiser_organisation_id=str(organisation.id),
            event_id=str(event.id),
            format="hybrid",
            meeting_link="teams.example.com/meet/1",
        ),
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Talking with toddlers workshop has been added" in page
    session = db.session.query(Session).one()
    assert session.date == dt.date(2026, 3, 3)
    assert (session.start_time, session.end_time) == (dt.time(10, 0), dt.time(12, 30))
    assert session.format == SessionFormat.HYBRID
    assert session.kind == SessionKind.CO_DESIGN_WORKSHOP
    assert session.involvement_level == InvolvementLevel.CO_DESIGNING
    assert (session.theme_id, session.organiser_organisation_id, session.event_id) == (
        theme.id,
        organisation.id,
        event.id,
    )
    assert (session.capacity, session.creche_places) == (20, 6)
    assert session.meeting_link == "https://teams.example.com/meet/1"
    for text in (
        "Tuesday 3 March 2026",
        "10am to 12:30pm",
        "Hybrid",
        "Co-design workshop",
        theme.name,
        "Co-designing",
        "Kent Elms Library, community room",
        "https://teams.example.com/meet/1",
        "Southend YMCA",
        "Co-production Week 2026",
        "Designing the new chatter sessions.",
        "Order lunch for 20",
        "Attendance",
    ):
        assert text in page, text
    assert f'href="/organisations/{organisation.id}"' in page
    assert f'href="/sessions/events/{event.id}"' in page
    audit = db.session.query(AuditEvent).filter_by(entity_type="sessions").one()
    assert audit.action == AuditAction.CREATE
    assert (audit.entity_id, audit.user_id) == (session.id, user.id)


@pytest.mark.parametrize(
    "typed", [("10:00", "12:00"), ("10.00", "12.00"), ("9:30", "11:45"), ("0930", "1400"), ("2pm", "3.30pm")]
)
def test_times_are_accepted_as_people_type_them(client, login_as, post_form, db, typed):
    login_as(Role.COORDINATOR)
    response = post_form("/sessions/new", form_data(start_time=typed[0], end_time=typed[1]))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert session_count(db) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"capacity": "-3"}, "Capacity must be a whole number, 0 or more"),
        ({"capacity": "lots"}, "Capacity must be a whole number, 0 or more"),
        ({"capacity": "99999999999"}, "Capacity must be 10,000 or fewer"),
        ({"creche_places": "2.5"}, "Creche places must be a whole number, 0 or more"),
        ({"start_time": "14:00", "end_time": "13:00"}, "End time must be after the start time"),
        ({"start_time": "10:00", "end_time": "10:00"}, "End time must be after the start time"),
        ({"start_time": "25:00"}, "Enter a time using the 24-hour clock, like 10:00"),
        ({"end_time": "half past"}, "Enter a time using the 24-hour clock, like 12:30"),
        ({"start_time": ""}, "Enter a start time, like 10:00"),
        ({"theme_id": "987654"}, "Choose an option from the list"),
        ({"theme_id": "gardening"}, "Choose an option from the list"),
        ({"organiser_organisation_id": "987654"}, "Choose an option from the list"),
        ({"date": ["30", "02", "2026"]}, "Enter a real date"),
        ({"date": ["31", "13", "2026"]}, "Enter a real date"),
        ({"date": ["3", "3", ""]}, "Date must include a year"),
        ({"date": ["", "", ""]}, "Enter the date of the session"),
        ({"date": ["3", "3", "26"]}, "Year must include 4 numbers"),
        ({"date": "2026-02-30"}, "Date must include a month and year"),
        ({"title": ""}, "Enter a title"),
        ({"title": "x" * 201}, "Title must be 200 characters or fewer"),
        ({"format": ""}, "Choose in person, online or hybrid"),
        ({"format": "by pigeon"}, "Choose in person, online or hybrid"),
        ({"kind": ""}, "Choose the kind of session"),
        ({"involvement_level": "deciding"}, "Choose the involvement level"),
        ({"meeting_link": "ftp://files.example.com/x"}, "Enter a web address starting with http"),
        ({"meeting_link": "javascript:alert(1)"}, "Enter a web address starting with http"),
        ({"location": "x" * 301}, "Location must be 300 characters or fewer"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_written(client, login_as, post_form, db, changes, message):
    login_as(Role.COORDINATOR)
    response = post_form("/sessions/new", form_data(**changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert message in page
    assert session_count(db) == 0
    assert db.session.query(AuditEvent).filter_by(entity_type="sessions").count() == 0


def test_a_rejected_form_keeps_what_was_typed(client, login_as, post_form):
    login_as(Role.COORDINATOR)
    response = post_form("/sessions/new", form_data(date=["30", "02", "2026"], capacity="lots"))
    page = response.get_data(as_text=True)
    assert 'id="date-day" name="date" type="text" value="30"' in page
    assert 'id="date-month" name="date" type="text" value="02"' in page
    assert 'value="lots"' in page
    assert 'value="Talking with toddlers workshop"' in page


def test_champion_can_view_sessions_but_not_add_or_change_them(client, login_as, db):
    session = SessionFactory(title="Family hub steering group")
    login_as(Role.CHAMPION)
    listing = client.get("/sessions/")
    assert "Family hub steering group" in listing.get_data(as_text=True)
    assert "Add a session" not in listing.get_data(as_text=True)
    shown = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "Family hub steering group" in shown and "Cancel session" not in shown
    assert client.get("/sessions/new").status_code == 403
    assert client.get(f"/sessions/{session.id}/edit").status_code == 403
    assert client.get(f"/sessions/{session.id}/cancel").status_code == 403
    token = re.search(r'name="csrf_token" value="([^"]+)"', shown).group(1)
    response = client.post("/sessions/new", data={"csrf_token": token, **form_data()})
    assert response.status_code == 403
    response = client.post(f"/sessions/{session.id}/cancel", data={"csrf_token": token})
    assert response.status_code == 403
    db.session.refresh(session)
    assert session_count(db) == 1 and not session.cancelled
    assert db.session.query(AuditEvent).filter_by(entity_type="sessions").count() == 0


def test_upcoming_soonest_first_and_past_most_recent_first(client, login_as, db):
    day = dt.timedelta(days=1)
    SessionFactory(title="Next month", date=TODAY + 30 * day)
    SessionFactory(title="Tomorrow afternoon", date=TODAY + day, start_time=dt.time(14), end_time=dt.time(15))
    SessionFactory(title="Tomorrow morning", date=TODAY + day, start_time=dt.time(9), end_time=dt.time(10))
    SessionFactory(title="Today", date=TODAY)
    SessionFactory(title="Last year", date=TODAY - 365 * day)
    SessionFactory(title="Yesterday", date=TODAY - day)
    SessionFactory(title="Last week", date=TODAY - 7 * day)
    login_as(Role.CHAMPION)
    upcoming = client.get("/sessions/").get_data(as_text=True)
    assert titles_in_order(upcoming) == ["Today", "Tomorrow morning", "Tomorrow afternoon", "Next month"]
    assert client.get("/sessions/?when=upcoming").get_data(as_text=True) == upcoming
    past = client.get("/sessions/?when=past").get_data(as_text=True)
    assert titles_in_order(past) == ["Yesterday", "Last week", "Last year"]
    assert "Past sessions" in past


def test_filters_narrow_the_list_and_combine(client, login_as, db):
    themes = db.session.query(Theme).order_by(Theme.id).limit(2).all()
    council = OrganisationFactory(name="Borough Council")
    week = EventFactory(name="Co-production Week")
    soon = TODAY + dt.timedelta(days=3)
    SessionFactory(
        title="Alpha",
        date=soon,
        theme=themes[0],
        organiser=council,
        event=week,
        kind=SessionKind.FOCUS_GROUP,
        involvement_level=InvolvementLevel.CONSULTING,
    )
    SessionFactory(
        title="Bravo",
        date=soon,
        theme=themes[1],
        organiser=council,
        kind=SessionKind.FOCUS_GROUP,
        involvement_level=InvolvementLevel.CO_PRODUCING,
    )
    SessionFactory(
        title="Charlie",
        date=soon,
        theme=themes[0],
        kind=SessionKind.PANEL,
        involvement_level=InvolvementLevel.CONSULTING,
    )
    SessionFactory(title="Delta (past)", date=TODAY - dt.timedelta(days=3), theme=themes[0])
    login_as(Role.CHAMPION)

    def shown(query: str) -> list[str]:
        return sorted(titles_in_order(client.get(f"/sessions/?{query}").get_data(as_text=True)))

    assert shown(f"theme={themes[0].id}") == ["Alpha", "Charlie"]
    assert shown(f"when=past&theme={themes[0].id}") == ["Delta (past)"]
    assert shown("kind=focus_group") == ["Alpha", "Bravo"]
    assert shown("level=consulting") == ["Alpha", "Charlie"]
    assert shown(f"organisation_id={council.id}") == ["Alpha", "Bravo"]
    assert shown(f"event_id={week.id}") == ["Alpha"]
    assert shown(f"kind=focus_group&level=co_producing&organisation_id={council.id}") == ["Bravo"]
    assert shown("q=charl") == ["Charlie"]
    # Unknown values are ignored rather than failing.
    assert shown("kind=nonsense&level=&theme=abc&event_id=-1") == ["Alpha", "Bravo", "Charlie"]
    page = client.get("/sessions/?kind=keynote").get_data(as_text=True)
    assert "No upcoming sessions match these filters" in page


def test_list_is_paginated(client, login_as, db):
    for number in range(30):
        SessionFactory(title=f"Drop-in {number:02d}", date=TODAY + dt.timedelta(days=number + 1))
    login_as(Role.CHAMPION)
    second = client.get("/sessions/?page=2").get_data(as_text=True)
    assert titles_in_order(second) == [f"Drop-in {n:02d}" for n in range(25, 30)]
    assert "Showing 26 to 30 of 30 results" in second


def test_list_makes_the_same_number_of_queries_for_3_and_30_rows(client, login_as, db):
    login_as(Role.CHAMPION)
    theme = db.session.query(Theme).first()

    def queries_for_list() -> int:
        return count_queries(db, lambda: client.get("/sessions/?per_page=50"))

    def add_sessions(count: int) -> None:
        for _ in range(count):
            SessionFactory(theme=theme, organiser=OrganisationFactory(), event=EventFactory())

    add_sessions(3)
    few = queries_for_list()
    assert few >= 2
    add_sessions(27)
    assert queries_for_list() == few


def test_coordinator_edits_a_session(client, login_as, post_form, db):
    session = SessionFactory(title="Old title", date=dt.date(2026, 5, 12), capacity=12)
    login_as(Role.COORDINATOR)
    url = f"/sessions/{session.id}/edit"
    form = client.get(url).get_data(as_text=True)
    assert 'value="Old title"' in form and 'value="12"' in form and 'value="10:00"' in form
    assert 'id="date-day" name="date" type="text" value="12"' in form
    assert 'id="date-month" name="date" type="text" value="05"' in form
    assert 'id="date-year" name="date" type="text" value="2026"' in form
    response = post_form(
        url,
        form_data(title="New title", date=["14", "5", "2026"], start_time="13:00", end_time="15:30", capacity=""),
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Changes saved" in page and "Thursday 14 May 2026" in page and "1pm to 3:30pm" in page
    db.session.refresh(session)
    assert session.title == "New title" and session.capacity is None
    assert session.date == dt.date(2026, 5, 14)
    audit = db.session.query(AuditEvent).filter_by(entity_type="sessions", action=AuditAction.UPDATE).one()
    assert {"title", "date", "start_time", "end_time", "capacity"} <= set(audit.changed_fields)


def test_a_bad_edit_changes_nothing(client, login_as, post_form, db):
    session = SessionFactory(title="Keep me", capacity=10)
    login_as(Role.COORDINATOR)
    response = post_form(f"/sessions/{session.id}/edit", form_data(title="Changed", capacity="-1", end_time="09:00"))
    page = response.get_data(as_text=True)
    assert "Capacity must be a whole number, 0 or more" in page
    assert "End time must be after the start time" in page
    db.session.refresh(session)
    assert (session.title, session.capacity) == ("Keep me", 10)
    assert db.session.query(AuditEvent).filter_by(entity_type="sessions").count() == 0


def test_cancel_asks_first_then_cancels_and_can_be_reinstated(client, login_as, post_form, db):
    session = SessionFactory(title="Baby massage panel")
    login_as(Role.COORDINATOR)
    url = f"/sessions/{session.id}/cancel"
    confirm = client.get(url).get_data(as_text=True)
    assert "Are you sure you want to cancel Baby massage panel?" in confirm
    db.session.refresh(session)
    assert not session.cancelled
    response = post_form(url, {"reason": "Venue flooded"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Baby massage panel has been cancelled" in page and "Venue flooded" in page
    db.session.refresh(session)
    assert session.cancelled and session.cancelled_reason == "Venue flooded"
    listing = client.get("/sessions/").get_data(as_text=True)
    tagged = r'Baby massage panel</a>\s*<strong class="govuk-tag govuk-tag--red">Cancelled'
    assert re.search(tagged, listing)
    cancel_audit = db.session.query(AuditEvent).filter_by(entity_type="sessions").one()
    assert cancel_audit.action == AuditAction.CANCEL

    response = post_form(
        f"/sessions/{session.id}/reinstate", {}, form_url=f"/sessions/{session.id}", follow_redirects=True
    )
    assert "Baby massage panel has been reinstated" in response.get_data(as_text=True)
    db.session.refresh(session)
    assert not session.cancelled and session.cancelled_reason is None
    assert db.session.query(AuditEvent).filter_by(entity_type="sessions").count() == 2


def test_cancelling_twice_does_nothing_more(client, login_as, post_form, db):
    session = SessionFactory(title="Once only")
    login_as(Role.COORDINATOR)
    post_form(f"/sessions/{session.id}/cancel", {"reason": ""})
    response = client.get(f"/sessions/{session.id}/cancel", follow_redirects=True)
    assert "Once only is already cancelled" in response.get_data(as_text=True)
    assert db.session.query(AuditEvent).filter_by(action=AuditAction.CANCEL).count() == 1


def test_a_too_long_cancel_reason_is_refused(client, login_as, post_form, db):
    session = SessionFactory()
    login_as(Role.COORDINATOR)
    response = post_form(f"/sessions/{session.id}/cancel", {"reason": "x" * 301})
    assert "Reason must be 300 characters or fewer" in response.get_data(as_text=True)
    db.session.refresh(session)
    assert not session.cancelled


def test_events_list_counts_sessions_and_dates_in_sql(client, login_as, db):
    week = EventFactory(name="Co-production Week 2026")
    EventFactory(name="Empty event")
    SessionFactory(event=week, date=dt.date(2026, 3, 2))
    SessionFactory(event=week, date=dt.date(2026, 3, 6))
    SessionFactory(event=week, date=dt.date(2026, 3, 4))
    SessionFactory(event=week, date=dt.date(2026, 3, 9), cancelled_at=dt.datetime.now(dt.UTC))
    login_as(Role.CHAMPION)
    page = client.get("/sessions/events/").get_data(as_text=True)
    row = re.search(r"Co-production Week 2026</a></td>(.*?)</tr>", page, re.S).group(1)
    cells = re.findall(r'<td class="govuk-table__cell[^"]*">([^<]*)</td>', row)
    assert cells == ["3", "2 March 2026", "6 March 2026"]
    empty = re.search(r"Empty event</a></td>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r'<td class="govuk-table__cell[^"]*">([^<]*)</td>', empty) == ["0", "", ""]


def test_event_page_lists_its_sessions_in_order(client, login_as, db):
    week = EventFactory(name="Who's the Expert? 2026")
    SessionFactory(title="Closing keynote", event=week, date=dt.date(2026, 6, 2))
    SessionFactory(title="Opening keynote", event=week, date=dt.date(2026, 6, 1))
    SessionFactory(title="Somewhere else")
    login_as(Role.CHAMPION)
    page = client.get(f"/sessions/events/{week.id}").get_data(as_text=True)
    assert titles_in_order(page) == ["Opening keynote", "Closing keynote"]


def test_coordinator_adds_and_renames_an_event_and_adds_a_session_to_it(client, login_as, post_form, db):
    login_as(Role.COORDINATOR)
    response = post_form(
        "/sessions/events/new", {"name": "Family Festival", "description": "Summer day"}, follow_redirects=True
    )
    assert "Family Festival has been added" in response.get_data(as_text=True)
    event = db.session.query(Event).one()
    assert db.session.query(AuditEvent).filter_by(entity_type="events", action=AuditAction.CREATE).count() == 1
    duplicate = post_form("/sessions/events/new", {"name": "family festival"})
    assert "An event with this name already exists" in duplicate.get_data(as_text=True)
    assert db.session.query(Event).count() == 1
    response = post_form(
        f"/sessions/events/{event.id}/edit",
        {"name": "Family Festival 2026", "description": "Summer day"},
        follow_redirects=True,
    )
    assert "Changes saved" in response.get_data(as_text=True)
    db.session.refresh(event)
    assert event.name == "Family Festival 2026"
    new_form = client.get(f"/sessions/new?event_id={event.id}").get_data(as_text=True)
    assert f'<option value="{event.id}" selected>' in new_form


def test_champion_cannot_add_events(client, login_as, db):
    login_as(Role.CHAMPION)
    assert client.get("/sessions/events/").status_code == 200
    assert client.get("/sessions/events/new").status_code == 403


def test_a_session_year_far_outside_the_programme_is_refused(client, login_as, post_form, db):
    from datetime import date

    from crm.models import Session

    login_as("coordinator")
    for year in ("0001", "9999"):
        response = post_form(
            "/sessions/new",
            {
                "title": "Typo year",
                "date": ["1", "1", year],
                "start_time": "10:00",
                "end_time": "11:00",
                "format": "in_person",
                "kind": "co_design_workshop",
                "involvement_level": "engaging",
            },
        )
        assert f"Enter a date between 1990 and {date.today().year + 10}" in response.get_data(as_text=True), year
    assert db.session.query(Session).filter_by(title="Typo year").count() == 0
