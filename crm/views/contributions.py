"""Contributions (routes are added as the feature is built)."""

from flask import Blueprint

bp = Blueprint("contributions", __name__)
