"""After a load run: is every register save that succeeded in the database?

For each register, the marks of its last successful save must be the stored statuses (one
champion per register, so saves to it happened in order), and there must be one audit row per
successful save (every save changed three marks). Prints a JSON summary; exit 1 on any loss.

    python -m load.verify PLAN.json JOURNAL.jsonl
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict

from sqlalchemy import func, select

from crm import create_app
from crm.extensions import db
from crm.models import AuditEvent, Participation


def main() -> None:
    plan_path, journal_path = sys.argv[1:3]
    plan = json.load(open(plan_path))  # noqa: SIM115
    saves: dict[int, list[dict]] = defaultdict(list)
    try:
        with open(journal_path) as journal:
            for line in journal:
                entry = json.loads(line)
                saves[entry["session_id"]].append(entry["marks"])
    except FileNotFoundError:
        pass
    app = create_app()
    lost_marks = 0
    checked_marks = 0
    with app.app_context():
        for session_id, history in saves.items():
            stored = dict(
                db.session.execute(
                    select(Participation.person_id, Participation.status).where(Participation.session_id == session_id)
                ).all()
            )
            for person_id, status in history[-1].items():
                checked_marks += 1
                if stored.get(int(person_id)) is None or stored[int(person_id)].value != status:
                    lost_marks += 1
        audited = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.id > plan["audit_baseline"],
                AuditEvent.entity_type == "sessions",
                AuditEvent.detail.like("register:%"),
            )
        )
    successful = sum(len(history) for history in saves.values())
    result = {
        "register_saves": successful,
        "audited_saves": audited,
        "marks_checked": checked_marks,
        "lost_marks": lost_marks,
        "lost_writes": lost_marks + abs(successful - audited),
    }
    print(json.dumps(result))
    sys.exit(1 if result["lost_writes"] else 0)


if __name__ == "__main__":
    main()
