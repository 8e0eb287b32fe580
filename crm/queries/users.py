"""Staff accounts, for the administrator's list."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from crm.models import User


def staff_accounts() -> Select:
    """Every staff account: enabled ones first, then by name."""
    return select(User).order_by(User.enabled.desc(), func.lower(User.name), User.id)


def account_choices() -> Select:
    """(id, name) of every account, for filters that pick a person on the staff."""
    return select(User.id, User.name).order_by(func.lower(User.name), User.id)
