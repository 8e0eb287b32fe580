"""Imports (routes are added as the feature is built)."""

from flask import Blueprint

bp = Blueprint("imports", __name__)
