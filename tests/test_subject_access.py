"""Subject access: everything held about a person, found from the model metadata, as a page,
a JSON download and `flask crm export-person`; every export audited."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Column, ForeignKey, Integer, Table, select

from crm.extensions import db as _db
from crm.models import (
    Affiliation,
    AuditEvent,
    Contribution,
    EqualityMonitoring,
    OutboxMessage,
    Participation,
    PersonMerge,
)
from crm.models.enums import (
    AuditAction,
    ContributionKind,
    Ethnicity,
    MessageKind,
    ParticipationSource,
    ParticipationStatus,
    Role,
)
from crm.services.settings import update_settings
from crm.services.subject_access import PURPOSES, collect, linked_tables
from tests.conftest import csrf_token
from tests.factories import ConsentFactory, OrganisationFactory, PersonFactory, SessionFactory, TagFactory


def tables_referring_to(metadata, target_names: set[str]) -> set[str]:
    return {
        table.name
        for table in metadata.sorted_tables
        for foreign_key in table.foreign_keys
        if foreign_key.column.table.name in target_names and table.name not in target_names
    }


@pytest.fixture
def held(db):
    """A person with something in every kind of table that links to people."""
    person = PersonFactory(
        first_name="Grace", last_name="Okafor", email="grace.okafor@example.com", notes="Prefers mornings"
    )
    person.tags = [TagFactory(name="Speech and language")]
    organisation = OrganisationFactory(name="Southend YMCA")
    db.session.add(Affiliation(person_id=person.id, organisation_id=organisation.id, job_title="Youth worker"))
    ConsentFactory(person=person, wording="I agree to be contacted (Grace's form).")
    db.session.add(EqualityMonitoring(person_id=person.id, ethnicity=Ethnicity.AFRICAN))
    session = SessionFactory(title="Chatterbox co-design")
    participation = Participation(
        session_id=session.id,
        person_id=person.id,
        status=ParticipationStatus.ATTENDED,
        source=ParticipationSource.REGISTER,
        reply_note="Bringing my twins",
    )
    db.session.add(participation)
    db.session.flush()
    db.session.add(
        Contribution(
            participation_id=participation.id, kind=ContributionKind.IDEA, summary="Story sacks at the library"
        )
    )
    db.session.add(
        OutboxMessage(
            kind=MessageKind.INVITATION,
            person_id=person.id,
            session_id=session.id,
            to_address=person.email,
            subject="You're invited",
            body_text="Hello Grace",
        )
    )
    db.session.add(PersonMerge(merged_id=999_999, survivor_id=person.id))
    db.session.commit()
    return person


def test_every_table_linking_to_people_is_found_and_has_a_purpose(app):
    metadata = _db.metadata
    direct = tables_referring_to(metadata, {"people"})
    further = tables_referring_to(metadata, direct | {"people"}) - direct
    found = {link.table.name for link in linked_tables()}
    assert direct, "expected tables with a foreign key to people.id"
    assert "contributions" in further  # hanging off participations
    assert found == direct | further
    missing = sorted(found - set(PURPOSES))
    assert missing == [], (
        f"Tables linking to people without a stated purpose and retention period: {missing}. "
        "Add them to PURPOSES in crm/services/subject_access.py (and to HANDLED in crm/services/erasure.py)."
    )


def test_a_new_table_referring_to_people_would_be_exported_and_fail_until_described(app, db, held):
    table = Table(
        "pretend_home_visits",
        _db.metadata,
        Column("id", Integer, primary_key=True),
        Column("visited_person_id", ForeignKey("people.id")),
    )
    try:
        links = {link.table.name: link for link in linked_tables()}
        assert "pretend_home_visits" in links
        assert "visited_person_id" in links["pretend_home_visits"].describe()
        assert "pretend_home_visits" not in PURPOSES
    finally:
        _db.metadata.remove(table)
    assert "pretend_home_visits" not in {link.table.name for link in linked_tables()}


def test_a_one_month_retention_period_reads_as_one_month(db, held):
    update_settings(None, financial_year_start_month=4, retention_months=1)
    sections = {section["table"]: section for section in collect(held).as_json()["sections"]}
    assert "Kept while the person takes part. 1 month after their last session" in sections["people"]["retention"]


def test_the_export_holds_every_row_about_the_person_with_purposes(db, held):
    export = collect(held).as_json()
    sections = {section["table"]: section for section in export["sections"]}
    assert export["person_id"] == held.id and export["retention_months"] == 36
    assert set(sections) >= {link.table.name for link in linked_tables()} | {"people", "audit_events"}
    assert all(section["purpose"] and section["retention"] for section in sections.values())
    assert "36 months" in sections["people"]["retention"]
    assert sections["people"]["rows"][0]["notes"] == "Prefers mornings"
    assert sections["people"]["rows"][0]["email"] == "grace.okafor@example.com"
    assert sections["person_tags"]["rows"][0]["tag"] == "Speech and language"
    assert sections["affiliations"]["rows"][0]["organisation"] == "Southend YMCA"
    assert sections["affiliations"]["rows"][0]["job_title"] == "Youth worker"
    assert sections["consents"]["rows"][0]["wording"] == "I agree to be contacted (Grace's form)."
    assert sections["equality_monitoring"]["rows"][0]["ethnicity"] == "black_african"
    assert sections["participations"]["rows"][0]["status"] == "attended"
    assert sections["participations"]["rows"][0]["session"].startswith("Chatterbox co-design")
    assert sections["contributions"]["rows"][0]["summary"] == "Story sacks at the library"
    assert "participations" in sections["contributions"]["linked_by"]
    assert sections["outbox_messages"]["rows"][0]["body_text"] == "Hello Grace"
    assert sections["person_merges"]["rows"][0]["merged_id"] == 999_999
    # Someone else's rows are not included.
    other = PersonFactory(first_name="Zebedee")
    db.session.flush()
    assert all(row.get("person_id") in (None, held.id) for section in collect(held).sections for row in section.rows)
    assert "Zebedee" not in json.dumps(collect(held).as_json())
    assert other.id not in [row["id"] for row in sections["people"]["rows"]]


def test_managers_get_a_readable_page_and_it_is_audited(client, login_as, db, held):
    user = login_as(Role.MANAGER)
    profile = client.get(f"/people/{held.id}").get_data(as_text=True)
    assert f'href="/people/{held.id}/subject-access">Subject access export</a>' in profile
    page = client.get(f"/people/{held.id}/subject-access").get_data(as_text=True)
    assert "Everything we hold about Grace Okafor" in page
    for text in (
        "Personal details",
        "Why we hold it",
        "How long we keep it",
        "Story sacks at the library",
        "Southend YMCA",
        "Equality monitoring",
        "Prefers mornings",
        "Download as JSON",
    ):
        assert text in page, text
    rows = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.SUBJECT_ACCESS, AuditEvent.entity_id == held.id)
    ).all()
    assert [(r.user_id, r.entity_type) for r in rows] == [(user.id, "people")]
    assert rows[0].detail.startswith("web page:") and "Grace" not in rows[0].detail


def test_the_json_download_is_a_post_with_only_the_id_in_the_url(client, login_as, db, held):
    login_as(Role.ADMIN)
    token = csrf_token(client.get(f"/people/{held.id}/subject-access"))
    response = client.post(f"/people/{held.id}/subject-access/download", data={"csrf_token": token})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="subject-access-person-{held.id}.json"'
    data = json.loads(response.data)
    assert data["person_id"] == held.id
    assert any(s["table"] == "contributions" and s["rows"] for s in data["sections"])
    audited = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == AuditAction.SUBJECT_ACCESS)).all()
    assert [d.split(":")[0] for d in audited] == ["web page", "JSON download"]
    assert client.post(f"/people/{held.id}/subject-access/download").status_code == 400


@pytest.mark.parametrize("role", [Role.CHAMPION, Role.COORDINATOR])
def test_other_roles_cannot_export(client, login_as, db, held, role):
    login_as(role)
    assert client.get(f"/people/{held.id}/subject-access").status_code == 403
    assert "Subject access export" not in client.get(f"/people/{held.id}").get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == AuditAction.SUBJECT_ACCESS)) is None


def test_export_person_prints_the_json(runner, db, held):
    result = runner.invoke(args=["crm", "export-person", str(held.id)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    sections = {s["table"]: s for s in data["sections"]}
    assert sections["people"]["rows"][0]["last_name"] == "Okafor"
    assert sections["consents"]["purpose"].startswith("Evidence of what the person agreed to")
    detail = db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == AuditAction.SUBJECT_ACCESS))
    assert detail.startswith("command line:")

    missing = runner.invoke(args=["crm", "export-person", "987654321"])
    assert missing.exit_code == 1
    assert "there is no person with id 987654321" in missing.output
