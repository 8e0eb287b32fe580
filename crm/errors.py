"""Error pages in the service's style, and JSON errors for the API. No stack traces."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

TITLES = {
    400: "Sorry, there is a problem with that request",
    401: "You need to sign in",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "Sorry, that action is not allowed here",
    413: "That file is too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


def api_error(status: int, code: str, message: str, fields: dict | None = None):
    response = jsonify(error={"code": code, "message": message, "fields": fields or {}})
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if request.path.startswith("/api/"):
            return api_error(400, "csrf", "The form expired or was not sent from this site.")
        return (
            render_template(
                "errors/error.html",
                status=400,
                title="Your form expired",
                message="For your security, forms expire after a while or when you sign in again. "
                "Go back, reload the page and try again.",
            ),
            400,
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.response is not None:
            return error.response
        status = error.code or 500
        if request.path.startswith("/api/"):
            code = (error.name or "error").lower().replace(" ", "_")
            return api_error(status, code, error.description or TITLES.get(status, "Error"))
        message = error.description if status in (400, 413, 429) else None
        response = render_template(
            "errors/error.html", status=status, title=TITLES.get(status, error.name), message=message
        )
        return response, status, error.get_headers() if status == 405 else None

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        log.exception("Unhandled error on %s %s", request.method, request.endpoint)
        from crm.extensions import db

        db.session.rollback()
        if app.config.get("PROPAGATE_EXCEPTIONS") and app.testing:
            raise error
        return http_error(InternalServerError())
