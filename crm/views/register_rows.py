"""The register page's rows: each person as loaded from the database or, after a refused save,
as the champion submitted them, with their access needs and each row's problems."""

from __future__ import annotations

from dataclasses import dataclass, field

from crm.forms.register import RegisterForm
from crm.models import Session
from crm.models.enums import ParticipationStatus
from crm.queries.register import register_rows
from crm.services.errors import InvalidInput
from crm.services.register import REGISTER_MARKS

OTHER_NEEDS_LENGTH = 40


@dataclass
class Line:
    """One person's row on the page, as loaded or as submitted."""

    index: int
    person_id: int
    name: str
    needs: list[str]
    was: ParticipationStatus | None
    status: str
    role: str
    minutes: str
    creche_children: str
    loaded_status: str
    loaded_role: str
    loaded_minutes: str
    loaded_creche_children: str
    errors: dict[str, str] = field(default_factory=dict)
    added: bool = False

    @property
    def registered(self) -> bool:
        """Registered and not yet marked: the people "Mark everyone registered" marks."""
        return self.was == ParticipationStatus.REGISTERED


def _needs(row) -> list[str]:
    needs = []
    if row.needs_creche or row.creche_children:
        children = row.creche_children
        needs.append(f"Creche: {children} child{'' if children == 1 else 'ren'}" if children else "Creche")
    if row.needs_step_free:
        needs.append("Step-free")
    if row.interpreter_language:
        needs.append(f"Interpreter: {row.interpreter_language}")
    if row.other_needs:
        text = " ".join(row.other_needs.split())
        short = text if len(text) <= OTHER_NEEDS_LENGTH else text[: OTHER_NEEDS_LENGTH - 1].rstrip() + "…"
        needs.append(f"Other: {short}")
    return needs


def _name(row) -> str:
    first = row.preferred_name or row.first_name
    return " ".join(part for part in (first, row.last_name) if part)


def lines_for(
    session: Session, *, preset: bool, submitted: RegisterForm | None, errors: InvalidInput | None, added: int | None
):
    """The register's rows (declined people apart), from the database or, after a failed save,
    as the champion submitted them, with each row's problems; and the problems that belong to no
    row."""
    rows = register_rows(session.id)
    length = session.length_minutes
    by_person: dict[str, dict] = {}
    problems: dict[str, dict[str, str]] = {}
    orphans: list[str] = []
    if errors is not None and not errors.fields:
        orphans.append(errors.message)
    if submitted is not None:
        for entry in submitted.rows.entries:
            by_person[str(entry.form.person_id.data)] = entry.form.data
        for key, message in (errors.fields if errors else {}).items():
            _, index, name = (key.split(".") + ["", ""])[:3]
            entries = submitted.rows.entries
            if not index.isdigit() or int(index) >= len(entries):
                orphans.append(message)
                continue
            person_key = str(entries[int(index)].form.person_id.data)
            problems.setdefault(person_key, {})[name] = message
    known = {str(row.person_id) for row in rows}
    orphans += [m for key, errs in problems.items() if key not in known for m in errs.values()]

    main: list[Line] = []
    declined: list[Line] = []
    for row in rows:
        key = str(row.person_id)
        loaded = {
            "status": row.status.value,
            "role": row.role.value,
            "minutes": "" if row.minutes is None else str(row.minutes),
            "creche_children": str(row.creche_children),
        }
        shown_status = row.status.value if row.status in REGISTER_MARKS else ""
        if preset and row.status == ParticipationStatus.REGISTERED:
            shown_status = ParticipationStatus.ATTENDED.value
        shown = {
            "status": shown_status,
            "role": row.role.value,
            "minutes": str(length if row.minutes is None else row.minutes),
            "creche_children": str(row.creche_children),
        }
        if key in by_person:
            data = by_person[key]
            shown = {name: data.get(name) or "" for name in shown}
            loaded = {name: data.get(f"loaded_{name}") or "" for name in loaded}
        line = Line(
            index=0,
            person_id=row.person_id,
            name=_name(row),
            needs=_needs(row),
            was=row.status,
            **shown,
            **{f"loaded_{name}": value for name, value in loaded.items()},
            errors=problems.get(key, {}),
            added=row.person_id == added,
        )
        (declined if row.status == ParticipationStatus.DECLINED else main).append(line)
    for index, line in enumerate(main + declined):
        line.index = index
    return main, declined, orphans


def error_list(lines: list[Line], orphans: list[str], form=None) -> list[dict]:
    """The error summary's entries, each linking to its field."""
    items = []
    for line in lines:
        for name, message in line.errors.items():
            target = {"status": f"rows-{line.index}-status-attended", "person_id": f"person-{line.person_id}"}.get(
                name, f"rows-{line.index}-{name}"
            )
            text = message if message.startswith(line.name) else f"{line.name}: {message}"
            items.append({"text": text, "href": f"#{target}"})
    items += [{"text": message, "href": "#register"} for message in orphans]
    if form is not None:
        for form_field in form:
            for message in form_field.errors:
                items.append({"text": message, "href": f"#{form_field.id}"})
    return items
