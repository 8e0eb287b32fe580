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
from werkzeug.datastructures import MultiDict

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
    # At most this many timed repetitions (and one warm-up): for operations taking seconds.
    max_repeat: int | None = None


OPERATIONS: list[Operation] = []


def operation(name: str, *, expect: int = 200, contains: str | None = None, max_repeat: int | None = None):
    """Register an operation: a function taking the Context and returning the request to time."""

    def register(prepare: Callable[[Context], Callable]) -> Callable[[Context], Callable]:
        OPERATIONS.append(Operation(name, prepare, expect, contains, max_repeat))
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


@operation("people search by name", contains="app-table--stack")
def people_search(ctx: Context):
    """The list filtered by a name. The search form posts the text (kept out of the URL) and is
    sent to the list under a key (untimed); the list it leads to is timed."""
    posted = ctx.client.post("/people/search", data={"csrf_token": ctx.csrf_token(), "q": ctx.facts["search_name"]})
    if posted.status_code != 302:
        raise BenchError(f"people search: status {posted.status_code}")
    location = posted.headers["Location"]
    return lambda: ctx.client.get(location)


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
    from crm.queries.participation_report import month_of

    year = sa.func.substr(month_of(Session.date), 1, 4)
    busiest_year = db.session.execute(
        sa.select(year.label("year"), sa.func.count().label("n"))
        .select_from(Participation)
        .join(Session, Session.id == Participation.session_id)
        .group_by(year)
        .order_by(sa.desc("n"), year)
        .limit(1)
    ).first()
    return {
        "report_year": int(busiest_year.year),
        "report_year_participations": busiest_year.n,
        "most_active_person_id": busiest_person.person_id,
        "most_active_person_participations": busiest_person.n,
        "largest_session_id": largest_session.session_id,
        "largest_session_participations": largest_session.n,
        "people": people,
        "people_pages": max(1, math.ceil(people / app.config["PER_PAGE"])),
        "search_name": person.full_name,
        "busiest_ward": busiest_ward.name,
    }


# Reports ----------------------------------------------------------------------------------------


def report_query(ctx: Context) -> dict:
    """The calendar year with the most participation rows (a whole year of the seeded history)."""
    return {"year": ctx.facts["report_year"], "basis": "calendar"}


@operation("annual dashboard", contains="app-headline--attendances")
def annual_dashboard(ctx: Context):
    return lambda: ctx.client.get("/reports/", query_string=report_query(ctx))


@operation("annual report JSON", contains='"unique_participants"')
def annual_report_json(ctx: Context):
    headers = {"Authorization": f"Bearer {ctx.api_token}"}
    return lambda: ctx.client.get("/api/v1/reports/participation", query_string=report_query(ctx), headers=headers)


# People import -----------------------------------------------------------------------------------

PEOPLE_IMPORT_ROWS = 10_000
PEOPLE_IMPORT_MATCHED = 1_000
_IMPORT_DOMAIN = "import.bench.example"


@operation(f"people import {PEOPLE_IMPORT_ROWS:,} rows", contains="People imported", max_repeat=5)
def people_import(ctx: Context):
    """Confirming the import of a 10,000-row spreadsheet: the file read again, every row checked
    and matched, 9,000 people added and 1,000 existing people given a note, and the commit. Before
    each request (untimed) the previous request's people are deleted and the notes cleared, so
    every request does the same work against the same data."""
    from itsdangerous import URLSafeTimedSerializer

    from crm.models import Affiliation, Consent, PersonTypeLink, User
    from crm.models.person import person_tags

    grid, matched = ctx.once("people_import_file", lambda: people_import_grid(ctx.app))
    with ctx.app.app_context():
        # Children first: a connection that ran the migrations in this process may have
        # foreign keys (and so ON DELETE CASCADE) switched off on SQLite.
        imported = sa.select(Person.id).where(Person.email.like(f"%@{_IMPORT_DOMAIN}")).scalar_subquery()
        for table in (PersonTypeLink.__table__, person_tags, Affiliation.__table__, Consent.__table__):
            db.session.execute(sa.delete(table).where(table.c.person_id.in_(imported)))
        db.session.execute(sa.delete(Person).where(Person.id.in_(imported)))
        db.session.execute(sa.update(Person).where(Person.id.in_(matched)).values(notes=None))
        db.session.commit()
        user_id = db.session.scalar(sa.select(User.id).where(User.email == EMAIL))
    mapping, fingerprint = ctx.once("people_import_preview", lambda: people_import_fingerprint(ctx.app, grid))
    sealed = URLSafeTimedSerializer(ctx.app.secret_key, salt="people-import").dumps(
        {
            "kind": "confirm",
            "user": user_id,
            "grid": grid,
            "filename": "people.csv",
            "sheet": "",
            "mapping": mapping,
            "reference": f"{random.getrandbits(64):016x}",
            "fingerprint": fingerprint,
        }
    )
    return lambda: ctx.client.post("/people/import/confirm", data={"csrf_token": ctx.csrf_token(), "upload": sealed})


