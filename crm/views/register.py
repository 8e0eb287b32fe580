"""Register (routes are added as the feature is built)."""

from flask import Blueprint

bp = Blueprint("register", __name__)
