"""The settings screen: financial year start month and retention period, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.models import AuditEvent, ProgrammeSettings
from crm.models.enums import AuditAction, Role
from crm.services.settings import current_settings


def test_defaults_are_april_and_36_months(client, login_as, db):
    login_as(Role.ADMIN)
    page = client.get("/admin/settings").get_data(as_text=True)
    assert '<option value="4" selected>April</option>' in page
    assert 'name="retention_months" type="text" value="36"' in page
    assert "Settings" in client.get("/admin/").get_data(as_text=True)


def test_changing_the_settings_is_saved_and_audited(client, login_as, post_form, db):
    user = login_as(Role.ADMIN)
    response = post_form("/admin/settings", {"financial_year_start_month": "1", "retention_months": "24"})
    assert response.status_code == 302
    assert "Settings saved." in client.get("/admin/settings").get_data(as_text=True)
    settings = db.session.get(ProgrammeSettings, 1)
    assert (settings.financial_year_start_month, settings.retention_months, settings.updated_by_id) == (1, 24, user.id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "programme_settings"))
    assert event.action == AuditAction.UPDATE and event.user_id == user.id
    assert event.changed_fields == ["financial_year_start_month", "retention_months", "updated_by_id"]
    assert "The retention period is 24 months" in client.get("/admin/retention").get_data(as_text=True)

    post_form("/admin/settings", {"financial_year_start_month": "1", "retention_months": "24"})
    assert "Nothing was changed." in client.get("/admin/settings").get_data(as_text=True)


def test_twelve_months_is_the_shortest_period_the_form_accepts(client, login_as, post_form, db):
    login_as(Role.ADMIN)
    response = post_form("/admin/settings", {"financial_year_start_month": "4", "retention_months": "12"})
    assert response.status_code == 302
    assert "The retention period is 12 months" in client.get("/admin/retention").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"financial_year_start_month": "4", "retention_months": "0"},
            "Enter a retention period between 12 and 240 months",
        ),
        (
            {"financial_year_start_month": "4", "retention_months": "1"},
            "Enter a retention period between 12 and 240 months",
        ),
        (
            {"financial_year_start_month": "4", "retention_months": "11"},
            "Enter a retention period between 12 and 240 months",
        ),
        (
            {"financial_year_start_month": "4", "retention_months": "999"},
            "Enter a retention period between 12 and 240 months",
        ),
        (
            {"financial_year_start_month": "4", "retention_months": "three years"},
            "whole number of months, for example 36",
        ),
        ({"financial_year_start_month": "4", "retention_months": ""}, "whole number of months, for example 36"),
        ({"financial_year_start_month": "13", "retention_months": "36"}, "Choose the month the financial year"),
    ],
)
def test_bad_values_are_explained_and_nothing_changes(client, login_as, post_form, db, data, message):
    login_as(Role.ADMIN)
    page = post_form("/admin/settings", data).get_data(as_text=True)
    assert "There is a problem" in page and message in page
    assert (current_settings().financial_year_start_month, current_settings().retention_months) == (4, 36)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.COORDINATOR, Role.CHAMPION])
def test_only_admins_change_settings(client, login_as, db, role):
    login_as(role)
    assert client.get("/admin/settings").status_code == 403


def test_saving_without_a_csrf_token_is_refused(client, login_as, db):
    login_as(Role.ADMIN)
    response = client.post("/admin/settings", data={"financial_year_start_month": "1", "retention_months": "12"})
    assert response.status_code == 400
    assert current_settings().retention_months == 36
