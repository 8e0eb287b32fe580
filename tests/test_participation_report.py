"""The annual participation report's numbers, against a small dataset whose right answers are
worked out by hand below, and the same JSON from the CLI and the API."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from crm.models import Affiliation, Contribution, Participation, Theme, Ward
from crm.models.enums import (
    ContributionKind,
    FollowUpStatus,
    InvolvementLevel,
    ParticipationSource,
    ParticipationStatus,
    PersonType,
    Role,
)
from crm.periods import Period
from crm.queries.participation_report import participation_report
from crm.queries.report_cache import cached_report, current_data_version
from crm.services import users as users_service
from tests.conftest import count_queries
from tests.factories import OrganisationFactory, PersonFactory, SessionFactory, UserFactory

A = ParticipationStatus.ATTENDED


def _session(day: str, start=(10, 0), end=(12, 0), *, theme=None, level=InvolvementLevel.CONSULTING, cancelled=False):
    return SessionFactory(
        date=dt.date.fromisoformat(day),
        start_time=dt.time(*start),
        end_time=dt.time(*end),
        theme_id=theme.id if theme else None,
        involvement_level=level,
        cancelled_at=dt.datetime(2024, 5, 1, tzinfo=dt.UTC) if cancelled else None,
    )


def _take_part(db, person, session, status=A, minutes=None):
    participation = Participation(
        person_id=person.id, session_id=session.id, status=status, minutes=minutes, source=ParticipationSource.MANUAL
    )
    db.session.add(participation)
    db.session.flush()
    return participation


def _contribute(db, participation, kind, follow_up):
    db.session.add(
        Contribution(participation_id=participation.id, kind=kind, summary="Said something", follow_up=follow_up)
    )


@pytest.fixture
def world(db):
    """Five people and seven sessions either side of the 2024/25 financial year's boundaries."""
    ward_a, ward_b = db.session.scalars(select(Ward).order_by(Ward.name).limit(2)).all()
    theme_1, theme_2 = db.session.scalars(select(Theme).order_by(Theme.name).limit(2)).all()
    partner = OrganisationFactory(name="Southend Family Hub")

    alice = PersonFactory(ward=ward_a, types=[PersonType.PARENT_CHAMPION, PersonType.VOLUNTEER])
    bob = PersonFactory(ward=ward_b, types=[PersonType.PARENT_CARER])
    cara = PersonFactory(ward=ward_a, types=[PersonType.PARENT_CARER])
    dev = PersonFactory(ward=None, types=[PersonType.PROFESSIONAL])  # no ward: "unknown"
    eve = PersonFactory(ward=ward_b, types=[PersonType.YOUNG_PERSON])
    db.session.add_all(
        [
            Affiliation(person_id=alice.id, organisation_id=partner.id),
            Affiliation(person_id=dev.id, organisation_id=partner.id),
        ]
    )

    old = _session("2022-05-01", theme=theme_1, level=InvolvementLevel.INFORMING)
    last_june = _session("2023-06-10")
    march_31 = _session("2024-03-31", (10, 0), (11, 30), theme=theme_2)  # last day of 2023/24
    april_1 = _session("2024-04-01", theme=theme_1, level=InvolvementLevel.CO_DESIGNING)  # first day of 2024/25
    cancelled = _session("2024-06-01", theme=theme_1, level=InvolvementLevel.CO_PRODUCING, cancelled=True)
    _session("2024-09-10", level=InvolvementLevel.ENGAGING)  # held, nobody came
    march_31_next = _session("2025-03-31", (13, 0), (15, 30), theme=theme_2, level=InvolvementLevel.CO_PRODUCING)

    _take_part(db, alice, last_june)
    alice_april = _take_part(db, alice, april_1)  # no minutes: the session's 120
    _take_part(db, alice, march_31_next)  # no minutes: the session's 150
    bob_april = _take_part(db, bob, april_1, minutes=90)
    _take_part(db, bob, march_31_next, status=ParticipationStatus.NO_SHOW)
    _take_part(db, cara, march_31)  # 90 minutes, in 2023/24 and calendar 2024
    cara_cancelled = _take_part(db, cara, cancelled)
    _take_part(db, dev, old)
    dev_march = _take_part(db, dev, march_31_next, minutes=45)
    _take_part(db, eve, april_1, status=ParticipationStatus.REGISTERED)

    _contribute(db, alice_april, ContributionKind.IDEA, FollowUpStatus.ACTED_ON)
    _contribute(db, bob_april, ContributionKind.FEEDBACK, FollowUpStatus.OPEN)
    _contribute(db, dev_march, ContributionKind.LIVED_EXPERIENCE, FollowUpStatus.NOT_TAKEN_FORWARD)
    _contribute(db, cara_cancelled, ContributionKind.IDEA, FollowUpStatus.OPEN)  # cancelled: not counted
    db.session.flush()
    return {"ward_a": ward_a.name, "ward_b": ward_b.name, "theme_1": theme_1.name, "theme_2": theme_2.name}


