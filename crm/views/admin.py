"""Administration: staff accounts, the wards, themes and tags lists, and the audit log."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from sqlalchemy import func, select

from crm.extensions import db
from crm.forms.admin import (
    AuditFilterForm,
    EditAccountForm,
    NewAccountForm,
    ResetPasswordForm,
    TagForm,
    ThemeForm,
    WardForm,
    role_items,
)
from crm.forms.common import EmptyForm
from crm.models import AuditEvent, Tag, Theme, User, Ward
from crm.models.enums import Role, TagCategory
from crm.permissions import AUDIT_VIEW, LISTS_MANAGE, USERS_MANAGE, requires
from crm.queries.audit import ENTITY_PAGES, audit_log, entity_label, entity_type_choices
from crm.queries.pagination import paginate, parse_page_args
from crm.queries.users import account_choices, staff_accounts
from crm.services import lists as lists_service
from crm.services import users as users_service
from crm.views.helpers import commit_or_show_errors, get_or_404

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@requires(LISTS_MANAGE)
def index():
    return render_template("admin/index.html")


# Staff accounts


@bp.get("/accounts")
@requires(USERS_MANAGE)
def accounts():
    page, per_page = parse_page_args(request.args, current_app.config["PER_PAGE"])
    results = paginate(staff_accounts(), page, per_page)
    return render_template("admin/accounts.html", results=results)


@bp.route("/accounts/new", methods=["GET", "POST"])
@requires(USERS_MANAGE)
def new_account():
    form = NewAccountForm()
    if form.validate_on_submit():
        with commit_or_show_errors(form) as outcome:
            user = users_service.create_user(
                form.email.data,
                form.name.data,
                Role(form.role.data),
                form.password.data,
                actor=current_user,
            )
        if outcome.saved:
            flash(
                f"Account added for {user.name}. Give them their password in person or by phone, not by email.",
                "success",
            )
            return redirect(url_for("admin.accounts"))
    return render_template("admin/account_new.html", form=form, role_hints=role_items())


@bp.route("/accounts/<int:user_id>/edit", methods=["GET", "POST"])
@requires(USERS_MANAGE)
def edit_account(user_id: int):
    user = get_or_404(User, user_id)
    form = EditAccountForm(obj=user) if request.method == "GET" else EditAccountForm()
    if request.method == "GET":
        form.role.data = user.role.value
    if form.validate_on_submit():
        with commit_or_show_errors(form) as outcome:
            users_service.update_user(
                user, name=form.name.data, email=form.email.data, role=Role(form.role.data), actor=current_user
            )
        if outcome.saved:
            flash(f"Changes to {user.name}’s account saved.", "success")
            return redirect(url_for("admin.accounts"))
    return render_template(
        "admin/account_edit.html", user=user, form=form, role_hints=role_items(), confirm_form=EmptyForm()
    )


def _set_enabled(user_id: int, enabled: bool):
    user = get_or_404(User, user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with commit_or_show_errors() as outcome:
        users_service.set_enabled(user, enabled, current_user)
    if not outcome.saved:
        return redirect(url_for("admin.edit_account", user_id=user_id))
    if enabled:
        flash(f"{user.name} can sign in again.", "success")
    else:
        flash(f"{user.name}’s account is disabled and they have been signed out.", "success")
    return redirect(url_for("admin.edit_account", user_id=user_id))


@bp.post("/accounts/<int:user_id>/disable")
@requires(USERS_MANAGE)
def disable_account(user_id: int):
    return _set_enabled(user_id, False)


@bp.post("/accounts/<int:user_id>/enable")
@requires(USERS_MANAGE)
def enable_account(user_id: int):
    return _set_enabled(user_id, True)


@bp.route("/accounts/<int:user_id>/password", methods=["GET", "POST"])
@requires(USERS_MANAGE)
def reset_password(user_id: int):
    user = get_or_404(User, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with commit_or_show_errors(form) as outcome:
            users_service.reset_password(user, form.new_password.data, current_user)
        if outcome.saved:
            if user.id == current_user.id:
                # The session token changed: keep this device signed in.
                login_user(user)
            flash(f"New password set for {user.name}. They have been signed out everywhere.", "success")
            return redirect(url_for("admin.edit_account", user_id=user.id))
    return render_template("admin/account_password.html", user=user, form=form)


# Wards


def _wards():
    return db.session.scalars(select(Ward).order_by(func.lower(Ward.name))).all()


@bp.route("/wards", methods=["GET", "POST"])
@requires(LISTS_MANAGE)
def wards():
    form = WardForm()
    if form.validate_on_submit():
        with commit_or_show_errors(form) as outcome:
            ward = lists_service.add_ward(form.name.data, current_user, is_priority=form.is_priority.data)
        if outcome.saved:
            flash(f"{ward.name} added to the wards.", "success")
            return redirect(url_for("admin.wards"))
    return render_template("admin/wards.html", wards=_wards(), form=form, confirm_form=EmptyForm())


@bp.route("/wards/<int:ward_id>/edit", methods=["GET", "POST"])
@requires(LISTS_MANAGE)
def edit_ward(ward_id: int):
    ward = get_or_404(Ward, ward_id)
    form = WardForm(obj=ward) if request.method == "GET" else WardForm()
    if form.validate_on_submit():
        with commit_or_show_errors(form) as outcome:
            lists_service.update_ward(ward, form.name.data, form.is_priority.data, current_user)
        if outcome.saved:
            flash(f"{ward.name} saved.", "success")
            return redirect(url_for("admin.wards"))
    return render_template("admin/list_item_edit.html", form=form, heading="Change ward", back=url_for("admin.wards"))


@bp.post("/wards/<int:ward_id>/priority")
@requires(LISTS_MANAGE)
def toggle_priority(ward_id: int):
    ward = get_or_404(Ward, ward_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    lists_service.update_ward(ward, ward.name, not ward.is_priority, current_user)
    db.session.commit()
    if ward.is_priority:
        flash(f"{ward.name} is now a priority ward.", "success")
    else:
        flash(f"{ward.name} is no longer a priority ward.", "success")
    return redirect(url_for("admin.wards"))


# Themes


@bp.route("/themes", methods=["GET", "POST"])
@requires(LISTS_MANAGE)
def themes():
    form = ThemeForm()
    if form.validate_on_submit():
        with commit_or_show_errors(form) as outcome:
            theme = lists_service.add_theme(form.name.data, current_user)
        if outcome.saved:
            flash(f"{theme.name} added to the themes.", "success")
            return redirect(url_for("admin.themes"))
    themes = db.session.scalars(select(Theme).order_by(func.lower(Theme.name))).all()
    return render_template("admin/themes.html", themes=themes, form=form)


@bp.route("/themes/<int:theme_id>/edit", methods=["GET", "POST"])
@requires(LISTS_MANAGE)
def edit_theme(theme_id: int):
    theme = get_or_404(Theme, theme_id)
    form = ThemeForm(obj=theme) if request.method == "GET" else ThemeForm()
    if form.validate_on_submit():
        with commit_or_show_errors(form) as outcome:
            lists_service.rename_theme(theme, form.name.data, current_user)
        if outcome.saved:
            flash(f"Theme renamed to {theme.name}.", "success")
            return redirect(url_for("admin.themes"))
    return render_template("admin/list_item_edit.html", form=form, heading="Rename theme", back=url_for("admin.themes"))


# Tags


@bp.route("/tags", methods=["GET", "POST"])
@requires(LISTS_MANAGE)
def tags():
    form = TagForm()
    if form.validate_on_submit():
        with commit_or_show_errors(form) as outcome:
            tag = lists_service.add_tag(TagCategory(form.category.data), form.name.data, current_user)
        if outcome.saved:
            flash(f"{tag.name} added to {tag.category.label.lower()}.", "success")
            return redirect(url_for("admin.tags"))
    all_tags = db.session.scalars(select(Tag).order_by(func.lower(Tag.name))).all()
    groups = [(c, [t for t in all_tags if t.category == c]) for c in TagCategory]
    return render_template("admin/tags.html", groups=groups, form=form)


# Audit log


def entity_url(event: AuditEvent) -> str | None:
    """The page of the record an audit event is about, where it has one."""
    page = ENTITY_PAGES.get(event.entity_type)
    if page is None or event.entity_id is None:
        return None
    endpoint, parameter = page
    return url_for(endpoint, **{parameter: event.entity_id})


@bp.get("/audit")
@requires(AUDIT_VIEW)
def audit():
    form = AuditFilterForm(request.args)
    form.entity_type.choices = [("", "Any record type"), *entity_type_choices()]
    form.user.set_choices(db.session.execute(account_choices()).all())
    form.validate()
    page, per_page = parse_page_args(request.args, current_app.config["PER_PAGE"])
    results = paginate(audit_log(**form.filters()), page, per_page)
    return render_template(
        "admin/audit.html", form=form, results=results, entity_url=entity_url, entity_label=entity_label
    )
