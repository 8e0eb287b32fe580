"""Entry point for `flask` (found from the repository root) and for gunicorn (`app:app`)."""

from crm import create_app

app = create_app()