def test_financial_year_figures(world):
    report = participation_report(Period.of(2024, "financial", 4))

    assert report["period"] == {"start": "2024-04-01", "end": "2025-03-31", "basis": "financial", "label": "2024/25"}
    # 1 April, 10 September and 31 March; the 1 June session was cancelled.
    assert report["sessions_held"] == 3
    # Alice twice, Bob and Dev once; Bob's no-show and Eve's registration are not attendances.
    assert report["attendances"] == 4
    assert report["unique_participants"] == 3
    # Bob's first attendance ever; Alice came in 2023 and Dev in 2022.
    assert report["new_participants"] == 1
    assert report["returning_participants"] == 2
    # 2023/24 had Alice (June) and Cara (31 March); only Alice came back.
    assert report["retained_from_previous"] == {"previous_unique": 2, "retained": 1, "rate": 0.5}
    # 120 + 150 (Alice, session lengths) + 90 (Bob) + 45 (Dev) = 405 minutes.
    assert report["hours"] == 6.8
    # One no-show against four attendances.
    assert report["no_show_rate"] == 0.2


def test_financial_year_breakdowns(world):
    report = participation_report(Period.of(2024, "financial", 4))

    months = {row["month"]: row for row in report["by_month"]}
    assert list(months) == [f"2024-{m:02d}" for m in range(4, 13)] + ["2025-01", "2025-02", "2025-03"]
    assert months["2024-04"] == {"month": "2024-04", "sessions": 1, "attendances": 2, "unique_participants": 2}
    assert months["2024-06"] == {"month": "2024-06", "sessions": 0, "attendances": 0, "unique_participants": 0}
    assert months["2024-09"] == {"month": "2024-09", "sessions": 1, "attendances": 0, "unique_participants": 0}
    assert months["2025-03"] == {"month": "2025-03", "sessions": 1, "attendances": 2, "unique_participants": 2}

    # Alice has two types and counts once in each.
    assert report["by_person_type"] == {
        "parent_champion": 1,
        "parent_carer": 1,
        "volunteer": 1,
        "professional": 1,
        "young_person": 0,
        "community_member": 0,
    }
    assert report["by_ward"][world["ward_a"]] == 1
    assert report["by_ward"][world["ward_b"]] == 1
    assert report["by_ward"]["unknown"] == 1
    assert sum(report["by_ward"].values()) == 3
    assert report["by_organisation"] == {"Southend Family Hub": 2}
    assert report["by_theme"] == {
        world["theme_1"]: {"sessions": 1, "attendances": 2},
        world["theme_2"]: {"sessions": 1, "attendances": 2},
        "unknown": {"sessions": 1, "attendances": 0},
    }
    assert report["by_involvement_level"] == {
        "informing": {"sessions": 0, "attendances": 0},
        "consulting": {"sessions": 0, "attendances": 0},
        "engaging": {"sessions": 1, "attendances": 0},
        "co_designing": {"sessions": 1, "attendances": 2},
        "co_producing": {"sessions": 1, "attendances": 2},
    }
    contributions = report["contributions"]
    assert (contributions["total"], contributions["acted_on"], contributions["not_taken_forward"]) == (3, 1, 1)
    assert contributions["open"] == 1
    assert contributions["by_kind"]["idea"] == 1
    assert contributions["by_kind"]["feedback"] == 1
    assert contributions["by_kind"]["lived_experience"] == 1


def test_calendar_year_takes_31_march_and_not_the_previous_financial_year(world):
    report = participation_report(Period.of(2024, "calendar"))

    assert report["period"]["label"] == "2024"
    # 31 March, 1 April and 10 September.
    assert report["sessions_held"] == 3
    # Cara on 31 March, Alice and Bob on 1 April.
    assert (report["attendances"], report["unique_participants"]) == (3, 3)
    # Cara's and Bob's first attendances; Alice first came in 2023.
    assert report["new_participants"] == 2
    assert report["retained_from_previous"] == {"previous_unique": 1, "retained": 1, "rate": 1.0}
    # 90 (Cara) + 120 (Alice) + 90 (Bob).
    assert report["hours"] == 5.0
    assert report["no_show_rate"] == 0.0


def test_financial_year_start_month_is_configurable(world):
    # A January start covers the calendar year, labelled as one.
    january = participation_report(Period.of(2024, "financial", 1))
    calendar = participation_report(Period.of(2024, "calendar"))
    assert january.pop("period") == {"start": "2024-01-01", "end": "2024-12-31", "basis": "financial", "label": "2024"}
    calendar.pop("period")
    assert january == calendar
    # A September start: 1 September 2024 to 31 August 2025 holds 10 September and 31 March.
    report = participation_report(Period.of(2024, "financial", 9))
    assert report["period"]["label"] == "2024/25"
    assert (report["sessions_held"], report["attendances"]) == (2, 2)


def test_an_empty_year_is_zeros_not_errors(db):
    report = participation_report(Period.of(2030, "calendar"))
    assert report["sessions_held"] == report["attendances"] == report["unique_participants"] == 0
    assert report["no_show_rate"] == 0.0 and report["retained_from_previous"]["rate"] == 0.0
    assert len(report["by_month"]) == 12
    assert report["by_organisation"] == {}


