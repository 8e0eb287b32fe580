"""What each role may do: the one table every view and API endpoint consults.

Every route names its permission with `@requires(...)`, or says it is open with `@public`;
a test walks the URL map and fails for a route that does neither.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import abort, request
from flask_login import current_user

from crm.models.enums import Role

F = TypeVar("F", bound=Callable)

# Permissions, by area. The view names them; the table below grants them.
PEOPLE_VIEW = "people.view"
PEOPLE_CREATE = "people.create"
PEOPLE_EDIT = "people.edit"
ORGANISATIONS_VIEW = "organisations.view"
ORGANISATIONS_EDIT = "organisations.edit"
SESSIONS_VIEW = "sessions.view"
SESSIONS_EDIT = "sessions.edit"
ATTENDANCE_RECORD = "attendance.record"
PEOPLE_FIND = "people.find"
INVITATIONS_SEND = "invitations.send"
REPORTS_VIEW = "reports.view"
USERS_MANAGE = "users.manage"
LISTS_MANAGE = "lists.manage"
AUDIT_VIEW = "audit.view"
FEEDBACK_MANAGE = "feedback.manage"
PEOPLE_IMPORT = "people.import"
PEOPLE_MERGE = "people.merge"
# Equality-monitoring answers are special category data.
EQUALITY_MANAGE = "equality.manage"
SUBJECT_ACCESS = "people.subject_access"
PEOPLE_ERASE = "people.erase"
SETTINGS_MANAGE = "settings.manage"
SIGNED_IN = "signed_in"

_CHAMPION = {
    SIGNED_IN,
    PEOPLE_VIEW,
    PEOPLE_CREATE,
    PEOPLE_EDIT,
    ORGANISATIONS_VIEW,
    SESSIONS_VIEW,
    ATTENDANCE_RECORD,
}
_COORDINATOR = _CHAMPION | {
    ORGANISATIONS_EDIT,
    SESSIONS_EDIT,
    PEOPLE_FIND,
    INVITATIONS_SEND,
    FEEDBACK_MANAGE,
    PEOPLE_IMPORT,
}
_MANAGER = _COORDINATOR | {REPORTS_VIEW, PEOPLE_MERGE, EQUALITY_MANAGE, SUBJECT_ACCESS}
_ADMIN = _MANAGER | {USERS_MANAGE, LISTS_MANAGE, AUDIT_VIEW, PEOPLE_ERASE, SETTINGS_MANAGE}

ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.CHAMPION: frozenset(_CHAMPION),
    Role.COORDINATOR: frozenset(_COORDINATOR),
    Role.MANAGER: frozenset(_MANAGER),
    Role.ADMIN: frozenset(_ADMIN),
}

ALL_PERMISSIONS: frozenset[str] = ROLE_PERMISSIONS[Role.ADMIN]


def can(user, permission: str) -> bool:
    """True when this user (possibly anonymous) holds the permission."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not user.is_active:
        return False
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())


def requires(permission: str) -> Callable[[F], F]:
    """Require a signed-in user with `permission`: anonymous → sign in, others → 403."""
    if permission not in ALL_PERMISSIONS:
        raise ValueError(f"Unknown permission {permission!r}")

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from crm.extensions import login_manager

                return login_manager.unauthorized()
            if not can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.permission = permission  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


def public(view: F) -> F:
    """Mark a route as open to everyone (sign-in page, health check, reply links)."""
    view.permission = None  # type: ignore[attr-defined]
    return view


def permission_of(view) -> str | None | bool:
    """The permission a view declares, None when public, False when it declares nothing."""
    return getattr(view, "permission", False)


def is_api_request() -> bool:
    return request.path.startswith("/api/")
