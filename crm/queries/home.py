"""Figures for the signed-in home page."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Organisation, Person, Session


def home_summary(today: date | None = None) -> dict:
    today = today or date.today()
    upcoming = db.session.scalars(
        select(Session)
        .where(Session.date >= today, Session.cancelled_at.is_(None))
        .order_by(Session.date, Session.start_time)
        .limit(5)
    ).all()
    counts = db.session.execute(
        select(
            select(func.count(Person.id)).scalar_subquery().label("people"),
            select(func.count(Organisation.id)).scalar_subquery().label("organisations"),
            select(func.count(Session.id)).where(Session.cancelled_at.is_(None)).scalar_subquery().label("sessions"),
        )
    ).one()
    return {
        "upcoming": upcoming,
        "people": counts.people,
        "organisations": counts.organisations,
        "sessions": counts.sessions,
    }
