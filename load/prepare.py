"""Accounts and registers for a load run, in the database named by DATABASE_URL (already
migrated and seeded): one champion per register so each register's saves happen in order and
the final state is known, coordinators, managers. Writes the plan as JSON.

    python -m load.prepare PLAN.json --champions 10 --coordinators 6 --managers 4
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import secrets

from sqlalchemy import func, select

from crm import create_app
from crm.extensions import db
from crm.models import AuditEvent, Contribution, Participation, Session
from crm.models.enums import Role
from crm.services.users import create_user


def registers(count: int) -> list[int]:
    """Past sessions, not cancelled, with 10–150 people on the register and no contributions (a
    contribution would refuse a change of that person's mark, which is right but not load)."""
    size = func.count(Participation.person_id)
    has_contribution = (
        select(Contribution.id)
        .join(Participation, Participation.id == Contribution.participation_id)
        .where(Participation.session_id == Session.id)
        .exists()
    )
    rows = db.session.execute(
        select(Session.id)
        .join(Participation, Participation.session_id == Session.id)
        .where(Session.date <= dt.date.today(), Session.cancelled_at.is_(None), ~has_contribution)
        .group_by(Session.id)
        .having(size.between(10, 150))
        .order_by(Session.date.desc())
        .limit(count)
    ).scalars()
    found = list(rows)
    if len(found) < count:
        raise SystemExit(f"Only {len(found)} registers suitable for the load run; seed more sessions.")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("plan")
    parser.add_argument("--champions", type=int, default=10)
    parser.add_argument("--coordinators", type=int, default=6)
    parser.add_argument("--managers", type=int, default=4)
    args = parser.parse_args()

    app = create_app()
    password = "Load-" + secrets.token_urlsafe(18)
    run = secrets.token_hex(3)
    with app.app_context():
        sessions = registers(args.champions)

        def accounts(role: Role, count: int) -> list[str]:
            emails = [f"{role.value}.{index}.{run}@load.example" for index in range(count)]
            for email in emails:
                create_user(email, f"Load {role.value} {email.split('.')[1]}", role, password)
            return emails

        plan = {
            "password": password,
            "champions": [
                {"email": email, "session_id": session_id}
                for email, session_id in zip(accounts(Role.CHAMPION, args.champions), sessions)
            ],
            "coordinators": accounts(Role.COORDINATOR, args.coordinators),
            "managers": accounts(Role.MANAGER, args.managers),
            "audit_baseline": db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0))),
        }
        db.session.commit()
    with open(args.plan, "w") as file:
        json.dump(plan, file, indent=1)


if __name__ == "__main__":
    main()
