"""Staff accounts: creating, signing in, passwords, disabling, API tokens."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import ApiToken, User
from crm.models.base import utcnow
from crm.models.enums import AuditAction, Role
from crm.passwords import DUMMY_HASH, hash_password, needs_rehash, password_problem, verify_password
from crm.services import audit
from crm.services.errors import InvalidInput
from crm.validation import InvalidValue, normalise_email


def create_user(email: str, name: str, role: Role, password: str, actor=None) -> User:
    problems: dict[str, str] = {}
    try:
        email = normalise_email(email) or ""
    except InvalidValue as error:
        problems["email"] = str(error)
    if not email and "email" not in problems:
        problems["email"] = "Enter an email address"
    if not (name or "").strip():
        problems["name"] = "Enter a name"
    problem = password_problem(password, email=email)
    if problem:
        problems["password"] = problem
    if email and db.session.scalar(select(User.id).where(User.email == email)) is not None:
        problems["email"] = "An account with this email address already exists"
    if problems:
        raise InvalidInput(problems)
    user = User(email=email, name=name.strip(), role=Role(role), password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record(actor, AuditAction.CREATE, user, ["email", "name", "role"], detail=f"role: {user.role.value}")
    return user


def authenticate(email: str, password: str) -> User | None:
    """The enabled user with this email and password, else None (same cost either way)."""
    try:
        email = normalise_email(email) or ""
    except InvalidValue:
        email = ""
    user = db.session.scalar(select(User).where(User.email == email)) if email else None
    if user is None:
        verify_password(DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password) or not user.enabled:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_sign_in_at = utcnow()
    audit.record(user, AuditAction.SIGN_IN, user)
    return user


def sign_out(user: User) -> None:
    """End every session this user has, on every device."""
    user.rotate_session_token()
    audit.record(user, AuditAction.SIGN_OUT, user)


def change_password(user: User, current: str, new: str, actor) -> None:
    if not verify_password(user.password_hash, current):
        raise InvalidInput({"current_password": "Your current password is not correct"})
    problem = password_problem(new, email=user.email)
    if problem:
        raise InvalidInput({"new_password": problem})
    user.password_hash = hash_password(new)
    user.rotate_session_token()
    audit.record(actor, AuditAction.UPDATE, user, ["password"])


def reset_password(user: User, new_password: str, actor) -> None:
    """An administrator sets a new password for someone; their existing sessions end."""
    problem = password_problem(new_password or "", email=user.email)
    if problem:
        raise InvalidInput({"new_password": problem})
    user.password_hash = hash_password(new_password)
    user.rotate_session_token()
    audit.record(actor, AuditAction.UPDATE, user, ["password"], detail="password reset")


def update_user(user: User, *, name: str, role: Role, actor, email: str | None = None) -> None:
    problems: dict[str, str] = {}
    if user.id == actor.id and Role(role) != Role.ADMIN:
        problems["role"] = "You cannot remove your own administrator role"
    if email is not None:
        try:
            email = normalise_email(email)
        except InvalidValue as error:
            problems["email"] = str(error)
        else:
            if not email:
                problems["email"] = "Enter an email address"
            elif db.session.scalar(select(User.id).where(User.email == email, User.id != user.id)) is not None:
                problems["email"] = "An account with this email address already exists"
    if problems:
        raise InvalidInput(problems)
    if email is not None:
        user.email = email
    user.name = name.strip()
    user.role = Role(role)
    fields = audit.changed_fields(user)
    if fields:
        audit.record(actor, AuditAction.UPDATE, user, fields)


def set_enabled(user: User, enabled: bool, actor) -> None:
    if user.id == actor.id and not enabled:
        raise InvalidInput({"user": "You cannot disable your own account"})
    if user.enabled == enabled:
        return
    user.enabled = enabled
    user.rotate_session_token()
    if not enabled:
        for token in db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        ):
            token.revoked_at = utcnow()
    audit.record(actor, AuditAction.ENABLE if enabled else AuditAction.DISABLE, user)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(user: User, actor=None) -> str:
    """A new API token for `user`; returns the token itself, which is never stored."""
    token = "crm_" + secrets.token_urlsafe(32)
    record = ApiToken(user_id=user.id, token_hash=hash_token(token))
    db.session.add(record)
    db.session.flush()
    audit.record(actor or user, AuditAction.TOKEN, user)
    return token


def user_for_token(token: str) -> User | None:
    record = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
    )
    if record is None or not record.user.enabled:
        return None
    return record.user


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0