def _grow(db, people: int, sessions: int) -> None:
    theme = db.session.scalars(select(Theme)).first()
    ward = db.session.scalars(select(Ward)).first()
    organisation = OrganisationFactory()
    crowd = [PersonFactory(ward=ward) for _ in range(people)]
    for person in crowd:
        db.session.add(Affiliation(person_id=person.id, organisation_id=organisation.id))
    for index in range(sessions):
        session = _session(f"2024-{index % 12 + 1:02d}-15", theme=theme)
        for person in crowd:
            participation = _take_part(db, person, session)
            _contribute(db, participation, ContributionKind.IDEA, FollowUpStatus.OPEN)


def test_query_count_does_not_grow_with_the_data(db):
    period = Period.of(2024, "calendar")
    _grow(db, 2, 2)
    small = count_queries(db, lambda: participation_report(period))
    _grow(db, 12, 10)
    large = count_queries(db, lambda: participation_report(period))
    assert small == large


def test_cached_report_is_reused_until_data_changes(db):
    period = Period.of(2024, "calendar")
    person = PersonFactory()
    session = _session("2024-05-05")
    db.session.commit()
    first = cached_report("participation", period, participation_report).payload
    db.session.commit()
    assert first["attendances"] == 0

    computed = []

    def compute(p):
        computed.append(p)
        return participation_report(p)

    # Unchanged data: the stored copy, not a new computation.
    assert cached_report("participation", period, compute).payload == first
    assert computed == []

    # Recording an attendance (and committing) bumps the data version: the next read recomputes.
    version = current_data_version()
    _take_part(db, person, session)
    db.session.commit()
    assert current_data_version() == version + 1
    assert cached_report("participation", period, compute).payload["attendances"] == 1
    assert computed == [period]


def test_a_rolled_back_change_or_an_account_change_does_not_invalidate(db):
    version = current_data_version()
    PersonFactory()
    db.session.rollback()
    assert current_data_version() == version
    # Accounts and the audit log are not in any report.
    admin = UserFactory(role=Role.ADMIN)
    users_service.set_enabled(UserFactory(role=Role.MANAGER), False, admin)
    db.session.commit()
    assert current_data_version() == version


def test_cli_and_api_return_the_same_json(world, app, db, runner):
    db.session.commit()
    result = runner.invoke(args=["crm", "report", "participation", "--year", "2024", "--basis", "financial"])
    assert result.exit_code == 0, result.output
    from_cli = json.loads(result.output)
    assert from_cli == participation_report(Period.of(2024, "financial", 4))

    manager = UserFactory(role=Role.MANAGER)
    token = users_service.create_api_token(manager, manager)
    db.session.commit()
    client = app.test_client()
    response = client.get(
        "/api/v1/reports/participation?year=2024&basis=financial", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.get_json() == from_cli


def test_cli_csv_is_one_row_per_figure(world, db, runner):
    db.session.commit()
    result = runner.invoke(
        args=["crm", "report", "participation", "--year", "2024", "--basis", "financial", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "section,item,measure,value"
    assert "summary,,attendances,4" in lines
    assert "by_month,2024-04,unique_participants,2" in lines
    assert "by_person_type,parent_champion,people,1" in lines
    assert "retained_from_previous,,rate,0.5" in lines


def test_cli_refuses_a_bad_year_or_basis(runner):
    result = runner.invoke(args=["crm", "report", "participation", "--year", "12", "--basis", "financial"])
    assert result.exit_code != 0
    assert "year" in result.output.lower()
    result = runner.invoke(args=["crm", "report", "participation", "--year", "2024", "--basis", "fiscal"])
    assert result.exit_code != 0
    assert "basis" in result.output.lower() or "fiscal" in result.output


def test_api_checks_role_and_parameters(app, db):
    champion = UserFactory(role=Role.CHAMPION)
    manager = UserFactory(role=Role.MANAGER)
    champion_token = users_service.create_api_token(champion, champion)
    manager_token = users_service.create_api_token(manager, manager)
    db.session.commit()
    client = app.test_client()
    url = "/api/v1/reports/participation"
    assert client.get(f"{url}?year=2024").status_code == 401
    assert client.get(f"{url}?year=2024", headers={"Authorization": f"Bearer {champion_token}"}).status_code == 403
    headers = {"Authorization": f"Bearer {manager_token}"}
    response = client.get(f"{url}?year=abc", headers=headers)
    assert response.status_code == 422
    assert "year" in response.get_json()["error"]["fields"]
    response = client.get(f"{url}?year=2024&basis=fiscal", headers=headers)
    assert response.status_code == 422
    assert "basis" in response.get_json()["error"]["fields"]
    # Defaults: the current calendar year.
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["period"]["label"] == str(dt.date.today().year)


def test_anonymous_feedback_does_not_invalidate_the_reports(db):
    from crm.models import FeedbackResponse
    from tests.factories import FeedbackFormFactory

    form = FeedbackFormFactory()
    db.session.commit()
    version = current_data_version()
    db.session.add(FeedbackResponse(form_id=form.id, take_away="More sessions in the evening"))
    db.session.commit()
    assert current_data_version() == version
