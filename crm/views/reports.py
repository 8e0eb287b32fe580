"""The participation dashboard: a year's figures against the year before, breakdowns with
charts and tables, downloads (aggregates only) and drill-down to the people and sessions."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from crm.extensions import db
from crm.forms.reports import ReportPeriodForm
from crm.models import Organisation, Theme, Ward
from crm.models.enums import InvolvementLevel, PersonType
from crm.periods import BASES, CALENDAR, Period
from crm.permissions import PEOPLE_VIEW, REPORTS_VIEW, can, requires
from crm.queries.dashboard import dashboard, years_with_sessions
from crm.queries.dashboard_drill import (
    PEOPLE_GROUPS,
    UNKNOWN,
    BadDrillDown,
    DrillFilters,
    month_bounds,
    people_behind,
    sessions_behind,
)
from crm.queries.dashboard_tables import build_report
from crm.queries.feedback import year_feedback_summary
from crm.queries.pagination import paginate, parse_page_args
from crm.services.exports import Export
from crm.services.report_exports import report_xlsx, table_csv
from crm.services.settings import current_settings

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _financial_year_start() -> int:
    return current_settings().financial_year_start_month


def _report(period: Period):
    return build_report(dashboard(period), people_links=can(current_user, PEOPLE_VIEW))


def _requested_period() -> Period:
    """The period in a download or drill-down link (404 when it names none); without one, the
    current calendar year, as on the dashboard."""
    basis = request.args.get("basis", CALENDAR)
    year = request.args.get("year", "")
    start_month = _financial_year_start()
    if basis not in BASES or not (year.isdigit() or "year" not in request.args):
        abort(404)
    if not year:
        return Period.containing(date.today(), basis, start_month)
    try:
        return Period.of(int(year), basis, start_month)
    except ValueError:
        abort(404)


def _download(export: Export) -> Response:
    # The figures were cached while building them: keep them for the next request.
    db.session.commit()
    return Response(
        export.content,
        mimetype=export.mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.get("/")
@requires(REPORTS_VIEW)
def index():
    start_month = _financial_year_start()
    today = date.today()
    form = ReportPeriodForm(
        request.args, years=years_with_sessions(start_month, today), financial_year_start_month=start_month, today=today
    )
    period, _valid = form.period()
    data = dashboard(period)
    report = build_report(data, people_links=can(current_user, PEOPLE_VIEW))
    feedback = year_feedback_summary(period.start, period.end)
    db.session.commit()
    return render_template(
        "reports/index.html",
        form=form if form.errors else None,
        period_form=form,
        period=period,
        previous=period.previous(),
        report=report,
        years=form.year_options(period),
        period_args={"year": period.year, "basis": period.basis},
        feedback=feedback,
        figures_as_of=data.as_of if data.stale else None,
    )


@bp.get("/table.csv")
@requires(REPORTS_VIEW)
def table_download():
    period = _requested_period()
    report = _report(period)
    tables = {table.key: table for table in report.tables}
    if "table" not in request.args:
        return redirect(url_for("reports.index", year=period.year, basis=period.basis))
    table = tables.get(request.args["table"])
    if table is None:
        abort(404)
    return _download(table_csv(table, period))


@bp.get("/report.xlsx")
@requires(REPORTS_VIEW)
def workbook_download():
    period = _requested_period()
    return _download(report_xlsx(_report(period), period))


def _lookup(model, value: str | None):
    if not value:
        return None
    if not value.isdigit():
        raise BadDrillDown(model.__name__)
    found = db.session.get(model, int(value))
    if found is None:
        raise BadDrillDown(model.__name__)
    return found


def _drill_filters(period: Period) -> DrillFilters:
    args = request.args
    try:
        group = args.get("group") or "participants"
        if group not in PEOPLE_GROUPS:
            raise BadDrillDown("group")
        month = args.get("month") or None
        if month:
            month_bounds(month, period)
        ward, theme = args.get("ward"), args.get("theme")
        return DrillFilters(
            group=group,
            month=month,
            person_type=PersonType(args["type"]) if args.get("type") else None,
            ward=None if ward == UNKNOWN else _lookup(Ward, ward),
            no_ward=ward == UNKNOWN,
            organisation=_lookup(Organisation, args.get("organisation")),
            theme=None if theme == UNKNOWN else _lookup(Theme, theme),
            no_theme=theme == UNKNOWN,
            level=InvolvementLevel(args["level"]) if args.get("level") else None,
        )
    except (BadDrillDown, ValueError):
        abort(404)


@bp.get("/people")
@requires(REPORTS_VIEW)
def people():
    """The people behind a number (only for those allowed to see people)."""
    if not can(current_user, PEOPLE_VIEW):
        abort(403)
    period = _requested_period()
    filters = _drill_filters(period)
    page, per_page = parse_page_args(request.args, current_app.config["PER_PAGE"])
    results = paginate(people_behind(period, filters), page, per_page, scalars=False)
    return render_template(
        "reports/people.html",
        period=period,
        filters=filters,
        heading=PEOPLE_GROUPS[filters.group],
        results=results,
        period_args={"year": period.year, "basis": period.basis},
    )


@bp.get("/sessions")
@requires(REPORTS_VIEW)
def sessions():
    """The sessions behind a number."""
    period = _requested_period()
    filters = _drill_filters(period)
    page, per_page = parse_page_args(request.args, current_app.config["PER_PAGE"])
    results = paginate(sessions_behind(period, filters), page, per_page, scalars=False)
    return render_template(
        "reports/sessions.html",
        period=period,
        filters=filters,
        results=results,
        period_args={"year": period.year, "basis": period.basis},
    )