def people_import_grid(app: Flask) -> tuple[list[list[str]], list[int]]:
    """The spreadsheet's cells: 9,000 new people and 1,000 already in the CRM (by email)."""
    with app.app_context():
        known = db.session.execute(
            sa.select(Person.id, Person.first_name, Person.last_name, Person.email)
            .where(Person.email.is_not(None), Person.notes.is_(None))
            .order_by(Person.id)
            .limit(PEOPLE_IMPORT_MATCHED)
        ).all()
        wards = db.session.scalars(sa.select(Ward.name).order_by(Ward.name)).all()
    grid = [["First Name", "Surname", "E-mail address", "Mobile", "Post Code", "Ward", "Type", "Notes"]]
    for person in known:
        grid.append([person.first_name, person.last_name, person.email.upper(), "", "", "", "", "From the old list"])
    for i in range(PEOPLE_IMPORT_ROWS - len(known)):
        grid.append(
            [
                f"Firstname{i}",
                f"Surname{i}",
                f"person{i}@{_IMPORT_DOMAIN}",
                f"07400 {i:06d}",
                f"SS{1 + i % 9} {1 + i % 9}AB",
                wards[i % len(wards)] if wards else "",
                "Parent or carer",
                "",
            ]
        )
    return grid, [person.id for person in known]


def people_import_fingerprint(app: Flask, grid: list[list[str]]) -> tuple[list[str], str]:
    from crm.services.people_import import preview_people_import, table_and_mapping

    with app.app_context():
        table, mapping = table_and_mapping(grid)
        preview = preview_people_import(table, mapping, "people.csv")
        if preview.invalid:
            raise BenchError(f"the people import file has {len(preview.invalid)} invalid rows")
        return mapping, preview.fingerprint


@operation("possible duplicates, computed afresh", contains="Possible duplicates", max_repeat=10)
def duplicates_afresh(ctx: Context):
    from crm.queries import duplicates

    def request():
        duplicates._cache.clear()
        return ctx.client.get("/people/duplicates")

    return request


@operation("possible duplicates, page 2 (pairs kept from page 1)", contains="Possible duplicates")
def duplicates_cached(ctx: Context):
    return lambda: ctx.client.get("/people/duplicates", query_string={"page": 2})


# Issue-7 operations: register open, inviting 500, a 20,000-row export, the dashboard recomputed --

INVITE_SIZE = 500
EXPORT_ROWS = 20_000


@operation(f"register open ({REGISTER_SIZE} people)", contains="rows-0-status")
def register_open(ctx: Context):
    session_id = ctx.once("register_session", lambda: register_session(ctx.app))
    return lambda: ctx.client.get(f"/sessions/{session_id}/register")


@operation(f"invite {INVITE_SIZE} people to a session", contains="Invited ")
def invite_people(ctx: Context):
    """500 people who agreed to be contacted (fewer in a tiny database), invited from the find-people
    list: 500 participations and 500 emails in the outbox. Before each request (untimed) the
    previous invitations go."""
    from crm.models import OutboxMessage

    session_id, person_ids = ctx.once("invite_session", lambda: invitation_session(ctx.app))
    with ctx.app.app_context():
        db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.session_id == session_id))
        db.session.execute(sa.delete(Participation).where(Participation.session_id == session_id))
        db.session.commit()
    data = [("csrf_token", ctx.csrf_token()), ("session_id", str(session_id))]
    data += [("person_id", str(person_id)) for person_id in person_ids]
    return lambda: ctx.client.post("/find/invite", data=MultiDict(data))


