"""Contributions: adding them for attendees after a session, changing them, "you said, we did"
follow-ups, the list of them, and the session page's section."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from crm.models import AuditEvent, Contribution, Participation, Session, Theme
from crm.models.enums import (
    AuditAction,
    ContributionKind,
    FollowUpStatus,
    ParticipationRole,
    ParticipationSource,
    ParticipationStatus,
    Role,
)
from crm.services import contributions as contributions_service
from crm.services.errors import InvalidInput
from tests.conftest import count_queries, csrf_token
from tests.factories import PersonFactory, SessionFactory

LAST_WEEK = dt.date.today() - dt.timedelta(days=7)
NEXT_WEEK = dt.date.today() + dt.timedelta(days=7)


def attend(session, person, status=ParticipationStatus.ATTENDED, role=ParticipationRole.PARTICIPANT):
    participation = Participation(
        session_id=session.id, person_id=person.id, status=status, role=role, source=ParticipationSource.REGISTER
    )
    from crm.extensions import db

    db.session.add(participation)
    db.session.flush()
    return participation


def contribute(participation, summary="More evening sessions, please", **changes) -> Contribution:
    from crm.extensions import db

    values = {"kind": ContributionKind.IDEA, "summary": summary, "consent_to_quote": False} | changes
    contribution = Contribution(participation_id=participation.id, **values)
    db.session.add(contribution)
    db.session.flush()
    return contribution


def add_data(person, **changes) -> dict:
    data = {"kind": "idea", "summary": "Hold sessions after school pick-up", "consent_to_quote": "yes"} | changes
    return {f"person-{person.id}-{key}": value for key, value in data.items()}


@pytest.fixture
def held(db):
    """A session held last week with two attendees and one who sent apologies."""
    session = SessionFactory(title="Speech and language co-design", date=LAST_WEEK)
    jo = PersonFactory(first_name="Jo", last_name="Sample")
    amir = PersonFactory(first_name="Amir", last_name="Ahmed")
    away = PersonFactory(first_name="Pat", last_name="Away")
    attend(session, jo)
    attend(session, amir, role=ParticipationRole.FACILITATOR)
    attend(session, away, status=ParticipationStatus.APOLOGIES)
    db.session.commit()
    return session, jo, amir, away


def contributions_of(db, person) -> list[Contribution]:
    return (
        db.session.query(Contribution)
        .join(Participation)
        .filter(Participation.person_id == person.id)
        .order_by(Contribution.id)
        .all()
    )


# The session's contributions page


def test_champion_sees_each_attendee_by_name_with_an_add_form(client, login_as, held):
    session, jo, amir, away = held
    login_as(Role.CHAMPION)
    page = client.get(f"/sessions/{session.id}/contributions").get_data(as_text=True)
    names = re.findall(
        r'class="govuk-summary-card__title">\s*<a class="govuk-link" href="/people/\d+">([^<]+)</a>', page
    )
    assert names == ["Amir Ahmed", "Jo Sample"]
    assert "Pat Away" not in page
    assert "Facilitator" in page
    assert page.count("Add a contribution") == 2
    assert f'name="person-{jo.id}-summary"' in page and f'name="person-{amir.id}-kind"' in page
    assert "Only say yes if they agreed their words may be quoted in reports." in page


def test_with_nobody_attended_the_page_says_so_and_links_to_the_register(client, login_as, db):
    session = SessionFactory(date=LAST_WEEK)
    attend(session, PersonFactory(), status=ParticipationStatus.REGISTERED)
    db.session.commit()
    login_as(Role.CHAMPION)
    page = client.get(f"/sessions/{session.id}/contributions").get_data(as_text=True)
    assert "Nobody is marked as attended at this session yet" in page
    assert f'href="/sessions/{session.id}/register"' in page
    assert "Add a contribution" not in page


def test_champion_adds_a_contribution_for_an_attendee(client, login_as, post_form, held, db):
    session, jo, _amir, _away = held
    user = login_as(Role.CHAMPION)
    url = f"/sessions/{session.id}/people/{jo.id}/contributions"
    response = post_form(url, add_data(jo), form_url=f"/sessions/{session.id}/contributions")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sessions/{session.id}/contributions#person-{jo.id}")
    [contribution] = contributions_of(db, jo)
    assert contribution.kind == ContributionKind.IDEA
    assert contribution.summary == "Hold sessions after school pick-up"
    assert contribution.consent_to_quote is True
    assert contribution.follow_up == FollowUpStatus.OPEN
    assert contribution.recorded_by_id == user.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Contribution added for Jo Sample." in page
    assert "Hold sessions after school pick-up" in page
    assert "May be quoted" in page


def test_a_second_contribution_for_the_same_person_is_kept_too(client, login_as, post_form, held, db):
    session, jo, _amir, _away = held
    login_as(Role.CHAMPION)
    url = f"/sessions/{session.id}/people/{jo.id}/contributions"
    form_url = f"/sessions/{session.id}/contributions"
    post_form(url, add_data(jo), form_url=form_url)
    post_form(
        url, add_data(jo, kind="lived_experience", summary="Waited months", consent_to_quote="no"), form_url=form_url
    )
    kinds = [c.kind for c in contributions_of(db, jo)]
    assert kinds == [ContributionKind.IDEA, ContributionKind.LIVED_EXPERIENCE]


def test_adding_for_someone_who_did_not_attend_is_refused(client, login_as, post_form, held, db):
    session, _jo, _amir, away = held
    login_as(Role.CHAMPION)
    form_url = f"/sessions/{session.id}/contributions"
    response = post_form(f"/sessions/{session.id}/people/{away.id}/contributions", add_data(away), form_url=form_url)
    assert response.status_code == 400
    assert "Pat Away is not marked as attended at this session" in response.get_data(as_text=True)
    assert contributions_of(db, away) == []


def test_adding_for_someone_not_at_the_session_is_not_found(client, login_as, post_form, held, db):
    session, _jo, _amir, _away = held
    stranger = PersonFactory()
    db.session.commit()
    login_as(Role.CHAMPION)
    form_url = f"/sessions/{session.id}/contributions"
    response = post_form(
        f"/sessions/{session.id}/people/{stranger.id}/contributions", add_data(stranger), form_url=form_url
    )
    assert response.status_code == 404
    assert db.session.query(Contribution).count() == 0


def test_a_cancelled_session_takes_no_contributions(client, login_as, post_form, held, db):
    session, jo, _amir, _away = held
    login_as(Role.CHAMPION)
    token = csrf_token(client.get(f"/sessions/{session.id}/contributions"))
    session.cancelled_at = dt.datetime.now(dt.UTC)
    session.cancelled_reason = "Venue flooded"
    db.session.commit()
    page = client.get(f"/sessions/{session.id}/contributions").get_data(as_text=True)
    assert "This session was cancelled" in page and "Venue flooded" in page
    assert "so no contributions can be added" in page
    assert "<form" not in page.split("<main", 1)[1] and "Add a contribution" not in page
    response = client.post(
        f"/sessions/{session.id}/people/{jo.id}/contributions", data={"csrf_token": token, **add_data(jo)}
    )
    assert response.status_code == 409
    assert "This session was cancelled" in response.get_data(as_text=True)
    assert contributions_of(db, jo) == []


def test_a_session_not_held_yet_takes_no_contributions(client, login_as, db):
    session = SessionFactory(title="Autumn planning day", date=NEXT_WEEK)
    jo = PersonFactory(first_name="Jo", last_name="Sample")
    # Marked as attended ahead of time, say by an import run against the wrong session.
    attend(session, jo)
    db.session.commit()
    login_as(Role.CHAMPION)
    page = client.get(f"/sessions/{session.id}/contributions").get_data(as_text=True)
    assert "This session has not happened yet" in page
    assert "Add a contribution" not in page
    token = csrf_token(client.get("/home"))
    response = client.post(
        f"/sessions/{session.id}/people/{jo.id}/contributions", data={"csrf_token": token, **add_data(jo)}
    )
    assert response.status_code == 409
    assert "This session has not happened yet" in response.get_data(as_text=True)
    assert contributions_of(db, jo) == []


def test_today_s_session_takes_contributions(client, login_as, post_form, db):
    session = SessionFactory(date=dt.date.today())
    jo = PersonFactory(first_name="Jo", last_name="Sample")
    attend(session, jo)
    db.session.commit()
    login_as(Role.CHAMPION)
    response = post_form(
        f"/sessions/{session.id}/people/{jo.id}/contributions",
        add_data(jo),
        form_url=f"/sessions/{session.id}/contributions",
    )
    assert response.status_code == 302
    assert len(contributions_of(db, jo)) == 1


def test_the_service_refuses_contributions_at_a_cancelled_or_future_session(db):
    data = {"kind": "idea", "summary": "Hi", "consent_to_quote": False}
    cancelled = SessionFactory(date=LAST_WEEK, cancelled_at=dt.datetime.now(dt.UTC))
    future = SessionFactory(date=NEXT_WEEK)
    for session, message in (
        (cancelled, "This session was cancelled, so no contributions can be added"),
        (future, "This session has not happened yet, so no contributions can be added"),
    ):
        participation = attend(session, PersonFactory())
        with pytest.raises(InvalidInput) as error:
            contributions_service.add_contribution(participation, data, None)
        assert error.value.message == message
    assert db.session.query(Contribution).count() == 0


def test_an_empty_form_shows_what_to_fix_and_writes_nothing(client, login_as, post_form, held, db):
    session, jo, _amir, _away = held
    login_as(Role.CHAMPION)
    form_url = f"/sessions/{session.id}/contributions"
    response = post_form(
        f"/sessions/{session.id}/people/{jo.id}/contributions",
        {f"person-{jo.id}-summary": "   "},
        form_url=form_url,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Choose the kind of contribution" in page
    assert "Enter a short summary of what they contributed" in page
    assert "Choose yes if they agreed their words may be quoted, or no" in page
    # The error summary links to this attendee's fields, and their form is open.
    assert f'href="#person-{jo.id}-kind"' in page
    assert re.search(r'<details class="govuk-details[^"]*" open>', page)
    assert db.session.query(Contribution).count() == 0
    assert db.session.query(AuditEvent).filter_by(entity_type="contributions").count() == 0


def test_a_summary_over_2000_characters_is_refused(client, login_as, post_form, held, db):
    session, jo, _amir, _away = held
    login_as(Role.CHAMPION)
    response = post_form(
        f"/sessions/{session.id}/people/{jo.id}/contributions",
        add_data(jo, summary="a" * 2001),
        form_url=f"/sessions/{session.id}/contributions",
    )
    page = response.get_data(as_text=True)
    assert "Summary must be 2,000 characters or fewer" in page
    assert "a" * 2001 in page  # what they typed is kept
    assert db.session.query(Contribution).count() == 0


def test_the_audit_log_names_fields_but_never_holds_the_summary(client, login_as, post_form, held, db):
    session, jo, _amir, _away = held
    user = login_as(Role.CHAMPION)
    secret = "My son was bullied at nursery"
    post_form(
        f"/sessions/{session.id}/people/{jo.id}/contributions",
        add_data(jo, summary=secret, kind="lived_experience"),
        form_url=f"/sessions/{session.id}/contributions",
    )
    [contribution] = contributions_of(db, jo)
    post_form(
        f"/contributions/{contribution.id}/edit",
        {"kind": "lived_experience", "summary": secret + " last year", "consent_to_quote": "no"},
    )
    post_form(
        f"/contributions/{contribution.id}/follow-up",
        {"follow_up": "not_taken_forward", "why_not": "Passed to the nursery's own complaints process"},
    )
    events = db.session.query(AuditEvent).filter_by(entity_type="contributions").order_by(AuditEvent.id).all()
    assert [e.action for e in events] == [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.UPDATE]
    assert {e.entity_id for e in events} == {contribution.id}
    assert {e.user_id for e in events} == {user.id}
    assert events[0].changed_fields == ["consent_to_quote", "kind", "participation_id", "summary"]
    assert events[1].changed_fields == ["consent_to_quote", "summary"]
    assert events[2].changed_fields == ["follow_up", "follow_up_note", "followed_up_on"]
    for event in events:
        stored = f"{event.changed_fields} {event.detail}"
        assert "bullied" not in stored and "complaints" not in stored


# Changing a contribution


def test_champion_changes_a_contribution(client, login_as, post_form, held, db):
    session, jo, _amir, _away = held
    contribution = contribute(db.session.get(Participation, attended_id(db, session, jo)))
    db.session.commit()
    login_as(Role.CHAMPION)
    form = client.get(f"/contributions/{contribution.id}/edit").get_data(as_text=True)
    assert "Jo Sample at Speech and language co-design" in form
    assert "More evening sessions, please</textarea>" in form
    response = post_form(
        f"/contributions/{contribution.id}/edit",
        {"kind": "feedback", "summary": "Evening sessions would help working parents", "consent_to_quote": "yes"},
        follow_redirects=True,
    )
    assert "Contribution updated." in response.get_data(as_text=True)
    db.session.refresh(contribution)
    assert contribution.kind == ContributionKind.FEEDBACK
    assert contribution.summary == "Evening sessions would help working parents"
    assert contribution.consent_to_quote is True


def test_saving_a_contribution_unchanged_says_so(client, login_as, post_form, held, db):
    session, jo, _amir, _away = held
    contribution = contribute(db.session.get(Participation, attended_id(db, session, jo)))
    db.session.commit()
    login_as(Role.CHAMPION)
    response = post_form(
        f"/contributions/{contribution.id}/edit",
        {"kind": "idea", "summary": "More evening sessions, please", "consent_to_quote": "no"},
        follow_redirects=True,
    )
    assert "Nothing was changed." in response.get_data(as_text=True)
    assert db.session.query(AuditEvent).filter_by(entity_type="contributions").count() == 0


def test_a_bad_edit_shows_messages_and_keeps_the_stored_contribution(client, login_as, post_form, held, db):
    session, jo, _amir, _away = held
    contribution = contribute(db.session.get(Participation, attended_id(db, session, jo)))
    db.session.commit()
    login_as(Role.CHAMPION)
    response = post_form(f"/contributions/{contribution.id}/edit", {"kind": "gossip", "summary": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose the kind of contribution" in page
    assert "Enter a short summary of what they contributed" in page
    db.session.refresh(contribution)
    assert (contribution.kind, contribution.summary) == (ContributionKind.IDEA, "More evening sessions, please")


def test_after_saving_it_goes_back_where_it_came_from_but_only_on_this_site(client, login_as, post_form, held, db):
    session, jo, _amir, _away = held
    contribution = contribute(db.session.get(Participation, attended_id(db, session, jo)))
    db.session.commit()
    login_as(Role.CHAMPION)
    data = {"kind": "idea", "summary": "Changed", "consent_to_quote": "no"}
    url = f"/contributions/{contribution.id}/edit"
    response = post_form(f"{url}?next=/contributions?follow_up=all", data)
    assert response.headers["Location"] == "/contributions?follow_up=all"
    response = post_form(f"{url}?next=https://example.net/", data)
    assert response.headers["Location"] == f"/sessions/{session.id}/contributions#person-{jo.id}"


# Follow-up: you said, we did


def test_acted_on_needs_what_changed_and_when(client, login_as, post_form, held, db):
    session, jo, _amir, _away = held
    contribution = contribute(db.session.get(Participation, attended_id(db, session, jo)))
    db.session.commit()
    login_as(Role.CHAMPION)
    url = f"/contributions/{contribution.id}/follow-up"
    page = post_form(url, {"follow_up": "acted_on"}).get_data(as_text=True)
    assert "Enter what changed" in page
    assert "Enter the date it changed" in page
    db.session.refresh(contribution)
    assert contribution.follow_up == FollowUpStatus.OPEN

    page = post_form(url, {"follow_up": "acted_on", "what_changed": "x", "changed_on": ["31", "2", "2026"]})
    assert "Enter a real date" in page.get_data(as_text=True)

    tomorrow = dt.date.today() + dt.timedelta(days=1)
    future = [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)]
    page = post_form(url, {"follow_up": "acted_on", "what_changed": "x", "changed_on": future})
    assert "Date it changed must be today or in the past" in page.get_data(as_text=True)

    before = LAST_WEEK - dt.timedelta(days=1)
    page = post_form(
        url,
        {
            "follow_up": "acted_on",
            "what_changed": "x",
            "changed_on": [str(before.day), str(before.month), str(before.year)],
        },
    )
    assert "Date it changed must be on or after the session" in page.get_data(as_text=True)
    db.session.refresh(contribution)
    assert contribution.follow_up == FollowUpStatus.OPEN
    assert contribution.follow_up_note is None

    today = dt.date.today()
    response = post_form(
        url,
        {
            "follow_up": "acted_on",
            "what_changed": "Thursday sessions now start at 6pm",
            "changed_on": [str(today.day), str(today.month), str(today.year)],
        },
        follow_redirects=True,
    )
    assert "Follow-up saved." in response.get_data(as_text=True)
    db.session.refresh(contribution)
    assert contribution.follow_up == FollowUpStatus.ACTED_ON
    assert contribution.follow_up_note == "Thursday sessions now start at 6pm"
    assert contribution.followed_up_on == today


def test_not_taken_forward_needs_why(client, login_as, post_form, held, db):
    session, jo, _amir, _away = held
    contribution = contribute(db.session.get(Participation, attended_id(db, session, jo)))
    db.session.commit()
    login_as(Role.COORDINATOR)
    url = f"/contributions/{contribution.id}/follow-up"
    # A half-typed date under another choice does not matter.
    page = post_form(url, {"follow_up": "not_taken_forward", "why_not": " ", "changed_on": ["3", "", ""]})
    text = page.get_data(as_text=True)
    assert "Enter why it was not taken forward" in text
    assert "must include a month" not in text
    db.session.refresh(contribution)
    assert contribution.follow_up == FollowUpStatus.OPEN

    post_form(url, {"follow_up": "not_taken_forward", "why_not": "The venue closes at 5pm"})
    db.session.refresh(contribution)
    assert contribution.follow_up == FollowUpStatus.NOT_TAKEN_FORWARD
    assert contribution.follow_up_note == "The venue closes at 5pm"
    assert contribution.followed_up_on is not None


def test_reopening_a_follow_up_clears_what_was_recorded(client, login_as, post_form, held, db):
    session, jo, _amir, _away = held
    contribution = contribute(
        db.session.get(Participation, attended_id(db, session, jo)),
        follow_up=FollowUpStatus.ACTED_ON,
        follow_up_note="Done",
        followed_up_on=dt.date.today(),
    )
    db.session.commit()
    login_as(Role.CHAMPION)
    form = client.get(f"/contributions/{contribution.id}/follow-up").get_data(as_text=True)
    assert 'value="acted_on" checked' in form and "Done</textarea>" in form
    post_form(f"/contributions/{contribution.id}/follow-up", {"follow_up": "open"})
    db.session.refresh(contribution)
    assert (contribution.follow_up, contribution.follow_up_note, contribution.followed_up_on) == (
        FollowUpStatus.OPEN,
        None,
        None,
    )


def test_the_service_refuses_a_contribution_from_someone_who_did_not_attend(held, db):
    session, _jo, _amir, away = held
    participation = db.session.query(Participation).filter_by(session_id=session.id, person_id=away.id).one()
    with pytest.raises(InvalidInput) as error:
        contributions_service.add_contribution(
            participation, {"kind": "idea", "summary": "Hi", "consent_to_quote": False}, None
        )
    assert "marked as attended" in error.value.message
    assert db.session.query(Contribution).count() == 0


def test_the_service_checks_every_field(held, db):
    session, jo, _amir, _away = held
    participation = db.session.get(Participation, attended_id(db, session, jo))
    with pytest.raises(InvalidInput) as error:
        contributions_service.add_contribution(
            participation, {"kind": "rumour", "summary": "", "consent_to_quote": "yes"}, None
        )
    assert set(error.value.fields) == {"kind", "summary", "consent_to_quote"}
    contribution = contribute(participation)
    with pytest.raises(InvalidInput) as error:
        contributions_service.record_follow_up(contribution, "done", None)
    assert error.value.fields == {"follow_up": "Choose open, acted on or not taken forward"}


# The "you said, we did" list


@pytest.fixture
def history(db):
    """Contributions at two sessions with different themes, kinds and follow-ups."""
    themes = db.session.query(Theme).order_by(Theme.name).limit(2).all()
    older = SessionFactory(title="Spring panel", date=LAST_WEEK - dt.timedelta(days=60), theme=themes[0])
    newer = SessionFactory(title="Summer workshop", date=LAST_WEEK, theme=themes[1])
    jo, sam = PersonFactory(first_name="Jo", last_name="Sample"), PersonFactory(first_name="Sam", last_name="Other")
    contribute(attend(older, jo), summary="Older open idea")
    contribute(
        attend(older, sam),
        summary="Older acted-on feedback",
        kind=ContributionKind.FEEDBACK,
        follow_up=FollowUpStatus.ACTED_ON,
        follow_up_note="Leaflet rewritten",
        followed_up_on=LAST_WEEK,
    )
    contribute(attend(newer, jo), summary="Newer open story", kind=ContributionKind.LIVED_EXPERIENCE)
    db.session.commit()
    return themes


def summaries(page: str) -> list[str]:
    return re.findall(r'<dd class="govuk-summary-list__value"><p class="govuk-body[^"]*">([^<]+)</p>', page)


def test_the_list_shows_open_contributions_newest_session_first(client, login_as, history):
    login_as(Role.CHAMPION)
    page = client.get("/contributions").get_data(as_text=True)
    assert summaries(page) == ["Newer open story", "Older open idea"]
    assert "Summer workshop" in page and "Jo Sample" in page
    assert 'class="govuk-tag govuk-tag--grey">Open<' in page


def test_the_list_filters_by_follow_up_theme_and_kind(client, login_as, history):
    older_theme, newer_theme = history
    login_as(Role.MANAGER)
    page = client.get("/contributions?follow_up=acted_on").get_data(as_text=True)
    assert summaries(page) == ["Older acted-on feedback"]
    assert 'govuk-tag--green">Acted on<' in page and "Leaflet rewritten" in page
    page = client.get("/contributions", query_string={"follow_up": "all"}).get_data(as_text=True)
    assert summaries(page) == ["Newer open story", "Older open idea", "Older acted-on feedback"]
    page = client.get("/contributions", query_string={"follow_up": "all", "theme": older_theme.id}).get_data(
        as_text=True
    )
    assert summaries(page) == ["Older open idea", "Older acted-on feedback"]
    page = client.get("/contributions", query_string={"follow_up": "all", "kind": "lived_experience"}).get_data(
        as_text=True
    )
    assert summaries(page) == ["Newer open story"]
    page = client.get("/contributions", query_string={"follow_up": "not_taken_forward"}).get_data(as_text=True)
    assert summaries(page) == []
    assert "No contributions match these filters" in page


def test_the_list_ignores_unknown_filters_and_pages(client, login_as, history):
    login_as(Role.CHAMPION)
    page = client.get("/contributions?follow_up=bogus&kind=nonsense&theme=abc").get_data(as_text=True)
    assert summaries(page) == ["Newer open story", "Older open idea"]
    page = client.get("/contributions?follow_up=all&per_page=2&page=2").get_data(as_text=True)
    assert summaries(page) == ["Older acted-on feedback"]
    assert "Showing 3 to 3 of 3 results" in page


def test_the_list_filters_by_consent_to_quote_and_session(client, login_as, history, db):
    login_as(Role.CHAMPION)
    older = db.session.query(Session).filter_by(title="Spring panel").one()
    newer = db.session.query(Session).filter_by(title="Summer workshop").one()
    quoted = db.session.query(Contribution).filter_by(summary="Older open idea").one()
    quoted.consent_to_quote = True
    db.session.commit()
    page = client.get("/contributions", query_string={"follow_up": "all", "quote": "yes"}).get_data(as_text=True)
    assert summaries(page) == ["Older open idea"]
    assert '<option value="yes" selected>Yes</option>' in page
    page = client.get("/contributions", query_string={"follow_up": "all", "session": older.id}).get_data(as_text=True)
    assert summaries(page) == ["Older open idea", "Older acted-on feedback"]
    page = client.get("/contributions", query_string={"session": newer.id, "quote": "yes"}).get_data(as_text=True)
    assert summaries(page) == []
    assert "No contributions match these filters" in page
    # Anything else means "any".
    page = client.get("/contributions", query_string={"quote": "maybe", "session": "x"}).get_data(as_text=True)
    assert summaries(page) == ["Newer open story", "Older open idea"]


def test_the_session_filter_offers_sessions_with_contributions_newest_first(client, login_as, history, db):
    SessionFactory(title="Nobody said anything", date=LAST_WEEK)
    db.session.commit()
    login_as(Role.CHAMPION)
    page = client.get("/contributions").get_data(as_text=True)
    select = page[page.index('<select class="govuk-select" id="session"') :]
    select = select[: select.index("</select>")]
    assert re.findall(r"<option[^>]*>([^<]+)</option>", select) == [
        "Any session",
        f"Summer workshop, {LAST_WEEK.day} {LAST_WEEK:%B %Y}",
        f"Spring panel, {(LAST_WEEK - dt.timedelta(days=60)).day} {LAST_WEEK - dt.timedelta(days=60):%B %Y}",
    ]


def test_the_list_makes_the_same_number_of_queries_for_3_or_30_contributions(client, login_as, db):
    login_as(Role.CHAMPION)

    def add(count: int) -> None:
        for n in range(count):
            session = SessionFactory(date=LAST_WEEK - dt.timedelta(days=n), theme=db.session.query(Theme).first())
            contribute(attend(session, PersonFactory()), summary=f"Idea {n}")
        db.session.commit()

    def open_list() -> None:
        page = client.get("/contributions", query_string={"per_page": 50})
        assert page.status_code == 200

    add(3)
    with_three = count_queries(db, open_list)
    add(27)
    with_thirty = count_queries(db, open_list)
    assert with_three == with_thirty
    assert len(summaries(client.get("/contributions?per_page=50").get_data(as_text=True))) == 30


def test_the_header_links_to_the_list(client, login_as):
    login_as(Role.CHAMPION)
    page = client.get("/home").get_data(as_text=True)
    assert '<a class="app-header__nav-link" href="/contributions">You said, we did</a>' in page


def current_nav_item(page: str) -> list[str]:
    return re.findall(r'class="app-header__nav-link" href="[^"]*" aria-current="page">([^<]+)</a>', page)


def test_the_header_highlights_sessions_on_a_session_s_contributions(client, login_as, held, db):
    session, jo, _amir, _away = held
    contribution = contribute(db.session.get(Participation, attended_id(db, session, jo)))
    db.session.commit()
    login_as(Role.ADMIN)
    expected = {
        "/contributions": ["You said, we did"],
        f"/sessions/{session.id}/contributions": ["Sessions"],
        f"/contributions/{contribution.id}/edit": ["Sessions"],
        f"/contributions/{contribution.id}/follow-up": ["Sessions"],
        f"/sessions/{session.id}": ["Sessions"],
        "/sessions/": ["Sessions"],
        "/people/": ["People"],
        f"/people/{jo.id}": ["People"],
        "/organisations/": ["Organisations"],
        "/admin/": ["Admin"],
        "/home": [],
    }
    for url, items in expected.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert current_nav_item(response.get_data(as_text=True)) == items, url


# The session page


def test_session_page_lists_contributions_by_kind_with_their_follow_up(client, login_as, held, db):
    session, jo, amir, _away = held
    contribute(db.session.get(Participation, attended_id(db, session, jo)), summary="Jo's idea")
    contribute(
        db.session.get(Participation, attended_id(db, session, amir)),
        summary="Amir's feedback",
        kind=ContributionKind.FEEDBACK,
        follow_up=FollowUpStatus.NOT_TAKEN_FORWARD,
        follow_up_note="Out of budget",
        consent_to_quote=True,
    )
    contribute(
        db.session.get(Participation, attended_id(db, session, amir)),
        summary="Amir's idea",
        follow_up=FollowUpStatus.ACTED_ON,
        follow_up_note="Done",
        followed_up_on=LAST_WEEK,
    )
    db.session.commit()
    login_as(Role.CHAMPION)
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    section = page[page.index('id="contributions"') :]
    assert re.findall(r'<h3 class="govuk-heading-s">([^<]+)</h3>', section) == ["Idea (2)", "Feedback (1)"]
    assert section.index("Jo&#39;s idea") < section.index("Amir&#39;s idea") < section.index("Amir&#39;s feedback")
    assert 'govuk-tag--grey">Open<' in section
    assert 'govuk-tag--green">Acted on<' in section
    assert 'govuk-tag--orange">Not taken forward<' in section
    assert section.count("May be quoted") == 1
    assert f'href="/sessions/{session.id}/contributions"' in section


def test_session_page_shows_when_each_follow_up_was_recorded(client, login_as, held, db):
    session, jo, amir, _away = held
    contribute(
        db.session.get(Participation, attended_id(db, session, jo)),
        follow_up=FollowUpStatus.ACTED_ON,
        follow_up_note="Evening sessions start in May",
        followed_up_on=dt.date(2026, 3, 3),
    )
    contribute(
        db.session.get(Participation, attended_id(db, session, amir)),
        follow_up=FollowUpStatus.NOT_TAKEN_FORWARD,
        follow_up_note="Out of budget",
        followed_up_on=dt.date(2026, 2, 14),
    )
    db.session.commit()
    login_as(Role.CHAMPION)
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    section = page[page.index('id="contributions"') :]
    assert "We did (3 March 2026): Evening sessions start in May" in section
    assert "Why not (14 February 2026): Out of budget" in section


def top_of(page: str) -> str:
    """The session page's heading and buttons, before its details."""
    return page[page.index("<h1") : page.index(">Details</h2>")]


