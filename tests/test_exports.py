"""Exporting find-people results: the coordinator's columns only, formula-safe, audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from crm.models import AuditEvent, Consent, Participation, Person, PersonTypeLink, Ward
from crm.models.enums import (
    ConsentMethod,
    ConsentPurpose,
    ParticipationSource,
    ParticipationStatus,
    PersonType,
    Role,
)
from crm.services.exports import HEADERS, formula_safe
from tests.conftest import count_queries, csrf_token
from tests.factories import ConsentFactory, PersonFactory, SessionFactory


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ('=HYPERLINK("http://evil.example","click")', '\'=HYPERLINK("http://evil.example","click")'),
        ("+447700900123", "'+447700900123"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rReturn", "'\rReturn"),
        ("Amy", "Amy"),
        ("", ""),
        (3, 3),
    ],
)
def test_formula_safe(value, safe):
    assert formula_safe(value) == safe


@pytest.fixture
def exported_people(db):
    kursaal = db.session.scalar(select(Ward).where(Ward.name == "Kursaal"))
    evil = PersonFactory(
        first_name='=HYPERLINK("http://evil.example","x")',
        last_name="Smith",
        phone="+447700900123",
        types=[PersonType.PARENT_CHAMPION],
        ward_id=kursaal.id,
        needs_creche=True,
        interpreter_language="Polish",
    )
    ConsentFactory(person=evil)
    PersonFactory(first_name="Zoë", last_name="Ørsted", types=[PersonType.PARENT_CHAMPION], preferred_name="Zo")
    PersonFactory(first_name="Not", last_name="Included", types=[PersonType.VOLUNTEER])
    db.session.commit()
    return evil


def test_csv_export_is_formula_safe_utf8_and_audited(client, login_as, db, exported_people):
    user = login_as(Role.COORDINATOR)
    response = client.post(
        "/find/export.csv?type=parent_champion", data={"csrf_token": csrf_token(client.get("/find"))}
    )
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="people.csv"'
    body = response.data
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == list(HEADERS)
    assert len(rows) == 3
    evil = rows[1] if rows[1][0].startswith("'=") else rows[2]
    assert evil[0] == '\'=HYPERLINK("http://evil.example","x") Smith'
    assert evil[3] == "'+447700900123"
    assert evil[4] == "Kursaal"
    assert evil[5] == "Parent champion"
    assert evil[6] == "Yes"
    assert evil[7] == "Creche; Interpreter (Polish)"
    zoe = rows[1] if rows[1] is not evil else rows[2]
    assert zoe[:2] == ["Zoë Ørsted", "Zo"] and zoe[6] == "No" and zoe[8] == "" and zoe[9] == "0"
    # No equality-monitoring data, nor anything beyond the coordinator's columns.
    assert all(not h.lower().startswith(("gender", "ethnic", "disab", "religion", "age")) for h in rows[0])

    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "export")).all()
    assert len(audit) == 1
    assert audit[0].user_id == user.id
    assert audit[0].detail == "people export (csv): 2 rows; filters: type=parent_champion"


def test_xlsx_export_is_formula_safe_and_audited(client, login_as, db, exported_people):
    login_as(Role.COORDINATOR)
    response = client.post(
        "/find/export.xlsx?type=parent_champion&sort=name", data={"csrf_token": csrf_token(client.get("/find"))}
    )
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == list(HEADERS)
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example","x") Smith'
    assert sheet.cell(row=2, column=1).data_type == "s"  # text, not a formula
    assert rows[1][3] == "'+447700900123"
    assert rows[2][0] == "Zoë Ørsted"
    assert rows[2][9] == 0
    detail = db.session.scalar(select(AuditEvent.detail).where(AuditEvent.entity_type == "export"))
    assert detail == "people export (xlsx): 2 rows; filters: type=parent_champion"


def test_export_with_free_text_never_records_the_text(client, login_as, db, exported_people):
    login_as(Role.COORDINATOR)
    token = csrf_token(client.get("/find"))
    location = client.post("/find/search", data={"csrf_token": token, "q": "Zo"}).headers["Location"]
    key = parse_qs(urlsplit(location).query)["search"][0]
    response = client.post(f"/find/export.csv?search={key}", data={"csrf_token": token})
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["Zoë Ørsted"]
    detail = db.session.scalar(select(AuditEvent.detail).where(AuditEvent.entity_type == "export"))
    assert detail == "people export (csv): 1 rows; filters: text search"
    assert "Zo" not in detail.replace("Zoë", "")


def test_export_with_bad_filters_writes_nothing(client, login_as, db, exported_people):
    login_as(Role.COORDINATOR)
    response = client.post(
        "/find/export.csv?ward=Atlantis", data={"csrf_token": csrf_token(client.get("/find"))}, follow_redirects=True
    )
    assert "Fix the filters before exporting" in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "export")) is None


def test_champions_cannot_export(client, login_as, exported_people):
    login_as(Role.CHAMPION)
    assert client.post("/find/export.xlsx", data={"csrf_token": csrf_token(client.get("/find"))}).status_code == 403


def test_contact_details_only_for_people_who_consent_and_the_export_is_audited_as_an_export(
    client, login_as, db, exported_people
):
    from crm.models.base import utcnow
    from crm.models.enums import AuditAction
    from crm.services.erasure import erase_person

    withdrawn = PersonFactory(
        first_name="Wendy",
        last_name="Withdrawn",
        email="wendy@example.com",
        phone="+447700900555",
        types=[PersonType.PARENT_CHAMPION],
    )
    ConsentFactory(person=withdrawn, withdrawn_at=utcnow())
    erased = PersonFactory(first_name="Erin", last_name="Erased", types=[PersonType.PARENT_CHAMPION])
    erase_person(erased, None)
    db.session.commit()
    login_as(Role.COORDINATOR)
    response = client.post(
        "/find/export.csv?type=parent_champion", data={"csrf_token": csrf_token(client.get("/find"))}
    )
    rows = {row[0]: row for row in csv.reader(io.StringIO(response.data.decode("utf-8-sig")))}
    assert "Anonymised person" not in rows and len(rows) == 4  # header, evil, Zoë, Wendy
    assert rows["Wendy Withdrawn"][2:4] == ["", ""] and rows["Wendy Withdrawn"][6] == "No"
    assert rows["Zoë Ørsted"][2] == "" and rows["Zoë Ørsted"][6] == "No"
    evil = next(row for name, row in rows.items() if name.startswith("'="))
    assert evil[2].endswith("@example.com") and evil[3] == "'+447700900123" and evil[6] == "Yes"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "export"))
    assert event.action == AuditAction.EXPORT
    assert event.detail == "people export (csv): 3 rows; filters: type=parent_champion"


def test_a_large_export_makes_as_many_statements_as_a_small_one(client, login_as, db):
    """Past a thousand people (more than any one batch of ids), the export still reads each kind
    of thing once: the statement count does not grow with the rows."""
    login_as(Role.COORDINATOR)
    kursaal = db.session.scalar(select(Ward).where(Ward.name == "Kursaal"))
    held = SessionFactory(date=dt.date.today())
    made = 0

    def add(count: int) -> None:
        nonlocal made
        numbers = range(made, made + count)
        made += count
        db.session.execute(
            insert(Person),
            [
                {
                    "first_name": f"Bulk{n:05d}",
                    "last_name": "Export",
                    "email": f"bulk{n}@example.com",
                    "phone": "+447700900111",
                    "ward_id": kursaal.id,
                    "needs_step_free": n % 2 == 0,
                }
                for n in numbers
            ],
        )
        ids = dict(db.session.execute(select(Person.first_name, Person.id).where(Person.last_name == "Export")).all())
        person_ids = [ids[f"Bulk{n:05d}"] for n in numbers]
        db.session.execute(
            insert(PersonTypeLink),
            [{"person_id": i, "type": PersonType.VOLUNTEER} for i in person_ids]
            + [{"person_id": i, "type": PersonType.PARENT_CARER} for i in person_ids[::3]],
        )
        db.session.execute(
            insert(Consent),
            [
                {"person_id": i, "purpose": ConsentPurpose.CONTACT, "method": ConsentMethod.PAPER, "wording": "Yes"}
                for i in person_ids[::2]
            ],
        )
        db.session.execute(
            insert(Participation),
            [
                {
                    "session_id": held.id,
                    "person_id": i,
                    "status": ParticipationStatus.ATTENDED,
                    "source": ParticipationSource.MANUAL,
                }
                for i in person_ids[::3]
            ],
        )
        db.session.commit()

    def export() -> tuple[int, list[list[str]]]:
        token = csrf_token(client.get("/find"))
        responses = []
        statements = count_queries(
            db,
            lambda: responses.append(
                client.post("/find/export.csv", query_string={"ward": "Kursaal"}, data={"csrf_token": token})
            ),
        )
        return statements, list(csv.reader(io.StringIO(responses[0].data.decode("utf-8-sig"))))

    add(3)
    small_statements, small = export()
    add(1_100)
    large_statements, large = export()

    assert small_statements == large_statements
    assert len(small) == 1 + 3 and len(large) == 1 + 1_103
    assert [row[0] for row in large[1:]] == [f"Bulk{n:05d} Export" for n in range(1_103)]
    first, second = large[1], large[2]
    assert first == [
        "Bulk00000 Export",
        "",
        "bulk0@example.com",
        "'+447700900111",
        "Kursaal",
        "Parent or carer, Volunteer",
        "Yes",
        "Step-free access",
        held.date.isoformat(),
        "1",
    ]
    assert second == ["Bulk00001 Export", "", "", "", "Kursaal", "Volunteer", "No", "", "", "0"]
