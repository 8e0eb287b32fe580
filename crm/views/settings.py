"""Programme settings: the month the financial year starts and the retention period."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.extensions import db
from crm.forms.data_protection import SettingsForm, explain_integer_errors
from crm.permissions import SETTINGS_MANAGE, requires
from crm.services import settings as settings_service
from crm.views.helpers import commit_or_show_errors

bp = Blueprint("settings", __name__, url_prefix="/admin")


@bp.route("/settings", methods=["GET", "POST"])
@requires(SETTINGS_MANAGE)
def edit():
    settings = settings_service.current_settings()
    if request.method == "GET":
        db.session.commit()  # the settings row, if it had to be recreated
    form = SettingsForm(obj=settings) if request.method == "GET" else SettingsForm()
    if form.validate_on_submit():
        before = (settings.financial_year_start_month, settings.retention_months)
        with commit_or_show_errors(form) as outcome:
            settings_service.update_settings(
                current_user,
                financial_year_start_month=form.financial_year_start_month.data,
                retention_months=form.retention_months.data,
            )
        if outcome.saved:
            changed = before != (form.financial_year_start_month.data, form.retention_months.data)
            flash("Settings saved." if changed else "Nothing was changed.", "success")
            return redirect(url_for("settings.edit"))
    explain_integer_errors(form)
    return render_template("data_protection/settings.html", form=form, settings=settings)
