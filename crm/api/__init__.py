"""The JSON API under /api/v1 (token auth)."""

from flask import Blueprint

api = Blueprint("api", __name__, url_prefix="/api/v1")
