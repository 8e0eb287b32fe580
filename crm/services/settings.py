"""Programme-wide settings: the financial year's first month and the retention period."""

from __future__ import annotations

from crm.extensions import db
from crm.models.enums import AuditAction
from crm.models.settings import ProgrammeSettings
from crm.services import audit
from crm.services.errors import InvalidInput

MAX_RETENTION_MONTHS = 240
# The shortest period an administrator may set: retention runs unattended every night, and a
# shorter one would anonymise people who take part once a year. (The service itself accepts
# any period from 1 month, for the command line and tests.)
MIN_FORM_RETENTION_MONTHS = 12


def current_settings() -> ProgrammeSettings:
    """The one settings row (the migration creates it; recreated with defaults if missing)."""
    settings = db.session.get(ProgrammeSettings, 1)
    if settings is None:
        settings = ProgrammeSettings(id=1, financial_year_start_month=4, retention_months=36)
        db.session.add(settings)
        db.session.flush()
    return settings


def update_settings(actor, *, financial_year_start_month: int, retention_months: int) -> ProgrammeSettings:
    errors = {}
    if not isinstance(financial_year_start_month, int) or not 1 <= financial_year_start_month <= 12:
        errors["financial_year_start_month"] = "Choose the month the financial year starts in"
    if not isinstance(retention_months, int) or not 1 <= retention_months <= MAX_RETENTION_MONTHS:
        errors["retention_months"] = f"Enter a retention period between 1 and {MAX_RETENTION_MONTHS} months"
    if errors:
        raise InvalidInput(errors)
    settings = current_settings()
    settings.financial_year_start_month = financial_year_start_month
    settings.retention_months = retention_months
    settings.updated_by_id = getattr(actor, "id", None)
    fields = audit.changed_fields(settings)
    if fields:
        audit.record(actor, AuditAction.UPDATE, settings, fields)
    db.session.flush()
    return settings
