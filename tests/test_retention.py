"""Retention: people with no participation (and not added) within the retention period are listed
for review and anonymised in bulk, on the screen or by `flask crm apply-retention`."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from crm.consent import uk_today
from crm.models import AuditEvent, Participation, Person
from crm.models.base import utcnow
from crm.models.enums import AuditAction, ParticipationSource, ParticipationStatus, Role
from crm.queries.retention import months_before, past_retention
from crm.services.retention import RetentionRun, apply_retention, retention_cutoff
from crm.services.settings import update_settings
from tests.conftest import count_queries, csrf_token
from tests.factories import PersonFactory, SessionFactory, UserFactory

LONG_AGO = utcnow() - dt.timedelta(days=5 * 365)


def years_ago(years: float) -> dt.date:
    return uk_today() - dt.timedelta(days=int(years * 365))


def took_part(person, day: dt.date, *, cancelled: bool = False, status=ParticipationStatus.ATTENDED):
    from crm.extensions import db

    session = SessionFactory(date=day, cancelled_at=utcnow() if cancelled else None)
    db.session.add(
        Participation(session_id=session.id, person_id=person.id, status=status, source=ParticipationSource.MANUAL)
    )
    db.session.flush()


@pytest.fixture
def people(db):
    """Who is past a 36-month period and who is not."""
    never_came = PersonFactory(first_name="Never", last_name="Came", created_at=LONG_AGO)
    came_long_ago = PersonFactory(first_name="Long", last_name="Ago", created_at=LONG_AGO)
    took_part(came_long_ago, years_ago(4))
    only_cancelled_since = PersonFactory(first_name="Only", last_name="Cancelled", created_at=LONG_AGO)
    took_part(only_cancelled_since, years_ago(4))
    took_part(only_cancelled_since, years_ago(1), cancelled=True)
    came_recently = PersonFactory(first_name="Came", last_name="Recently", created_at=LONG_AGO)
    took_part(came_recently, years_ago(4))
    took_part(came_recently, years_ago(1))
    invited_recently = PersonFactory(first_name="Invited", last_name="Recently", created_at=LONG_AGO)
    took_part(invited_recently, years_ago(0.5), status=ParticipationStatus.INVITED)
    added_recently = PersonFactory(
        first_name="Added", last_name="Recently", created_at=utcnow() - dt.timedelta(days=30)
    )
    already = PersonFactory(first_name="Already", last_name="Gone", created_at=LONG_AGO, erased_at=utcnow())
    db.session.commit()
    return {
        "past": {never_came.id, came_long_ago.id, only_cancelled_since.id},
        "kept": {came_recently.id, invited_recently.id, added_recently.id, already.id},
        "came_long_ago": came_long_ago,
        "never_came": never_came,
        "came_recently": came_recently,
        "already": already,
    }


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 11, 22), 36, dt.date(2023, 11, 22)),
        (dt.date(2026, 3, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2024, 3, 31), 1, dt.date(2024, 2, 29)),
        (dt.date(2026, 1, 15), 13, dt.date(2024, 12, 15)),
    ],
)
def test_months_before(day, months, expected):
    assert months_before(day, months) == expected


def test_who_is_past_the_period(db, people):
    months, cutoff = retention_cutoff()
    assert months == 36 and cutoff == months_before(uk_today(), 36)
    assert {row.id for row in db.session.execute(past_retention(cutoff))} == people["past"]


def test_the_period_comes_from_the_settings(db, people):
    admin = UserFactory(role=Role.ADMIN)
    update_settings(admin, financial_year_start_month=4, retention_months=50)
    listed = {row.id for row in db.session.execute(past_retention(retention_cutoff()[1]))}
    assert people["came_long_ago"].id not in listed  # four years is within 50 months
    assert people["never_came"].id in listed  # added five years ago
    update_settings(admin, financial_year_start_month=4, retention_months=6)
    listed = {row.id for row in db.session.execute(past_retention(retention_cutoff()[1]))}
    assert people["came_recently"].id in listed  # last came a year ago


def test_the_review_page_lists_them_and_anonymises_the_chosen(client, login_as, db, people):
    user = login_as(Role.ADMIN)
    page = client.get("/admin/retention").get_data(as_text=True)
    assert "3 people past the retention period" in page
    assert "The retention period is 36 months" in page
    for name in ("Never Came", "Long Ago", "Only Cancelled"):
        assert name in page
    for name in ("Came Recently", "Invited Recently", "Added Recently", "Already Gone"):
        assert name not in page
    assert page.count('name="person_id" type="checkbox"') == 3

    chosen = [people["never_came"].id, people["came_long_ago"].id]
    token = csrf_token(client.get("/admin/retention"))
    confirm = client.post("/admin/retention/confirm", data={"csrf_token": token, "person_id": chosen})
    text = confirm.get_data(as_text=True)
    assert "Anonymise 2 people?" in text and "This cannot be undone." in text

    token = csrf_token(confirm)
    wrong = client.post("/admin/retention/apply", data={"csrf_token": token, "person_id": chosen, "confirm": "ok"})
    assert "Type ANONYMISE in capitals to confirm" in wrong.get_data(as_text=True)
    assert db.session.scalar(select(Person.erased_at).where(Person.id == chosen[0])) is None

    # A person who has taken part since is left alone even if their id is sent.
    sent = [*chosen, people["came_recently"].id]
    done = client.post("/admin/retention/apply", data={"csrf_token": token, "person_id": sent, "confirm": "anonymise"})
    assert done.status_code == 302
    after = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "2 people anonymised." in after and "1 was left alone" in after
    assert "1 person past the retention period" in after
    erased = set(db.session.scalars(select(Person.id).where(Person.erased_at.is_not(None))))
    assert erased == {*chosen, people["already"].id}
    run = db.session.scalar(select(AuditEvent).where(AuditEvent.action == AuditAction.RETENTION))
    assert run.user_id == user.id and "anonymised 2 people" in run.detail
    assert "Never" not in run.detail and "Long" not in run.detail
    per_person = db.session.scalars(select(AuditEvent.entity_id).where(AuditEvent.action == AuditAction.ERASE)).all()
    assert sorted(per_person) == sorted(chosen)


def test_choosing_no_one_says_so(client, login_as, db, people):
    login_as(Role.ADMIN)
    token = csrf_token(client.get("/admin/retention"))
    response = client.post("/admin/retention/confirm", data={"csrf_token": token}, follow_redirects=True)
    assert "Choose at least one person to anonymise." in response.get_data(as_text=True)


def test_a_one_month_period_is_not_called_1_months(client, login_as, db):
    admin = login_as(Role.ADMIN)
    update_settings(admin, financial_year_start_month=4, retention_months=1)
    page = client.get("/admin/retention").get_data(as_text=True)
    assert "The retention period is 1 month (" in page


def test_an_empty_review_says_no_one_is_past_it(client, login_as, db):
    login_as(Role.ADMIN)
    assert "No one is past the retention period." in client.get("/admin/retention").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.COORDINATOR])
def test_only_admins_review_retention(client, login_as, db, role):
    login_as(role)
    assert client.get("/admin/retention").status_code == 403


def test_the_review_makes_as_many_queries_for_30_people_as_for_3(client, login_as, db):
    login_as(Role.ADMIN)

    def add(count):
        for _ in range(count):
            person = PersonFactory(created_at=LONG_AGO)
            took_part(person, years_ago(4))
        db.session.commit()

    add(3)
    with_three = count_queries(db, lambda: client.get("/admin/retention"))
    add(27)
    with_thirty = count_queries(db, lambda: client.get("/admin/retention"))
    assert with_three == with_thirty
    page = client.get("/admin/retention?per_page=50").get_data(as_text=True)
    assert "30 people past the retention period" in page


def test_apply_retention_command(runner, db, people, caplog):
    dry = runner.invoke(args=["crm", "apply-retention", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would anonymise 3 people" in dry.output and "Nothing was changed" in dry.output
    assert (
        db.session.scalar(select(Person.id).where(Person.id.in_(people["past"]), Person.erased_at.is_not(None))) is None
    )

    with caplog.at_level("INFO"):
        done = runner.invoke(args=["crm", "apply-retention"])
    assert done.exit_code == 0, done.output
    assert re.search(
        r"Retention \(36 months, no participation since \d{4}-\d\d-\d\d\): anonymised 3 people", done.output
    )
    assert any("anonymised 3 people" in record.getMessage() for record in caplog.records)
    db.session.expire_all()
    erased = set(db.session.scalars(select(Person.id).where(Person.erased_at.is_not(None))))
    assert people["past"] <= erased
    names = set(db.session.scalars(select(Person.first_name).where(Person.id.in_(people["past"]))))
    assert names == {"Anonymised"}
    again = runner.invoke(args=["crm", "apply-retention"])
    assert "anonymised 0 people" in again.output


def test_a_one_month_run_is_described_in_the_singular():
    run = RetentionRun(months=1, cutoff=dt.date(2026, 10, 22), due=1, anonymised=1)
    assert run.describe() == "Retention (1 month, no participation since 2026-10-22): anonymised 1 person"


def test_apply_retention_service_counts(db, people):
    run = apply_retention(None, dry_run=True)
    assert (run.due, run.anonymised) == (3, 0)
    run = apply_retention(None)
    assert run.anonymised == 3
