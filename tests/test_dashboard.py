"""The participation dashboard against a small hand-built dataset whose right answers are worked
out below: headline figures, breakdowns, depth of involvement, drill-down and permissions."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest

from crm.models import Affiliation, Contribution, Participation, Ward
from crm.models.enums import (
    ContributionKind,
    FollowUpStatus,
    InvolvementLevel,
    ParticipationSource,
    ParticipationStatus,
    PersonType,
    Role,
)
from crm.services.settings import current_settings
from tests.conftest import count_queries
from tests.factories import OrganisationFactory, PersonFactory, SessionFactory

ATTENDED, NO_SHOW = ParticipationStatus.ATTENDED, ParticipationStatus.NO_SHOW
FY_2024 = {"year": 2024, "basis": "financial"}


def attend(session, person, status=ATTENDED, minutes=None):
    row = Participation(
        session_id=session.id, person_id=person.id, status=status, minutes=minutes, source=ParticipationSource.MANUAL
    )
    from crm.extensions import db

    db.session.add(row)
    db.session.flush()
    return row


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.fixture
def programme(db):
    """Four people and five sessions around the 2024/25 financial year (April start).

    - Ada: parent champion and volunteer, Kursaal (a priority ward); informing in June 2023,
      co-designing in May 2024 (moved up the ladder; returning; retained from 2023/24).
    - Ben: parent carer, Milton; co-designing in May 2024 (60 minutes; new), did not come on
      31 March 2025; also marked at a cancelled session (not counted).
    - Cara: parent carer, no ward; only June 2023 (not retained).
    - Dev: professional at an organisation, Kursaal; 31 March 2025 informing (48 of 60 minutes;
      new, not a move up: a first visit), and 1 April 2025 (the next financial year).
    """
    current_settings().financial_year_start_month = 4
    kursaal = Ward(name="Kursaal Dashboard", is_priority=True)
    milton = Ward(name="Milton Dashboard", is_priority=False)
    db.session.add_all([kursaal, milton])
    db.session.flush()
    organisation = OrganisationFactory(name="Southend Dashboard Council")
    ada = PersonFactory(
        first_name="Ada",
        last_name="Dashford",
        ward_id=kursaal.id,
        types=[PersonType.PARENT_CHAMPION, PersonType.VOLUNTEER],
    )
    ben = PersonFactory(first_name="Ben", last_name="Dashford", ward_id=milton.id)
    cara = PersonFactory(first_name="Cara", last_name="Dashford")
    dev = PersonFactory(first_name="Dev", last_name="Dashford", ward_id=kursaal.id, types=[PersonType.PROFESSIONAL])
    db.session.add(Affiliation(person_id=dev.id, organisation_id=organisation.id, job_title="Officer"))

    def session(date, level, start=dt.time(10), end=dt.time(12), **kwargs):
        return SessionFactory(date=day(date), start_time=start, end_time=end, involvement_level=level, **kwargs)

    june_2023 = session("2023-06-10", InvolvementLevel.INFORMING)
    may_2024 = session("2024-05-10", InvolvementLevel.CO_DESIGNING, end=dt.time(11, 30))
    march_31 = session("2025-03-31", InvolvementLevel.INFORMING, start=dt.time(18), end=dt.time(19))
    april_1 = session("2025-04-01", InvolvementLevel.CO_PRODUCING)
    cancelled = session(
        "2024-06-01", InvolvementLevel.CO_PRODUCING, cancelled_at=dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    )

    attend(june_2023, ada)
    attend(june_2023, cara)
    ada_may = attend(may_2024, ada)  # no minutes: the session's 90
    ben_may = attend(may_2024, ben, minutes=60)
    attend(march_31, dev, minutes=48)
    attend(march_31, ben, status=NO_SHOW)
    attend(april_1, dev)
    attend(cancelled, ben)
    db.session.add_all(
        [
            Contribution(
                participation_id=ada_may.id,
                kind=ContributionKind.IDEA,
                summary="A Saturday session",
                follow_up=FollowUpStatus.ACTED_ON,
            ),
            Contribution(participation_id=ben_may.id, kind=ContributionKind.FEEDBACK, summary="More notice"),
        ]
    )
    db.session.commit()
    return {
        "ada": ada,
        "ben": ben,
        "cara": cara,
        "dev": dev,
        "kursaal": kursaal,
        "milton": milton,
        "organisation": organisation,
        "may_2024": may_2024,
        "march_31": march_31,
    }


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def headline(page: str, key: str) -> str:
    """The text of one headline card."""
    match = re.search(rf'<li class="app-headline app-headline--{key}">(.*?)</li>', page, re.S)
    assert match, f"no headline {key}"
    return text_of(match.group(1))


def table_rows(page: str, key: str) -> dict[str, list[str]]:
    """A breakdown table as {row label: [cell texts]}."""
    match = re.search(rf'<table class="govuk-table app-report-table" id="{key}-table">(.*?)</table>', page, re.S)
    assert match, f"no table {key}"
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", match.group(1), re.S):
        cells = [text_of(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


def test_the_headline_figures_match_the_hand_worked_answers(client, login_as, programme):
    login_as(Role.MANAGER)

    page = client.get("/reports/", query_string=FY_2024).get_data(as_text=True)

    assert "Participation in 2024/25" in page
    assert "1 April 2024 to 31 March 2025" in page
    # Sessions on 10 May 2024 and 31 March 2025; not the cancelled one, not 1 April 2025.
    assert headline(page, "sessions-held").startswith("Sessions held 2 ")
    assert "2023/24: 1" in headline(page, "sessions-held")
    assert headline(page, "attendances").startswith("Attendances 3 ")
    assert "Up 1 (50.0%) on 2023/24 2023/24: 2" in headline(page, "attendances")
    assert headline(page, "unique-participants").startswith("People who took part 3 ")
    assert headline(page, "new-participants").startswith("New participants 2 ")
    assert headline(page, "returning-participants").startswith("Returning participants 1 ")
    # Ada of Ada and Cara came back.
    assert headline(page, "retention").startswith("Retention from the year before 50.0% ")
    assert "1 of the 2 people who took part in 2023/24 came again" in headline(page, "retention")
    # 90 (whole session, no minutes) + 60 + 48 minutes = 3.3 hours.
    assert headline(page, "hours").startswith("Hours given 3.3 ")
    # One no-show against three attendances.
    assert headline(page, "no-show-rate").startswith("No-show rate 25.0% ")
    assert headline(page, "contributions").startswith("Contributions 2 ")
    assert headline(page, "acted-on").startswith("Acted on 1 ")
    assert headline(page, "open").startswith("Awaiting follow-up 1 ")


def test_breakdowns_match_the_hand_worked_answers(client, login_as, programme):
    login_as(Role.MANAGER)

    page = client.get("/reports/", query_string=FY_2024).get_data(as_text=True)

    months = table_rows(page, "by_month")
    assert len(months) == 13  # a header row and every month, zeros included
    assert months["May 2024"] == ["1", "2", "2"]
    assert months["March 2025"] == ["1", "1", "1"]
    assert months["June 2024"] == ["0", "0", "0"]
    types = table_rows(page, "by_person_type")
    assert types["Parent champion"][0] == types["Volunteer"][0] == types["Professional (partner staff)"][0] == "1"
    assert types["Parent or carer"] == ["1", "33.3%"]
    wards = table_rows(page, "by_ward")
    assert wards["Kursaal Dashboard"] == ["Priority", "2", "66.7%"]
    assert wards["Milton Dashboard"] == ["", "1", "33.3%"]
    assert wards["No ward recorded"] == ["", "0", "0.0%"]
    assert "2 people (66.7%) came from the priority wards" in text_of(page)
    assert table_rows(page, "by_organisation")["Southend Dashboard Council"] == ["1"]
    levels = table_rows(page, "by_involvement_level")
    assert levels["Co-designing"] == ["1", "2", "66.7%"]
    assert levels["Informing"] == ["1", "1", "33.3%"]
    assert levels["Co-producing"] == ["0", "0", "0.0%"]
    assert "66.7% of attendances were at sessions where people co-designed or co-produced" in text_of(page)
    depth = table_rows(page, "depth")
    # Ada climbed from informing (2023) to co-designing; Dev's first visit is not a climb.
    assert depth["Moved up the ladder"] == ["1"]
    assert depth["Highest level: co-designing"] == ["2"]
    assert depth["Highest level: informing"] == ["1"]
    contributions = table_rows(page, "contributions")
    assert contributions["Idea"] == ["1"] and contributions["Feedback"] == ["1"]
    assert contributions["Follow-up: acted on"] == ["1"]


def test_the_calendar_year_puts_31_march_and_1_april_in_the_same_year(client, login_as, programme):
    login_as(Role.MANAGER)

    page_2025 = client.get("/reports/", query_string={"year": 2025, "basis": "calendar"}).get_data(as_text=True)
    page_2024 = client.get("/reports/", query_string={"year": 2024, "basis": "calendar"}).get_data(as_text=True)

    assert headline(page_2025, "sessions-held").startswith("Sessions held 2 ")
    assert headline(page_2025, "unique-participants").startswith("People who took part 1 ")  # Dev twice
    assert headline(page_2024, "sessions-held").startswith("Sessions held 1 ")
    assert headline(page_2024, "attendances").startswith("Attendances 2 ")


def test_the_default_is_the_current_year_and_bad_input_shows_an_error_not_a_crash(client, login_as, programme):
    login_as(Role.MANAGER)
    today = dt.date.today()

    default = client.get("/reports/").get_data(as_text=True)
    bad = client.get("/reports/", query_string={"year": "twenty", "basis": "calendar"})
    bad_basis = client.get("/reports/", query_string={"year": "2024", "basis": "lunar"})

    assert f"Participation in {today.year}" in default
    assert bad.status_code == 200 and "Choose a year from the list" in bad.get_data(as_text=True)
    assert "Choose calendar or financial year" in bad_basis.get_data(as_text=True)
    # The year list offers the years with sessions as well as the current one.
    assert 'value="2023"' in default and 'value="2025"' in default and f'value="{today.year}"' in default


def names_in(response) -> list[str]:
    return re.findall(r'href="/people/\d+">([^<]+)</a>', response.get_data(as_text=True))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["Ada Dashford", "Ben Dashford", "Dev Dashford"]),
        ({"group": "new"}, ["Ben Dashford", "Dev Dashford"]),
        ({"group": "returning"}, ["Ada Dashford"]),
        ({"group": "retained"}, ["Ada Dashford"]),
        ({"group": "moved_up"}, ["Ada Dashford"]),
        ({"group": "no_show"}, ["Ben Dashford"]),
        ({"month": "2025-03"}, ["Dev Dashford"]),
        ({"type": "professional"}, ["Dev Dashford"]),
        ({"ward": "unknown"}, []),
    ],
)
def test_drill_down_lists_the_people_behind_a_number(client, login_as, programme, query, expected):
    login_as(Role.MANAGER)

    response = client.get("/reports/people", query_string=FY_2024 | query)

    assert names_in(response) == expected


def test_drill_down_by_ward_and_organisation_and_to_sessions(client, login_as, programme):
    login_as(Role.MANAGER)

    kursaal = client.get("/reports/people", query_string=FY_2024 | {"ward": programme["kursaal"].id})
    partner = client.get("/reports/people", query_string=FY_2024 | {"organisation": programme["organisation"].id})
    sessions = client.get("/reports/sessions", query_string=FY_2024 | {"level": "co_designing"})

    assert names_in(kursaal) == ["Ada Dashford", "Dev Dashford"]
    assert "living in Kursaal Dashboard" in kursaal.get_data(as_text=True)
    assert names_in(partner) == ["Dev Dashford"]
    page = sessions.get_data(as_text=True)
    assert programme["may_2024"].title in page and programme["march_31"].title not in page
    assert "1 session between" in page


def test_the_dashboard_links_numbers_to_their_drill_down(client, login_as, programme):
    login_as(Role.MANAGER)

    page = unescape(client.get("/reports/", query_string=FY_2024).get_data(as_text=True))

    assert 'href="/reports/people?year=2024&basis=financial&group=new">2</a>' in page
    assert f'href="/reports/people?year=2024&basis=financial&ward={programme["kursaal"].id}">2</a>' in page
    assert 'href="/reports/sessions?year=2024&basis=financial&level=co_designing">1</a>' in page
    # Attendances (3, by 3 people at 2 sessions) lead to the sessions with each one's count, which
    # add up to the number clicked; a list of people would show fewer rows than it says.
    assert re.search(r'href="/reports/sessions\?year=2024&basis=financial"[^>]*>\s*3\s*<', page)
    assert 'href="/reports/sessions?year=2024&basis=financial&month=2024-05">2</a>' in page


def test_bad_drill_down_parameters_are_not_found(client, login_as, programme):
    login_as(Role.MANAGER)

    for query in (
        {"group": "everyone"},
        {"month": "2023-01"},
        {"type": "wizard"},
        {"ward": "999999"},
        {"ward": "x"},
        {"year": "x"},
        {"basis": "lunar"},
    ):
        assert client.get("/reports/people", query_string=FY_2024 | query).status_code == 404, query


@pytest.mark.parametrize("role", [Role.CHAMPION, Role.COORDINATOR])
def test_only_managers_and_admins_see_reports(client, login_as, programme, role):
    login_as(role)

    for url in ("/reports/", "/reports/people", "/reports/sessions", "/reports/report.xlsx", "/reports/table.csv"):
        response = client.get(url, query_string=FY_2024 | {"table": "by_month"})
        assert response.status_code == 403, url
    assert "Reports" not in client.get("/home").get_data(as_text=True)


def test_managers_see_reports_in_the_menu(client, login_as):
    login_as(Role.MANAGER)

    assert '<a class="app-header__nav-link" href="/reports/">Reports</a>' in client.get("/home").get_data(as_text=True)


def test_the_dashboard_costs_the_same_number_of_queries_for_more_data(client, login_as, programme, db):
    login_as(Role.MANAGER)

    def cold_dashboard():
        response = client.get("/reports/", query_string=FY_2024)
        assert response.status_code == 200

    small = count_queries(db, cold_dashboard)
    warm = count_queries(db, cold_dashboard)
    sessions = [SessionFactory(date=day("2024-07-01") + dt.timedelta(days=i)) for i in range(12)]
    for index in range(30):
        person = PersonFactory(ward_id=programme["milton"].id)
        for session in sessions[index % 4 :: 3]:
            attend(session, person)
    db.session.commit()
    larger = count_queries(db, cold_dashboard)

    assert larger == small
    assert warm < small  # the figures came from the cache


def test_recording_attendance_shows_on_the_dashboard_straight_away(client, login_as, programme, db):
    from crm.services.register import add_walk_in

    manager = login_as(Role.MANAGER)
    before = client.get("/reports/", query_string=FY_2024).get_data(as_text=True)
    assert headline(before, "attendances").startswith("Attendances 3 ")

    add_walk_in(programme["march_31"], programme["cara"].id, manager)
    db.session.commit()
    after = client.get("/reports/", query_string=FY_2024).get_data(as_text=True)

    assert headline(after, "attendances").startswith("Attendances 4 ")
    assert headline(after, "retention").startswith("Retention from the year before 100.0% ")
    # Cara has no ward.
    assert table_rows(after, "by_ward")["No ward recorded"] == ["", "1", "25.0%"]


def test_marking_a_priority_ward_shows_on_the_dashboard_straight_away(client, login_as, programme, db):
    from crm.services.lists import update_ward

    manager = login_as(Role.MANAGER)
    client.get("/reports/", query_string=FY_2024)

    update_ward(programme["milton"], programme["milton"].name, True, manager)
    db.session.commit()
    page = client.get("/reports/", query_string=FY_2024).get_data(as_text=True)

    assert table_rows(page, "by_ward")["Milton Dashboard"] == ["Priority", "1", "33.3%"]
    assert "3 people (100.0%) came from the priority wards" in text_of(page)
