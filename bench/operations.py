"""The operations `make bench` times, and what they need (the Context).

An operation is one function registered with `@operation(name)`: given the Context it does any
untimed preparation and returns the request to time (a function of no arguments returning the
response). To time something new, add such a function here.
"""

from __future__ import annotations

import io
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from crm.extensions import db
from crm.models import Participation, Person, Session, Ward
from crm.models.enums import (
    InvolvementLevel,
    ParticipationSource,
    ParticipationStatus,
    Role,
    SessionFormat,
    SessionKind,
)

EMAIL = "manager@bench.example"
PASSWORD = "harbour-lantern-otter-pebble-91"  # noqa: S105 (an account in a throwaway database)
REGISTER_SIZE = 150
TEAMS_REPORT_ROWS = 300


class BenchError(RuntimeError):
    """An operation did not do what it should (so its timing would mean nothing)."""


class IsolatedClient(FlaskClient):
    """Each request in its own app context, as in production: a fresh `g` (the signed-in user is
    looked up again) and a fresh database session."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def new_client(app: Flask) -> FlaskClient:
    return IsolatedClient(app, app.response_class, use_cookies=True)


@dataclass
class Context:
    """What operations need: the app, a signed-in client, an API token and facts about the data."""

    app: Flask
    client: FlaskClient
    api_token: str
    facts: dict
    _once: dict = field(default_factory=dict)

    def once(self, key: str, make: Callable):
        """`make()` the first time it is asked for, then the same value (setup shared by repetitions)."""
        if key not in self._once:
            self._once[key] = make()
        return self._once[key]

    def csrf_token(self) -> str:
        return self.once("csrf", lambda: csrf_token(self.client.get("/people/new")))


@dataclass(frozen=True)
class Operation:
    name: str
    prepare: Callable[[Context], Callable]
    expect: int = 200
    # Text the response must contain, so an error page cannot pass for a fast success.
    contains: str | None = None


OPERATIONS: list[Operation] = []


def operation(name: str, *, expect: int = 200, contains: str | None = None):
    """Register an operation: a function taking the Context and returning the request to time."""

    def register(prepare: Callable[[Context], Callable]) -> Callable[[Context], Callable]:
        OPERATIONS.append(Operation(name, prepare, expect, contains))
        return prepare

    return register


def csrf_token(response) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', response.get_data(as_text=True))
    if not match:
        raise BenchError(f"no CSRF token on {response.request.path} (status {response.status_code})")
    return match.group(1)


# Operations -------------------------------------------------------------------------------------


@operation("sign in", expect=302)
def sign_in(ctx: Context):
    client = new_client(ctx.app)
    token = csrf_token(client.get("/sign-in"))
    return lambda: client.post("/sign-in", data={"csrf_token": token, "email": EMAIL, "password": PASSWORD})


@operation("people list, page 1", contains="people")
def people_first_page(ctx: Context):
    return lambda: ctx.client.get("/people/")


@operation("people list, page 500 (or the last)")
def people_deep_page(ctx: Context):
    page = min(500, ctx.facts["people_pages"])
    return lambda: ctx.client.get("/people/", query_string={"page": page})


@operation("people search by name")
def people_search(ctx: Context):
    return lambda: ctx.client.get("/people/", query_string={"q": ctx.facts["search_name"]})


@operation("person profile, most active person")
def person_profile(ctx: Context):
    return lambda: ctx.client.get(f"/people/{ctx.facts['most_active_person_id']}")


@operation("session page, largest session")
def session_page(ctx: Context):
    return lambda: ctx.client.get(f"/sessions/{ctx.facts['largest_session_id']}")


@operation("organisations list")
def organisations_list(ctx: Context):
    return lambda: ctx.client.get("/organisations/")


@operation("sessions list")
def sessions_list(ctx: Context):
    return lambda: ctx.client.get("/sessions/")


@operation("API people, type=parent_champion, 50 a page")
def api_people(ctx: Context):
    headers = {"Authorization": f"Bearer {ctx.api_token}"}
    query = {"type": "parent_champion", "per_page": 50}
    return lambda: ctx.client.get("/api/v1/people", query_string=query, headers=headers)


def find_filters(ctx: Context, **extra) -> dict:
    """Filters a coordinator would use: parents and carers in the busiest ward who agreed to be
    contacted and came at least twice."""
    return {
        "type": "parent_carer",
        "ward": ctx.facts["busiest_ward"],
        "consent": "contact",
        "attended_min": 2,
    } | extra


@operation("find people, filtered first page", contains='id="find-count"')
def find_people_filtered(ctx: Context):
    query = find_filters(ctx, sort="name")
    return lambda: ctx.client.get("/find", query_string=query)


@operation("find people, fair spread", contains='id="find-count"')
def find_people_fair(ctx: Context):
    query = {"type": "parent_carer", "consent": "contact", "sort": "fair"}
    return lambda: ctx.client.get("/find", query_string=query)


@operation("find people, live count", contains='"count"')
def find_people_count(ctx: Context):
    query = find_filters(ctx)
    return lambda: ctx.client.get("/find/count", query_string=query)


@operation("people export CSV, one ward's parents and carers", contains="Name,Preferred name")
def people_export_csv(ctx: Context):
    query = {"type": "parent_carer", "ward": ctx.facts["busiest_ward"]}
    data = {"csrf_token": ctx.csrf_token()}
    return lambda: ctx.client.post("/find/export.csv", query_string=query, data=data)


@operation(f"register save ({REGISTER_SIZE} people)", expect=302)
def register_save(ctx: Context):
    """Every row of a 150-person register changes (attended ↔ did not come) on each save."""
    session_id = ctx.once("register_session", lambda: register_session(ctx.app))
    with ctx.app.app_context():
        rows = db.session.execute(
            sa.select(
                Participation.person_id,
                Participation.status,
                Participation.role,
                Participation.minutes,
                Participation.creche_children,
            )
            .where(Participation.session_id == session_id)
            .order_by(Participation.person_id)
        ).all()
    data = {"csrf_token": ctx.csrf_token()}
    for index, row in enumerate(rows):
        attended = row.status == ParticipationStatus.ATTENDED
        data.update(
            {
                f"rows-{index}-person_id": str(row.person_id),
                f"rows-{index}-status": "no_show" if attended else "attended",
                f"rows-{index}-role": row.role.value,
                f"rows-{index}-minutes": "" if row.minutes is None else str(row.minutes),
                f"rows-{index}-creche_children": str(row.creche_children),
                f"rows-{index}-loaded_status": row.status.value,
                f"rows-{index}-loaded_role": row.role.value,
                f"rows-{index}-loaded_minutes": "" if row.minutes is None else str(row.minutes),
                f"rows-{index}-loaded_creche_children": str(row.creche_children),
            }
        )
    return lambda: ctx.client.post(f"/sessions/{session_id}/register", data=data)


@operation(f"Teams import preview ({TEAMS_REPORT_ROWS} rows)", contains='name="upload"')
def teams_import_preview(ctx: Context):
    session_id = ctx.once("register_session", lambda: register_session(ctx.app))
    report = ctx.once("teams_report", lambda: teams_report(ctx.app))

    def upload():
        data = {
            "csrf_token": ctx.csrf_token(),
            "file": (io.BytesIO(report), "meetingAttendanceReport.csv"),
            "format": "teams",
            "min_minutes": "",
        }
        return ctx.client.post(f"/sessions/{session_id}/import", data=data, content_type="multipart/form-data")

    return upload


def register_session(app: Flask) -> int:
    """A session today with REGISTER_SIZE people registered, as the register page would show it."""
    from crm.models import User
    from crm.services.participation import Mark, upsert_participations
    from crm.services.sessions import create_session

    with app.app_context():
        actor = db.session.scalar(sa.select(User).where(User.email == EMAIL))
        session = create_session(
            {
                "title": "Parent panel: shaping the Family Hub",
                "date": date.today(),
                "start_time": "10:00",
                "end_time": "12:00",
                "format": SessionFormat.IN_PERSON,
                "kind": SessionKind.PANEL,
                "involvement_level": InvolvementLevel.ENGAGING,
                "location": "The Forum, Southend",
                "capacity": 200,
            },
            actor,
        )
        people = db.session.scalars(sa.select(Person.id).order_by(Person.id).limit(REGISTER_SIZE)).all()
        marks = [Mark(person_id, ParticipationStatus.REGISTERED) for person_id in people]
        upsert_participations(session.id, marks, ParticipationSource.RSVP)
        db.session.commit()
        return session.id


def teams_report(app: Flask) -> bytes:
    """A Microsoft Teams attendance report (UTF-16, tab-separated) with TEAMS_REPORT_ROWS people:
    most known by email, some by name only ("Surname, First"), some guests nobody knows."""
    rng = random.Random(7)
    with app.app_context():
        known = db.session.execute(
            sa.select(Person.first_name, Person.last_name, Person.email)
            .where(Person.email.is_not(None))
            .order_by(Person.id)
            .limit(TEAMS_REPORT_ROWS * 20)
        ).all()
    chosen = rng.sample(known, min(len(known), TEAMS_REPORT_ROWS - 20))
    lines = [
        "1. Summary",
        "Meeting title\tParent panel: shaping the Family Hub",
        f"Attended participants\t{TEAMS_REPORT_ROWS}",
        "Start time\t14/03/2025, 09:59:02",
        "End time\t14/03/2025, 11:31:40",
        "",
        "2. Participants",
        "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole",
    ]
    for index, person in enumerate(chosen):
        minutes = rng.randint(5, 90)
        email = person.email if index % 7 else ""
        role = "Organizer" if index == 0 else "Attendee"
        lines.append(
            f"{person.last_name}, {person.first_name}\t14/03/2025, 10:00:00\t14/03/2025, 11:30:00\t"
            f"{minutes // 60}h {minutes % 60}m 0s\t{email}\t{email}\t{role}"
        )
    for guest in range(20):
        lines.append(f"Visitor {guest + 1} (Guest)\t14/03/2025, 10:01:00\t14/03/2025, 11:30:00\t1h 29m\t\t\tAttendee")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-16-le")


# Setting up the Context -------------------------------------------------------------------------


def prepare(app: Flask) -> Context:
    """Create the manager account and an API token, sign in through the form, find the facts."""
    from crm.services.users import create_api_token, create_user

    with app.app_context():
        user = create_user(EMAIL, "Bench Manager", Role.MANAGER, PASSWORD)
        token = create_api_token(user)
        db.session.commit()
        facts = study(app)
    client = new_client(app)
    page = client.get("/sign-in")
    response = client.post("/sign-in", data={"csrf_token": csrf_token(page), "email": EMAIL, "password": PASSWORD})
    if response.status_code != 302:
        raise BenchError(f"signing in failed with status {response.status_code}")
    return Context(app=app, client=client, api_token=token, facts=facts)


def study(app: Flask) -> dict:
    """Facts the operations need: the busiest person, the largest session held (not cancelled,
    not still to come: its page shows the most), how many pages of people."""
    busiest_person = db.session.execute(
        sa.select(Participation.person_id, sa.func.count().label("n"))
        .group_by(Participation.person_id)
        .order_by(sa.desc("n"), Participation.person_id)
        .limit(1)
    ).first()
    largest_session = db.session.execute(
        sa.select(Participation.session_id, sa.func.count().label("n"))
        .join(Session, Session.id == Participation.session_id)
        .where(Session.cancelled_at.is_(None), Session.date <= date.today())
        .group_by(Participation.session_id)
        .order_by(sa.desc("n"), Participation.session_id)
        .limit(1)
    ).first()
    people = db.session.scalar(sa.select(sa.func.count()).select_from(Person))
    busiest_ward = db.session.execute(
        sa.select(Ward.name, sa.func.count().label("n"))
        .join(Person, Person.ward_id == Ward.id)
        .group_by(Ward.id, Ward.name)
        .order_by(sa.desc("n"), Ward.name)
        .limit(1)
    ).first()
    person = db.session.get(Person, busiest_person.person_id)
    return {
        "most_active_person_id": busiest_person.person_id,
        "most_active_person_participations": busiest_person.n,
        "largest_session_id": largest_session.session_id,
        "largest_session_participations": largest_session.n,
        "people": people,
        "people_pages": max(1, math.ceil(people / app.config["PER_PAGE"])),
        "search_name": person.full_name,
        "busiest_ward": busiest_ward.name,
    }