def invitation_session(app: Flask) -> tuple[int, list[int]]:
    from crm.models import Consent, User
    from crm.models.enums import ConsentPurpose
    from crm.services.sessions import create_session

    with app.app_context():
        actor = db.session.scalar(sa.select(User).where(User.email == EMAIL))
        session = create_session(
            {
                "title": "Co-design workshop: the new parents' app",
                "date": date.fromordinal(date.today().toordinal() + 21),
                "start_time": "18:00",
                "end_time": "20:00",
                "format": SessionFormat.ONLINE,
                "kind": SessionKind.CO_DESIGN_WORKSHOP,
                "involvement_level": InvolvementLevel.CO_DESIGNING,
                "capacity": 1000,
            },
            actor,
        )
        person_ids = db.session.scalars(
            sa.select(Person.id)
            .join(Consent, Consent.person_id == Person.id)
            .where(
                Consent.purpose == ConsentPurpose.CONTACT,
                Consent.withdrawn_at.is_(None),
                Person.email.is_not(None),
                Person.erased_at.is_(None),
            )
            .order_by(Person.id)
            .limit(INVITE_SIZE)
        ).all()
        db.session.commit()
        if not person_ids:
            raise BenchError("nobody with contact consent and an email to invite")
        return session.id, person_ids


@operation(f"people export CSV, about {EXPORT_ROWS:,} rows", contains="Name,Preferred name")
def people_export_large(ctx: Context):
    """The find-people export for the busiest wards, together holding about 20,000 people (or
    everyone, in a smaller database)."""
    wards = ctx.once("export_wards", lambda: export_wards(ctx.app))
    data = {"csrf_token": ctx.csrf_token()}
    return lambda: ctx.client.post("/find/export.csv", query_string={"ward": wards}, data=data)


def export_wards(app: Flask) -> list[str]:
    with app.app_context():
        counts = db.session.execute(
            sa.select(Ward.name, sa.func.count(Person.id).label("n"))
            .join(Person, Person.ward_id == Ward.id)
            .group_by(Ward.id, Ward.name)
            .order_by(sa.desc("n"), Ward.name)
        ).all()
    chosen, total = [], 0
    for name, count in counts:
        if total >= EXPORT_ROWS:
            break
        chosen.append(name)
        total += count
    return chosen


def _data_changed(ctx: Context) -> None:
    """What a register save does to the reports (untimed): the data version moves on, so every
    cached report is stale. Refreshes still running from the previous request finish first."""
    from crm.models.settings import DataVersion
    from crm.queries.report_cache import wait_for_refreshes

    wait_for_refreshes()
    with ctx.app.app_context():
        db.session.execute(sa.update(DataVersion).values(value=DataVersion.value + 1))
        db.session.commit()


@operation("annual dashboard, first view after a change", contains="app-headline--attendances", max_repeat=10)
def annual_dashboard_after_change(ctx: Context):
    """The first dashboard after someone saved a register. Its figures are counted again in the
    request as far as REPORT_INLINE_MS allows; the others are shown as they were, with their time,
    while a background thread counts them again (timed separately below)."""
    _data_changed(ctx)
    return lambda: ctx.client.get("/reports/", query_string=report_query(ctx))


class Done:
    """The result of an operation that is not a request, shaped like a response."""

    status_code = 200

    def __init__(self, text: str):
        self.text = text

    def get_data(self, as_text: bool = False):
        return self.text


@operation("annual dashboard, counted in full (background refresh)", contains="refreshed 3", max_repeat=10)
def annual_dashboard_refresh(ctx: Context):
    """Everything the dashboard counts (the year, the year before, the dashboard's own figures),
    computed again as the background refresh does after a change."""
    from crm.queries.dashboard import dashboard_figures
    from crm.queries.participation_report import participation_report, period_from
    from crm.queries.report_cache import refresh_report

    _data_changed(ctx)

    def refresh():
        with ctx.app.app_context():
            period = period_from(ctx.facts["report_year"], "calendar")
            done = sum(
                refresh_report(kind, each, compute)
                for kind, each, compute in (
                    ("participation", period, participation_report),
                    ("participation", period.previous(), participation_report),
                    ("dashboard", period, dashboard_figures),
                )
            )
            db.session.remove()
        return Done(f"refreshed {done}")

    return refresh
