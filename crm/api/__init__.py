"""The JSON API under /api/v1: bearer-token auth, JSON in and out, an OpenAPI document."""

from flask import Blueprint, current_app, g, request

api = Blueprint("api", __name__, url_prefix="/api/v1")


@api.before_request
def authenticate_with_token():
    """Only the bearer token says who is asking. A browser's sign-in cookie is not enough: the
    blueprint is exempt from CSRF checks, so honouring the cookie would let another site act as
    the signed-in user; and a request carrying both must act as the token's user."""
    from crm.extensions import login_manager
    from crm.permissions import permission_of
    from crm.services.users import user_for_token

    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or permission_of(view) is None:
        return None
    header = request.headers.get("Authorization", "")
    user = None
    if header.startswith("Bearer "):
        user = user_for_token(header.removeprefix("Bearer ").strip())
    if user is None:
        return login_manager.unauthorized()
    # Flask-Login keeps the request's user here; setting it skips the cookie-based loader.
    g._login_user = user
    return None


@api.before_request
def refuse_control_characters():
    """Text with control characters (NUL above all, which PostgreSQL cannot store or even
    compare) is refused for every endpoint at once, naming the fields, before any query runs."""
    from crm.services.errors import InvalidInput
    from crm.validation import control_character_fields

    problems = control_character_fields({key: request.args.getlist(key) for key in request.args})
    problems = {name.split("[", 1)[0]: message for name, message in problems.items()}
    if request.is_json:
        problems.update(control_character_fields(request.get_json(silent=True)))
    if problems:
        raise InvalidInput(problems)
    return None


# The routes register themselves on `api` when their modules are imported.
from crm.api import errors, openapi, organisations, participants, people, reports, sessions  # noqa: E402, F401
