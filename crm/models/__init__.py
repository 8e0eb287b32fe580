"""The models. Names load on first use (`from crm.models import Person`), because
`crm.extensions` imports `crm.models.base` and an eager import here would be circular.
`load_all()` imports every module so the metadata is complete (create_app and Alembic call it).
"""

from __future__ import annotations

import importlib

_WHERE = {
    "AuditEvent": "audit",
    "Tag": "lists",
    "Theme": "lists",
    "Ward": "lists",
    "Organisation": "organisation",
    "Affiliation": "person",
    "Consent": "person",
    "DataVersion": "settings",
    "DuplicateDismissal": "person",
    "EqualityMonitoring": "person",
    "FeedbackForm": "feedback",
    "FeedbackRating": "feedback",
    "FeedbackResponse": "feedback",
    "FeedbackTopic": "feedback",
    "PersonMerge": "person",
    "ProgrammeSettings": "settings",
    "ReportCache": "settings",
    "Person": "person",
    "PersonTypeLink": "person",
    "person_tags": "person",
    "Contribution": "participation",
    "Participation": "participation",
    "OutboxMessage": "outreach",
    "SavedSearch": "outreach",
    "Event": "session",
    "Session": "session",
    "ApiToken": "user",
    "User": "user",
}

__all__ = sorted(_WHERE)


def load_all() -> None:
    for module in sorted(set(_WHERE.values())):
        importlib.import_module(f"crm.models.{module}")


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f"crm.models.{_WHERE[name]}"), name)
    raise AttributeError(name)
