"""GET /api/v1/sessions/<id>/participants and the idempotent PUT of one participation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from crm.models import AuditEvent, Contribution, Participation
from crm.models.enums import ContributionKind, ParticipationSource, ParticipationStatus, Role
from tests.factories import PersonFactory, SessionFactory
from tests.test_api import error_of

YESTERDAY = dt.date.today() - dt.timedelta(days=1)


def _rows(db, session_id: int) -> list[Participation]:
    return db.session.scalars(select(Participation).where(Participation.session_id == session_id)).all()


def test_put_creates_then_updates_one_row_and_repeating_changes_nothing(api_as, db):
    api = api_as(Role.CHAMPION)
    session = SessionFactory(date=YESTERDAY)
    person = PersonFactory()
    db.session.commit()
    url = f"/api/v1/sessions/{session.id}/participants/{person.id}"

    created = api.open("PUT", url, json={"status": "attended", "minutes": 50, "creche_children": 1})
    assert created.status_code == 201
    assert created.get_json() == {
        "person_id": person.id,
        "session_id": session.id,
        "status": "attended",
        "role": "participant",
        "minutes": 50,
        "creche_children": 1,
        "source": "api",
    }
    audits = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity_id == session.id))

    again = api.open("PUT", url, json={"status": "attended", "minutes": 50, "creche_children": 1})
    assert again.status_code == 200
    assert again.get_json() == created.get_json()
    # Nothing changed, so nothing more in the audit log either.
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity_id == session.id))
        == audits
    )

    # Fields not sent are kept: only the role changes.
    changed = api.open("PUT", url, json={"status": "attended", "role": "rapporteur"})
    assert changed.status_code == 200
    assert changed.get_json()["role"] == "rapporteur"
    assert changed.get_json()["minutes"] == 50
    rows = _rows(db, session.id)
    assert len(rows) == 1 and rows[0].source == ParticipationSource.API

    listed = api.get(f"/api/v1/sessions/{session.id}/participants")
    assert listed.status_code == 200
    assert listed.get_json()["total"] == 1
    assert listed.get_json()["items"][0]["role"] == "rapporteur"


def test_put_refuses_what_the_register_refuses(api_as, db):
    api = api_as(Role.CHAMPION)
    future = SessionFactory(date=dt.date.today() + dt.timedelta(days=3))
    cancelled = SessionFactory(date=YESTERDAY, cancelled_at=dt.datetime.now(dt.UTC))
    held = SessionFactory(date=YESTERDAY)
    person = PersonFactory()
    db.session.commit()

    error = error_of(
        api.open("PUT", f"/api/v1/sessions/{future.id}/participants/{person.id}", json={"status": "attended"}), 422
    )
    assert "status" in error["fields"]
    # Registering ahead of the day is fine.
    assert (
        api.open(
            "PUT", f"/api/v1/sessions/{future.id}/participants/{person.id}", json={"status": "registered"}
        ).status_code
        == 201
    )

    error = error_of(
        api.open("PUT", f"/api/v1/sessions/{cancelled.id}/participants/{person.id}", json={"status": "attended"}), 422
    )
    assert "cancelled" in error["message"]

    url = f"/api/v1/sessions/{held.id}/participants/{person.id}"
    error = error_of(api.open("PUT", url, json={"status": "maybe", "minutes": -5, "colour": "red"}), 422)
    assert set(error["fields"]) == {"status", "colour"}
    error = error_of(api.open("PUT", url, json={"minutes": 30}), 422)
    assert "status" in error["fields"]
    error = error_of(api.open("PUT", url, json={"status": "attended", "minutes": 5000}), 422)
    assert "minutes" in error["fields"]
    assert _rows(db, held.id) == []

    # Someone with a contribution recorded stays attended.
    assert api.open("PUT", url, json={"status": "attended"}).status_code == 201
    db.session.add(
        Contribution(participation_id=_rows(db, held.id)[0].id, kind=ContributionKind.IDEA, summary="An idea")
    )
    db.session.commit()
    error = error_of(api.open("PUT", url, json={"status": "no_show"}), 422)
    assert "contributions" in error["fields"]["status"]
    assert _rows(db, held.id)[0].status == ParticipationStatus.ATTENDED


def test_put_unknown_session_or_person_is_404(api_as, db):
    api = api_as(Role.CHAMPION)
    session = SessionFactory(date=YESTERDAY)
    person = PersonFactory()
    db.session.commit()
    assert error_of(
        api.open("PUT", f"/api/v1/sessions/987654/participants/{person.id}", json={"status": "attended"}), 404
    )
    assert error_of(
        api.open("PUT", f"/api/v1/sessions/{session.id}/participants/987654", json={"status": "attended"}), 404
    )
    assert error_of(api.get("/api/v1/sessions/987654/participants"), 404)


def test_put_refuses_an_anonymised_person(api_as, db):
    api = api_as(Role.CHAMPION)
    session = SessionFactory(date=YESTERDAY)
    person = PersonFactory(erased_at=dt.datetime.now(dt.UTC))
    db.session.commit()
    error = error_of(
        api.open("PUT", f"/api/v1/sessions/{session.id}/participants/{person.id}", json={"status": "attended"}), 422
    )
    assert "anonymised" in error["message"]
    assert _rows(db, session.id) == []
