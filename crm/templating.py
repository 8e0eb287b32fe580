"""Jinja set-up: GOV.UK Frontend macros, form helpers, filters and globals."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import Flask, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from crm import permissions
from crm.validation import format_phone

LONDON = ZoneInfo("Europe/London")


def format_date(value: date | datetime | None, style: str = "long") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON)
    if style == "short":
        return value.strftime("%-d %b %Y")
    if style == "weekday":
        return value.strftime("%A %-d %B %Y")
    return value.strftime("%-d %B %Y")


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    return local.strftime("%-d %B %Y at %-I:%M%p").replace("AM", "am").replace("PM", "pm")


def format_time(value: time | None) -> str:
    if value is None:
        return ""
    return value.strftime("%-I:%M%p").replace("AM", "am").replace("PM", "pm").replace(":00", "")


def people_count(total: int, more: bool = False) -> str:
    """ "1 person", "2,345 people", or "more than 10,000 people" for a count that stopped there."""
    if more:
        return f"more than {total:,} people"
    return f"{total:,} {'person' if total == 1 else 'people'}"


def url_with(**changes) -> str:
    """The current page's URL with some query parameters changed (pagination, sorting)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [value]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def init_app(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            PackageLoader("crm"),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    app.jinja_env.filters.update(
        date=format_date, datetime=format_datetime, time=format_time, phone=format_phone, people=people_count
    )
    app.jinja_env.globals.update(url_with=url_with, permissions=permissions)

    @app.context_processor
    def inject():
        return {
            "service_name": app.config["SERVICE_NAME"],
            "can": lambda permission: permissions.can(current_user, permission),
        }
