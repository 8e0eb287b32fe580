"""Synthetic data at scale for benchmarks: `flask crm seed --people N --sessions M`.

Rows go in through bulk Core inserts (a few thousand rows per statement) with ids chosen here,
not through the ORM or the services, so 100,000 people and a million participations take a
minute or two rather than hours. Nothing is audited: this is test data, and only goes into a
database without people. The same random seed on the same day gives the same rows; session
dates follow today's date (the last five years, or `years`, and the next two months).

How the numbers are shaped: about 3% of people are Parent Champions who come to dozens or
hundreds of sessions, about 12% are regulars, most come to one to three sessions and about 10%
have never been to one. Keynotes and conference sessions draw far more people than workshops.
Each person's sessions fall within their own stretch of time, so people join and drift away.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select, text

from crm.extensions import db
from crm.models import Person
from crm.seed.attendance import write_participations
from crm.seed.base import YEARS_BACK, SeedError, Writer
from crm.seed.crowd import plan_people, write_people
from crm.seed.timeline import write_catalogue, write_sessions

__all__ = ["PARTICIPATIONS_PER_PERSON", "SeedError", "analyse", "seed"]

PARTICIPATIONS_PER_PERSON = 10


def seed(
    people: int,
    sessions: int,
    participations: int | None = None,
    random_seed: int = 1,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
    years: int = YEARS_BACK,
) -> dict[str, int]:
    """Fill a database that has no people; returns how many rows each table received. Writes
    through the session's connection and leaves the commit to the caller."""
    existing = db.session.scalar(select(func.count()).select_from(Person))
    if existing:
        noun = "person" if existing == 1 else "people"
        raise SeedError(
            f"The database already has {existing:,} {noun}. Seeding only fills a database without people: "
            "point DATABASE_URL at a new one and run `flask db upgrade` first."
        )
    if participations is None:
        participations = people * PARTICIPATIONS_PER_PERSON
    report = progress or (lambda _message: None)
    w = Writer(db.session.connection(), random_seed, today or date.today(), years)
    catalogue = write_catalogue(w)
    timeline = write_sessions(w, sessions, catalogue)
    report(f"{sessions:,} sessions")
    plan = plan_people(w, people, participations, timeline)
    crowd = write_people(w, plan, timeline, catalogue)
    report(f"{people:,} people with types, tags, consents and affiliations")
    write_participations(w, plan, timeline, crowd)
    report(f"{w.counts.get('participations', 0):,} participations")
    return w.counts


def analyse() -> None:
    """Refresh the planner's statistics after a bulk load (PostgreSQL would do it later itself)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
