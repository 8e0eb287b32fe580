"""The JSON API under /api/v1 (token auth)."""

from flask import Blueprint, request

api = Blueprint("api", __name__, url_prefix="/api/v1")


@api.before_request
def require_bearer_token():
    """The API is for programs holding a token. A browser's sign-in cookie is not enough: the
    blueprint is exempt from CSRF checks, so accepting the cookie here would let another site
    act as the signed-in user."""
    from crm.permissions import permission_of

    view = api_view(request.endpoint)
    if view is None or permission_of(view) is None:
        return None
    if not request.headers.get("Authorization", "").startswith("Bearer "):
        from crm.extensions import login_manager

        return login_manager.unauthorized()
    return None


def api_view(endpoint: str | None):
    from flask import current_app

    return current_app.view_functions.get(endpoint) if endpoint else None


# The routes register themselves on `api` when their modules are imported.
from crm.api import errors, openapi, organisations, people, sessions  # noqa: E402, F401