def test_a_held_session_offers_the_register_and_contributions_at_the_top(client, login_as, held):
    session, _jo, _amir, _away = held
    login_as(Role.CHAMPION)
    top = top_of(client.get(f"/sessions/{session.id}").get_data(as_text=True))
    assert f'<a class="govuk-button" href="/sessions/{session.id}/register">Open register</a>' in top
    assert f'href="/sessions/{session.id}/contributions">Add contributions</a>' in top
    # Beside "Edit details" for those who may edit the session.
    login_as(Role.COORDINATOR)
    top = top_of(client.get(f"/sessions/{session.id}").get_data(as_text=True))
    assert top.index("Open register") < top.index("Edit details")


def test_contributions_are_offered_only_once_someone_attended(client, login_as, db):
    session = SessionFactory(date=LAST_WEEK)
    attend(session, PersonFactory(), status=ParticipationStatus.REGISTERED)
    db.session.commit()
    login_as(Role.CHAMPION)
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "Open register" in top_of(page)
    assert "Add contributions" not in page


def test_a_future_or_cancelled_session_offers_no_register_or_contributions(client, login_as, held, db):
    held_session, _jo, _amir, _away = held
    future = SessionFactory(date=NEXT_WEEK)
    attend(future, PersonFactory())
    held_session.cancelled_at = dt.datetime.now(dt.UTC)
    db.session.commit()
    login_as(Role.COORDINATOR)
    for session in (future, held_session):
        page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
        top = top_of(page)
        assert "Edit details" in top
        assert "Open register" not in top
        assert "Add contributions" not in page and "Add or change contributions" not in page


