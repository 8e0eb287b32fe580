"""Retention: anonymising people who have not taken part for longer than the retention period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from crm.consent import uk_today
from crm.extensions import db
from crm.models.enums import AuditAction
from crm.queries.retention import months_before, past_retention_ids
from crm.services import audit
from crm.services.erasure import anonymise_people
from crm.services.settings import current_settings

_CHUNK = 500


@dataclass
class RetentionRun:
    months: int
    cutoff: date
    due: int
    anonymised: int
    dry_run: bool = False

    def describe(self) -> str:
        """What happened, without personal data (for the audit log, the log and the command)."""
        count = self.due if self.dry_run else self.anonymised
        verb = "would anonymise" if self.dry_run else "anonymised"
        period = f"{self.months} month{'' if self.months == 1 else 's'}"
        return (
            f"Retention ({period}, no participation since {self.cutoff.isoformat()}): "
            f"{verb} {count} {'person' if count == 1 else 'people'}"
        )


def retention_cutoff(today: date | None = None) -> tuple[int, date]:
    """The retention period in months and the date before which people are past it."""
    months = current_settings().retention_months
    return months, months_before(today or uk_today(), months)


def apply_retention(
    actor, *, person_ids: Sequence[int] | None = None, dry_run: bool = False, via: str = "retention review"
) -> RetentionRun:
    """Anonymise the people past the retention period (only those of `person_ids`, when given,
    that are still past it). Audited with the count, never with names."""
    months, cutoff = retention_cutoff()
    if person_ids is None:
        due = list(db.session.scalars(past_retention_ids(cutoff)))
    else:
        wanted = sorted({int(person_id) for person_id in person_ids})
        due = []
        for start in range(0, len(wanted), _CHUNK):
            due += db.session.scalars(past_retention_ids(cutoff, wanted[start : start + _CHUNK])).all()
    run = RetentionRun(months, cutoff, len(due), 0, dry_run)
    if dry_run:
        return run
    run.anonymised = anonymise_people(due, actor, detail=f"retention: {via}")
    audit.record(actor, AuditAction.RETENTION, None, entity_type="people", detail=f"{run.describe()} ({via})"[:300])
    db.session.flush()
    return run
