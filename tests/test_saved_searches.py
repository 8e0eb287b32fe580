"""Saved searches: a stored filter (not a list) with its current count, run and deleted."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from crm.models import AuditEvent, Participation, SavedSearch
from crm.models.enums import AuditAction, PersonType, Role
from tests.conftest import csrf_token
from tests.factories import ConsentFactory, PersonFactory, SessionFactory


def stash_text(client, text: str, **filters) -> str:
    token = csrf_token(client.get("/find"))
    response = client.post("/find/search", data={"csrf_token": token, "q": text, **filters})
    return parse_qs(urlsplit(response.headers["Location"]).query)["search"][0]


def test_save_run_and_count_a_search(client, login_as, db):
    user = login_as(Role.COORDINATOR)
    PersonFactory(first_name="Amy", last_name="Adams", types=[PersonType.PARENT_CHAMPION])
    PersonFactory(first_name="Amy", last_name="Baker", types=[PersonType.VOLUNTEER])
    PersonFactory(first_name="Bob", last_name="Carter", types=[PersonType.PARENT_CHAMPION])
    db.session.commit()

    key = stash_text(client, "amy", type="parent_champion")
    url = f"/find?type=parent_champion&search={key}"
    token = csrf_token(client.get(url))
    response = client.post(
        f"/find/save?type=parent_champion&search={key}",
        data={"csrf_token": token, "name": "Champions called Amy"},
    )
    assert response.status_code == 302
    saved = db.session.scalar(select(SavedSearch))
    assert saved.name == "Champions called Amy"
    assert saved.filters == {"q": ["amy"], "type": ["parent_champion"]}  # the filter, not the people
    assert saved.created_by_id == user.id
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "saved_searches"))
    assert audit.action == AuditAction.CREATE and audit.entity_id == saved.id
    assert "amy" not in (audit.detail or "").lower()

    listing = client.get("/find/saved").get_data(as_text=True)
    assert "Champions called Amy" in listing
    assert '<td class="govuk-table__cell govuk-table__cell--numeric" data-label="People now">1</td>' in listing

    # The count is of today's matches: a new champion called Amy is counted at once.
    PersonFactory(first_name="Amy", last_name="Zeal", types=[PersonType.PARENT_CHAMPION])
    db.session.commit()
    listing = client.get("/find/saved").get_data(as_text=True)
    assert 'data-label="People now">2</td>' in listing

    # Running it loads its filters; the text goes back under a key, not into the URL.
    run = client.get(f"/find?saved={saved.id}")
    assert run.status_code == 302
    location = run.headers["Location"]
    assert "amy" not in location.lower()
    assert parse_qs(urlsplit(location).query)["type"] == ["parent_champion"]
    page = client.get(location).get_data(as_text=True)
    assert "2 people</h2>" in page
    assert "Amy Adams" in page and "Amy Zeal" in page and "Amy Baker" not in page
    assert 'value="amy"' in page  # the text box shows the text again


def test_a_name_is_needed_and_must_be_unique(client, login_as, db):
    login_as(Role.COORDINATOR)
    token = csrf_token(client.get("/find"))
    client.post("/find/save?never_attended=1", data={"csrf_token": token, "name": "Never came"})
    assert db.session.scalar(select(SavedSearch.filters)) == {"never_attended": ["1"]}

    again = client.post(
        "/find/save?type=volunteer", data={"csrf_token": token, "name": "never CAME"}, follow_redirects=True
    )
    assert "already a saved search with that name" in again.get_data(as_text=True)
    blank = client.post("/find/save?type=volunteer", data={"csrf_token": token, "name": "  "}, follow_redirects=True)
    assert "Enter a name for this search" in blank.get_data(as_text=True)
    assert len(db.session.scalars(select(SavedSearch)).all()) == 1


def test_bad_filters_are_not_saved(client, login_as, db):
    login_as(Role.COORDINATOR)
    token = csrf_token(client.get("/find"))
    response = client.post("/find/save?ward=Atlantis", data={"csrf_token": token, "name": "Nowhere"})
    assert response.status_code == 400
    assert db.session.scalar(select(SavedSearch)) is None


def test_delete_a_saved_search(client, login_as, db):
    login_as(Role.COORDINATOR)
    token = csrf_token(client.get("/find"))
    client.post("/find/save?type=volunteer", data={"csrf_token": token, "name": "Volunteers"})
    saved = db.session.scalar(select(SavedSearch))
    page = client.get("/find/saved")
    assert "Delete" in page.get_data(as_text=True)
    assert client.post("/find/saved/delete", data={"saved_search_id": saved.id}).status_code == 400  # no CSRF
    response = client.post(
        "/find/saved/delete", data={"csrf_token": csrf_token(page), "saved_search_id": saved.id}, follow_redirects=True
    )
    assert "The saved search ‘Volunteers’ has been deleted." in response.get_data(as_text=True)
    assert db.session.scalar(select(SavedSearch)) is None
    assert db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.entity_type == "saved_searches", AuditEvent.action == AuditAction.DELETE)
    )
    token = csrf_token(client.get("/find/saved"))
    assert client.post("/find/saved/delete", data={"csrf_token": token, "saved_search_id": "987654"}).status_code == 404


def test_unknown_saved_search_is_404(client, login_as):
    login_as(Role.COORDINATOR)
    assert client.get("/find?saved=987654").status_code == 404
    assert client.get("/find?saved=abc").status_code == 404


def test_a_saved_search_whose_tag_was_removed_says_so(client, login_as, db):
    login_as(Role.COORDINATOR)
    db.session.add(SavedSearch(name="Old interest", filters={"tag": ["interest:Knitting"]}))
    db.session.commit()
    page = client.get("/find/saved").get_data(as_text=True)
    assert "Needs changing" in page and "no interest tag called &#39;Knitting&#39;" in page


def hidden_fields(html: str) -> list[tuple[str, str]]:
    return [
        (unescape(name), unescape(value))
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)
    ]


def test_invite_everyone_a_saved_search_finds_to_an_upcoming_session(client, login_as, db):
    login_as(Role.COORDINATOR)
    champions = [
        PersonFactory(first_name=name, last_name="Amyson", types=[PersonType.PARENT_CHAMPION])
        for name in ("Amy", "Amina")
    ]
    for person in champions:
        ConsentFactory(person=person)
    PersonFactory(first_name="Amy", last_name="Other", types=[PersonType.VOLUNTEER])
    workshop = SessionFactory(title="Speech and language workshop", date=date.today() + timedelta(days=5))
    SessionFactory(title="Last month's workshop", date=date.today() - timedelta(days=30))
    saved = SavedSearch(name="Champions called Am", filters={"q": ["am"], "type": ["parent_champion"]})
    db.session.add(saved)
    db.session.commit()

    listing = client.get("/find/saved").get_data(as_text=True)
    assert f"/find/saved/invite?saved={saved.id}" in listing
    assert "Invite…" in listing

    choose = client.get(f"/find/saved/invite?saved={saved.id}").get_data(as_text=True)
    assert "Invite the 2 people this search finds now" in choose
    assert "Speech and language workshop" in choose
    assert "Last month&#39;s workshop" not in choose and "Last month's workshop" not in choose

    confirm = client.get(f"/find/saved/invite?saved={saved.id}&session_id={workshop.id}")
    page = confirm.get_data(as_text=True)
    assert "Invite the 2 people this search finds now to Speech and language workshop" in page
    fields = hidden_fields(page)
    assert ("all", "1") in fields and ("session_id", str(workshop.id)) in fields
    assert ("q", "am") in fields and ("type", "parent_champion") in fields

    response = client.post("/find/invite", data=MultiDict(fields))
    assert response.status_code == 200
    assert "Invited 2 people" in response.get_data(as_text=True)
    invited = db.session.scalars(select(Participation.person_id).where(Participation.session_id == workshop.id))
    assert set(invited) == {person.id for person in champions}


def test_inviting_from_a_saved_search_needs_an_upcoming_session(client, login_as, db):
    login_as(Role.COORDINATOR)
    PersonFactory(types=[PersonType.PARENT_CHAMPION])
    past = SessionFactory(date=date.today() - timedelta(days=1))
    SessionFactory(date=date.today() + timedelta(days=3))
    saved = SavedSearch(name="Champions", filters={"type": ["parent_champion"]})
    db.session.add(saved)
    db.session.commit()

    page = client.get(f"/find/saved/invite?saved={saved.id}&session_id={past.id}").get_data(as_text=True)
    assert "Choose an upcoming session from the list" in page
    assert 'name="all"' not in page
    assert client.get("/find/saved/invite?saved=999999").status_code == 404


def test_only_those_who_may_invite_see_the_invite_action(client, login_as, db):
    login_as(Role.CHAMPION)
    saved = SavedSearch(name="Champions", filters={"type": ["parent_champion"]})
    db.session.add(saved)
    PersonFactory(types=[PersonType.PARENT_CHAMPION])
    db.session.commit()
    response = client.get("/find/saved")
    if response.status_code == 200:
        assert "Invite…" not in response.get_data(as_text=True)
    assert client.get(f"/find/saved/invite?saved={saved.id}").status_code == 403
