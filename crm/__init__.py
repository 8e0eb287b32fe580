"""The application factory: wires extensions, blueprints, error pages and CLI — nothing else."""

from __future__ import annotations

from flask import Flask

from crm.config import Config, config_from_environment
from crm.database import configure_engine


def create_app(config: Config | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config or config_from_environment(app.instance_path))
    from crm import logging as request_logging

    request_logging.init_app(app)  # first, so its timer wraps the other hooks
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from crm import auth, cli, errors, security, templating
    from crm.extensions import csrf, db, limiter, login_manager, migrate
    from crm.models import load_all

    load_all()
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    from crm.queries import report_cache

    report_cache.install()
    migrate.init_app(app, db, directory=str(_migrations_directory()), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    auth.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    errors.init_app(app)

    from crm.views.helpers import DatabaseIdConverter

    app.url_map.converters["int"] = DatabaseIdConverter

    from crm.api import api
    from crm.views import (
        admin,
        contributions,
        duplicates,
        feedback,
        feedback_public,
        find,
        imports,
        invitations,
        main,
        organisations,
        people,
        register,
        reply,
        reports,
        sessions,
    )
    from crm.views import auth as auth_views

    for blueprint in (
        main.bp,
        auth_views.bp,
        people.bp,
        duplicates.bp,
        organisations.bp,
        sessions.bp,
        register.bp,
        contributions.bp,
        imports.bp,
        find.bp,
        invitations.bp,
        reply.bp,
        reports.bp,
        feedback.bp,
        feedback_public.bp,
        admin.bp,
    ):
        app.register_blueprint(blueprint)
    from crm.views import data_protection, settings

    app.register_blueprint(data_protection.bp)
    app.register_blueprint(settings.bp)
    from crm.views import people_import

    app.register_blueprint(people_import.bp)
    app.register_blueprint(api)
    csrf.exempt(api)

    cli.init_app(app)
    return app


def _migrations_directory():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"
