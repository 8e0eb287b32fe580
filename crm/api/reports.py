"""Reports: the annual participation report, the same JSON as `flask crm report participation`."""

from __future__ import annotations

from flask import jsonify

from crm.api import api
from crm.api.inputs import query_args
from crm.extensions import db
from crm.permissions import REPORTS_VIEW, requires
from crm.queries.participation_report import cached_participation_report, period_from


@api.get("/reports/participation")
@requires(REPORTS_VIEW)
def participation_report():
    args = query_args(["year", "basis"])
    report = cached_participation_report(period_from(args.get("year"), args.get("basis"))).payload
    db.session.commit()  # keep the computed report in the shared cache
    return jsonify(report)
