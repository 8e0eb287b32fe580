"""The dashboard's downloads (one CSV per table, the whole report as XLSX) and equality
monitoring: small counts shown as "fewer than 5" on the page and in both downloads."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from crm import permissions
from crm.models import Affiliation, EqualityMonitoring
from crm.models.enums import AgeBand, Ethnicity, Gender, InvolvementLevel, Role
from crm.queries.dashboard import suppress_small_counts
from crm.templating import LONDON, format_date
from tests.factories import OrganisationFactory, PersonFactory, SessionFactory
from tests.test_dashboard import FY_2024, attend, programme, table_rows, text_of  # noqa: F401

CALENDAR_2023 = {"year": 2023, "basis": "calendar"}


def csv_rows(response) -> list[list[str]]:
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def monitored(db):
    """Seven people at a 2023 session: six women (five aged 25 to 34, one 35 to 44), one man;
    six White British and one Indian; one with no answers recorded at all."""
    session = SessionFactory(date=dt.date(2023, 9, 14), involvement_level=InvolvementLevel.CONSULTING)
    answers = [
        (AgeBand.AGE_25_34, Ethnicity.WHITE_BRITISH, Gender.WOMAN),
        (AgeBand.AGE_25_34, Ethnicity.WHITE_BRITISH, Gender.WOMAN),
        (AgeBand.AGE_25_34, Ethnicity.WHITE_BRITISH, Gender.WOMAN),
        (AgeBand.AGE_25_34, Ethnicity.WHITE_BRITISH, Gender.WOMAN),
        (AgeBand.AGE_25_34, Ethnicity.WHITE_BRITISH, Gender.WOMAN),
        (AgeBand.AGE_35_44, Ethnicity.INDIAN, Gender.MAN),
    ]
    for age, ethnicity, gender in answers:
        person = PersonFactory()
        db.session.add(EqualityMonitoring(person_id=person.id, age_band=age, ethnicity=ethnicity, gender=gender))
        attend(session, person)
    attend(session, PersonFactory())
    db.session.commit()


def test_small_counts_are_hidden_and_a_single_hidden_count_takes_the_next_smallest_with_it():
    assert suppress_small_counts({"a": 10, "b": 3, "c": 7, "d": 12}) == {"a": 10, "b": None, "c": None, "d": 12}
    assert suppress_small_counts({"a": 10, "b": 3, "c": 4}) == {"a": 10, "b": None, "c": None}
    # A hidden zero reveals nobody, so nothing else is hidden for it.
    assert suppress_small_counts({"a": 10, "b": 0, "c": 7}) == {"a": 10, "b": None, "c": 7}
    assert suppress_small_counts({"a": 5, "b": 6}) == {"a": 5, "b": 6}


def test_equality_breakdowns_show_fewer_than_5_on_the_page(client, login_as, monitored):
    login_as(Role.MANAGER)

    page = client.get("/reports/", query_string=CALENDAR_2023).get_data(as_text=True)

    age = table_rows(page, "equality_age_band")
    assert age["25 to 34"] == ["5", "71.4%"]
    assert age["35 to 44"] == ["fewer than 5", ""]
    # The only other non-zero count (one person not recorded) is hidden too.
    assert age["Not recorded"] == ["fewer than 5", ""]
    ethnic = table_rows(page, "equality_ethnic_group")
    assert ethnic["White"] == ["5", "71.4%"]
    assert ethnic["Asian, Asian British or Asian Welsh"] == ["fewer than 5", ""]
    gender = table_rows(page, "equality_gender")
    assert gender["Woman"] == ["5", "71.4%"] and gender["Man"] == ["fewer than 5", ""]
    # No drill-down from equality figures.
    section = page[page.index('id="equality"') :]
    assert "/reports/people" not in section[: section.index('id="feedback"')]


def test_equality_csv_and_xlsx_show_fewer_than_5_too(client, login_as, monitored):
    login_as(Role.MANAGER)

    rows = csv_rows(client.get("/reports/table.csv", query_string=CALENDAR_2023 | {"table": "equality_gender"}))
    workbook = load_workbook(io.BytesIO(client.get("/reports/report.xlsx", query_string=CALENDAR_2023).data))

    assert rows[0] == ["Gender", "People", "Share of people (%)"]
    assert ["Woman", "5", "71.4"] in rows
    assert ["Man", "fewer than 5", ""] in rows
    sheet = {row[0]: list(row[1:]) for row in workbook["Equality, gender"].iter_rows(min_row=3, values_only=True)}
    assert sheet["Woman"][:2] == [5, 71.4]
    assert sheet["Man"][0] == "fewer than 5"
    people = [row[0] for row in sheet.values()]
    assert all(value == "fewer than 5" or value >= 5 for value in people)


def test_the_workbook_has_one_sheet_per_breakdown_with_the_figures_on_the_page(
    client,
    login_as,
    programme,  # noqa: F811
):
    login_as(Role.MANAGER)

    response = client.get("/reports/report.xlsx", query_string=FY_2024)
    workbook = load_workbook(io.BytesIO(response.data))

    assert response.headers["Content-Disposition"] == 'attachment; filename="participation-financial-2024-25.xlsx"'
    assert workbook.sheetnames == [
        "Headline figures",
        "By month",
        "By person type",
        "By ward",
        "By organisation",
        "By theme",
        "By involvement level",
        "Depth of involvement",
        "Contributions and you said, we",
        "Equality, age",
        "Equality, ethnic group",
        "Equality, disability",
        "Equality, gender",
    ]
    # Each sheet says which year it covers and when its figures were counted (today, here).
    title = workbook["By ward"]["A1"].value
    assert title.startswith("By ward — 2024/25 (financial year), counted on ")
    assert format_date(dt.datetime.now(LONDON).date()) in title

    def sheet(name):
        return {row[0]: list(row[1:]) for row in workbook[name].iter_rows(min_row=3, values_only=True) if row[0]}

    summary = sheet("Headline figures")
    assert summary["Sessions held"][:3] == [2, 1, "Up 1 (100.0%)"]
    assert summary["People who took part"][:2] == [3, 2]
    assert summary["Hours given"][0] == 3.3
    assert summary["No-show rate"][0] == 25.0
    assert sheet("By month")["May 2024"][:3] == [1, 2, 2]
    assert sheet("By ward")["Kursaal Dashboard"][:3] == ["Yes", 2, 66.7]
    assert sheet("Depth of involvement")["Moved up the ladder"][0] == 1
    assert sheet("By involvement level")["Co-designing"][:3] == [1, 2, 66.7]


def test_a_breakdown_downloads_as_csv(client, login_as, programme):  # noqa: F811
    login_as(Role.MANAGER)

    response = client.get("/reports/table.csv", query_string=FY_2024 | {"table": "by_month"})

    assert response.headers["Content-Disposition"] == (
        'attachment; filename="participation-financial-2024-25-by-month.csv"'
    )
    rows = csv_rows(response)
    assert rows[0] == ["Month", "Sessions", "Attendances", "People"]
    assert ["May 2024", "1", "2", "2"] in rows
    assert len(rows) == 13


def test_csv_and_xlsx_are_formula_safe(client, login_as, db):
    login_as(Role.MANAGER)
    organisation = OrganisationFactory(name='=HYPERLINK("http://example.com","Click")')
    person = PersonFactory()
    db.session.add(Affiliation(person_id=person.id, organisation_id=organisation.id))
    attend(SessionFactory(date=dt.date(2023, 3, 3)), person)
    db.session.commit()

    rows = csv_rows(client.get("/reports/table.csv", query_string=CALENDAR_2023 | {"table": "by_organisation"}))
    workbook = load_workbook(io.BytesIO(client.get("/reports/report.xlsx", query_string=CALENDAR_2023).data))

    assert rows[1][0] == '\'=HYPERLINK("http://example.com","Click")'
    cell = workbook["By organisation"]["A3"]
    assert cell.value == '\'=HYPERLINK("http://example.com","Click")' and cell.data_type == "s"


def test_downloads_of_unknown_tables_or_periods_are_not_found(client, login_as):
    login_as(Role.MANAGER)

    assert client.get("/reports/table.csv", query_string=FY_2024 | {"table": "people"}).status_code == 404
    assert client.get("/reports/report.xlsx", query_string={"year": "1066", "basis": "calendar"}).status_code == 404
    assert client.get("/reports/report.xlsx", query_string={"year": "2024", "basis": "lunar"}).status_code == 404
    assert client.get("/reports/people", query_string={"year": ""}).status_code == 404


def test_without_people_view_the_numbers_do_not_link_to_people(client, login_as, programme, monkeypatch):  # noqa: F811
    without = permissions.ROLE_PERMISSIONS[Role.MANAGER] - {permissions.PEOPLE_VIEW}
    monkeypatch.setitem(permissions.ROLE_PERMISSIONS, Role.MANAGER, without)
    login_as(Role.MANAGER)

    page = client.get("/reports/", query_string=FY_2024).get_data(as_text=True)
    drill = client.get("/reports/people", query_string=FY_2024)

    assert "/reports/people" not in page
    assert "/reports/sessions" in page  # sessions are not personal data
    assert "People who took part 3" in text_of(page)
    assert drill.status_code == 403
    assert not re.search(r"Dashford", drill.get_data(as_text=True))
