"""Every route names its permission; each role gets exactly what the permission table grants;
unknown ids are 404; every form POST needs a CSRF token. Built from app.url_map, so a new route
is covered (or fails) without anyone remembering to add it here."""

from __future__ import annotations

import re

import pytest

from crm.models import AuditEvent
from crm.models.enums import Role
from crm.permissions import ROLE_PERMISSIONS, permission_of
from tests.factories import (
    ConsentFactory,
    EventFactory,
    FeedbackFormFactory,
    OrganisationFactory,
    PersonFactory,
    SessionFactory,
    TagFactory,
    UserFactory,
)

MISSING_ID = 987654


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule, app.view_functions[rule.endpoint]


@pytest.fixture
def ids(db):
    """One real object for every kind of id a URL can carry."""
    from crm.models import Affiliation, Contribution, OutboxMessage, Participation, Theme, Ward
    from crm.models.enums import ContributionKind, MessageKind, ParticipationSource, ParticipationStatus

    organisation = OrganisationFactory()
    person = PersonFactory()
    affiliation = Affiliation(person_id=person.id, organisation_id=organisation.id, job_title="Chair")
    db.session.add(affiliation)
    consent = ConsentFactory(person=person)
    session = SessionFactory()
    participation = Participation(
        session_id=session.id,
        person_id=person.id,
        status=ParticipationStatus.ATTENDED,
        source=ParticipationSource.MANUAL,
    )
    db.session.add(participation)
    db.session.flush()
    contribution = Contribution(participation_id=participation.id, kind=ContributionKind.IDEA, summary="An idea")
    db.session.add(contribution)
    message = OutboxMessage(
        kind=MessageKind.INVITATION, to_address="a@example.com", subject="Invitation", body_text="Hello"
    )
    db.session.add(message)
    db.session.flush()
    feedback = FeedbackFormFactory(session=session)
    return {
        "person_id": person.id,
        "other_id": PersonFactory().id,
        "organisation_id": organisation.id,
        "session_id": session.id,
        "event_id": EventFactory().id,
        "user_id": UserFactory(role=Role.CHAMPION).id,
        "ward_id": db.session.query(Ward.id).first()[0],
        "theme_id": db.session.query(Theme.id).first()[0],
        "tag_id": TagFactory().id,
        "consent_id": consent.id,
        "affiliation_id": affiliation.id,
        "contribution_id": contribution.id,
        "message_id": message.id,
        "token": "not-a-real-token",
        "code": feedback.code,
        "topic_id": feedback.topics[0].id,
    }


def build_url(app, rule, values):
    missing = [arg for arg in rule.arguments if arg not in values]
    assert not missing, f"{rule.rule}: add an example value for {missing} to the ids fixture"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments})


def test_every_route_declares_a_permission(app):
    undeclared = [rule.rule for rule, view in routes(app) if permission_of(view) is False]
    assert undeclared == [], f"routes without @requires or @public: {undeclared}"


def test_anonymous_visitors_are_sent_to_sign_in_or_get_401(app, client, ids):
    for rule, view in routes(app):
        if permission_of(view) is None:
            continue
        url = build_url(app, rule, ids)
        method = (
            "GET"
            if "GET" in rule.methods
            else "POST"
            if "POST" in rule.methods
            else (
                sorted(rule.methods - {"HEAD", "OPTIONS"})[0]  # an API route may be PATCH or PUT only
            )
        )
        response = client.open(url, method=method)
        if rule.rule.startswith("/api/"):
            assert response.status_code == 401, f"{method} {url}"
            assert response.get_json()["error"]["code"] == "unauthorized"
        elif method == "GET":
            assert response.status_code == 302, f"{method} {url}"
            assert "/sign-in" in response.headers["Location"], f"{method} {url}"
        else:
            # A form POST without a session has no valid CSRF token either.
            assert response.status_code in (302, 400), f"{method} {url}"


def _token_for(client) -> str:
    page = client.get("/account").get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_exactly_its_permissions(app, client, login_as, ids, role, db):
    user = login_as(role)
    granted = ROLE_PERMISSIONS[role]
    token = _token_for(client)
    for rule, view in routes(app):
        permission = permission_of(view)
        if permission is None or rule.rule.startswith("/api/"):
            continue
        url = build_url(app, rule, ids)
        if "GET" in rule.methods:
            response = client.get(url)
            if permission in granted:
                assert response.status_code in (200, 302), f"{role} GET {url}: {response.status_code}"
            else:
                assert response.status_code == 403, f"{role} GET {url}: {response.status_code}"
                assert "You do not have permission" in response.get_data(as_text=True)
        elif permission not in granted:
            before = db.session.query(AuditEvent).count()
            response = client.post(url, data={"csrf_token": token})
            assert response.status_code == 403, f"{role} POST {url}: {response.status_code}"
            assert db.session.query(AuditEvent).count() == before
    assert user.enabled


def test_unknown_ids_are_404_for_a_role_that_may_see_them(app, client, login_as, ids):
    login_as(Role.ADMIN)
    token = _token_for(client)
    values = {key: MISSING_ID for key in ids} | {"token": ids["token"]}
    for rule, _view in routes(app):
        if not any(arg.endswith("_id") for arg in rule.arguments) or rule.rule.startswith("/api/"):
            continue
        url = build_url(app, rule, values)
        response = client.get(url) if "GET" in rule.methods else client.post(url, data={"csrf_token": token})
        assert response.status_code == 404, f"{rule.methods} {url}: {response.status_code}"
        assert "Page not found" in response.get_data(as_text=True)


def test_every_form_post_needs_a_csrf_token(app, client, login_as, ids, db):
    login_as(Role.ADMIN)
    checked = 0
    for rule, _view in routes(app):
        if "POST" not in rule.methods or rule.rule.startswith("/api/"):
            continue
        url = build_url(app, rule, ids)
        before = db.session.query(AuditEvent).count()
        response = client.post(url, data={"first_name": "Mallory", "name": "Mallory"})
        assert response.status_code == 400, f"POST {url} without CSRF: {response.status_code}"
        assert "Your form expired" in response.get_data(as_text=True)
        assert db.session.query(AuditEvent).count() == before
        checked += 1
    assert checked >= 5
