"""Signing in and out, the first administrator, and your own account."""

from __future__ import annotations

import hashlib

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from crm.extensions import db, limiter
from crm.forms.auth import ChangePasswordForm, FirstAdministratorForm, SignInForm
from crm.forms.common import EmptyForm
from crm.models.enums import Role
from crm.permissions import SIGNED_IN, public, requires
from crm.services import users
from crm.setup_link import setup_token_is_valid
from crm.views.helpers import commit_or_show_errors, is_safe_next

bp = Blueprint("auth", __name__)

SIGN_IN_FAILED = "Enter a correct email address and password. Accounts pause after repeated wrong attempts."


def _account_key() -> str:
    # Throttle per account without keeping email addresses in the limiter's storage.
    email = (request.form.get("email") or "").strip().lower()
    return "account:" + hashlib.sha256(email.encode()).hexdigest()


def _login_limit_per_account() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def _login_limit_per_ip() -> str:
    return current_app.config["LOGIN_LIMIT_PER_IP"]


def _failed(response) -> bool:
    """Only failed attempts count towards the limits: a room of people signing in on one
    network must not lock each other out."""
    return response.status_code != 302


def _too_many_attempts(_limit):
    form = SignInForm()
    form.email.errors = ["Too many sign-in attempts. Wait 15 minutes and try again, or ask an administrator."]
    return make_response(render_template("auth/sign_in.html", form=form), 429)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit_per_ip, methods=["POST"], on_breach=_too_many_attempts, deduct_when=_failed)
@limiter.limit(
    _login_limit_per_account, key_func=_account_key, methods=["POST"], on_breach=_too_many_attempts, deduct_when=_failed
)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    if users.count_users() == 0:
        return render_template("auth/no_accounts.html")
    form = SignInForm()
    if form.validate_on_submit():
        user = users.authenticate(form.email.data, form.password.data)
        if user is None:
            db.session.rollback()
            form.email.errors = [SIGN_IN_FAILED]
            return render_template("auth/sign_in.html", form=form), 200
        db.session.commit()
        login_user(user)
        target = request.args.get("next")
        return redirect(target if is_safe_next(target) else url_for("main.dashboard"))
    return render_template("auth/sign_in.html", form=form)


@bp.post("/sign-out")
@public
def sign_out():
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        users.sign_out(current_user)
        db.session.commit()
    logout_user()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/setup/<token>", methods=["GET", "POST"])
@public
def setup(token: str):
    if users.count_users() > 0 or not setup_token_is_valid(token):
        return render_template("auth/setup_invalid.html"), 404
    form = FirstAdministratorForm()
    if form.validate_on_submit():
        with commit_or_show_errors(form, {"password": "new_password"}) as outcome:
            user = users.create_user(form.email.data, form.name.data, Role.ADMIN, form.new_password.data)
        if outcome.saved:
            login_user(user)
            flash("Your administrator account is ready.", "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/setup.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@requires(SIGNED_IN)
def account():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with commit_or_show_errors(form) as outcome:
            users.change_password(current_user, form.current_password.data, form.new_password.data, current_user)
        if outcome.saved:
            # The session token changed: sign in again on this device only.
            login_user(current_user._get_current_object())
            flash("Your password has been changed. Other devices have been signed out.", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form)