def test_session_page_without_contributions_says_so(client, login_as, db):
    session = SessionFactory()
    db.session.commit()
    login_as(Role.CHAMPION)
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "No contributions have been recorded for this session yet." in page


# Who may do what


def test_every_role_may_record_contributions(client, login_as, post_form, held, db):
    session, jo, _amir, _away = held
    for role in Role:
        login_as(role)
        response = post_form(
            f"/sessions/{session.id}/people/{jo.id}/contributions",
            add_data(jo, summary=f"From a {role.value}"),
            form_url=f"/sessions/{session.id}/contributions",
        )
        assert response.status_code == 302, role
    assert len(contributions_of(db, jo)) == len(Role)


def test_signed_out_visitors_are_sent_to_sign_in(client, held, db):
    session, jo, _amir, _away = held
    contribution = contribute(db.session.get(Participation, attended_id(db, session, jo)))
    db.session.commit()
    for url in (
        f"/sessions/{session.id}/contributions",
        f"/contributions/{contribution.id}/edit",
        f"/contributions/{contribution.id}/follow-up",
        "/contributions",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], url


def test_a_disabled_account_cannot_add(client, login_as, post_form, held, db):
    session, jo, _amir, _away = held
    user = login_as(Role.CHAMPION)
    token = csrf_token(client.get(f"/sessions/{session.id}/contributions"))
    user.enabled = False
    db.session.commit()
    response = client.post(
        f"/sessions/{session.id}/people/{jo.id}/contributions", data={"csrf_token": token, **add_data(jo)}
    )
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert contributions_of(db, jo) == []


def attended_id(db, session, person) -> int:
    return db.session.query(Participation.id).filter_by(session_id=session.id, person_id=person.id).scalar()
