"""Importing attendance from a report: the preview's categories against people in the CRM,
applying it (summed minutes, no duplicates, never weakening a status, idempotent), the web
upload → preview → confirm journey and the `flask crm import-attendance` command."""

from __future__ import annotations

import io
import re
from datetime import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from crm.extensions import db as _db
from crm.models import AuditEvent, Participation, Person
from crm.models.base import utcnow
from crm.models.enums import ParticipationRole, ParticipationSource, ParticipationStatus, Role
from crm.queries.register import close_out
from crm.services.attendance_import import apply_import, preview_import
from crm.services.errors import InvalidInput
from crm.services.import_rows import CANCELLED, DEVICE_NAME, ONE_NAME, RowErrors, report_may_replace
from crm.services.participation import Mark, upsert_participations
from tests.conftest import count_queries, csrf_token
from tests.factories import PersonFactory, SessionFactory

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def session(db):
    return SessionFactory(title="Talking with toddlers")


@pytest.fixture
def crm_people(db):
    """People already in the CRM, as the sample reports name them (Morgan Fieldfare is not)."""
    made = {
        "amara": PersonFactory(first_name="Amara", last_name="Host", email="amara.host@example.org"),
        "jo": PersonFactory(first_name="Jo", last_name="Sample", email="jo.sample@example.com"),
        "sam": PersonFactory(first_name="Sam", last_name="Example", email="sam.example@example.org"),
        "priya": PersonFactory(first_name="Priya", last_name="Testwell", email="priya.testwell@example.com"),
        "chidi": PersonFactory(first_name="Chidi", last_name="Okafor", email="chidi.okafor@example.org"),
        # Like "Lee Brightwater" in the reports, but not the same name: to be checked.
        "lea": PersonFactory(first_name="Lea", last_name="Brightwater", email=None),
        "riley": PersonFactory(first_name="Riley", last_name="Novak", email="riley.novak@example.org"),
    }
    db.session.flush()
    return made


def participations(session_id: int) -> dict[int, tuple]:
    rows = _db.session.scalars(select(Participation).where(Participation.session_id == session_id))
    return {p.person_id: (p.status, p.minutes, p.role, p.source) for p in rows}


def names(rows) -> list[str]:
    return sorted(r.name for r in rows)


def row_index(preview, name: str) -> int:
    return next(r.index for r in preview.rows if r.name == name)


def count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


# --- Preview -------------------------------------------------------------------------------


def test_preview_sorts_people_into_matched_new_and_ambiguous(session, crm_people):
    preview = preview_import(session, fixture("zoom_classic.csv"), "participants.csv")
    assert preview.format == "zoom"
    assert preview.report_rows == 10
    assert preview.counts == {"matched": 5, "new": 1, "ambiguous": 1, "skipped": 0}
    matched = {r.name: (r.person_id, r.match_reason, r.minutes) for r in preview.matched}
    assert matched == {
        "Amara Host": (crm_people["amara"].id, "same email address", 97),
        "Jo Sample": (crm_people["jo"].id, "same email address", 88),  # 41 + 47 minutes
        "Sam Example": (crm_people["sam"].id, "same name", 87),  # "iPhone (Sam Example)", no email
        "Priya Testwell": (crm_people["priya"].id, "same email address", 83),  # email in capitals
        "Chidi Okafor": (crm_people["chidi"].id, "same email address", 3),  # "Okafor, Chidi"
    }
    [new] = preview.new
    assert (new.name, new.first_name, new.last_name, new.email, new.minutes) == (
        "Morgan Fieldfare",
        "Morgan",
        "Fieldfare",
        "morgan.fieldfare@example.com",
        69,
    )
    [ambiguous] = preview.ambiguous
    assert ambiguous.name == "Lee Brightwater"
    assert [(c.person_id, c.reason) for c in ambiguous.candidates] == [(crm_people["lea"].id, "similar name")]
    assert participations(session.id) == {}  # a preview writes nothing


def test_same_name_with_a_different_email_is_checked_not_matched(session, db):
    other = PersonFactory(first_name="Jo", last_name="Sample", email="jo.home@example.net")
    preview = preview_import(session, b"Name,Email\nJo Sample,jo.work@example.com\n", "list.csv")
    [row] = preview.ambiguous
    assert [(c.person_id, c.reason) for c in row.candidates] == [(other.id, "same name")]


def test_two_people_with_the_same_name_are_ambiguous(session, db):
    first = PersonFactory(first_name="Jo", last_name="Sample", email=None)
    second = PersonFactory(first_name="Jo", last_name="Sample", email="jo.sample@example.com")
    preview = preview_import(session, b"Name\nJo Sample\n", "list.csv")
    [row] = preview.ambiguous
    assert {c.person_id for c in row.candidates} == {first.id, second.id}


def test_names_match_without_accents_and_by_preferred_name(session, db):
    zoe = PersonFactory(first_name="Zoë", last_name="Ashworth", email=None)
    josephine = PersonFactory(first_name="Josephine", last_name="Marsh", preferred_name="Jo", email=None)
    preview = preview_import(session, b'Name\nZoe Ashworth\n"Marsh, Jo"\n', "list.csv")
    assert {r.name: r.person_id for r in preview.matched} == {"Zoe Ashworth": zoe.id, "Jo Marsh": josephine.id}


def test_names_match_whatever_their_case(session, db):
    shouted = PersonFactory(first_name="SAM", last_name="EXAMPLE", email=None)
    elodie = PersonFactory(first_name="Élodie", last_name="Martin", email=None)
    preview = preview_import(session, b"Name\nsam example\n\xc3\xa9lodie martin\n", "list.csv")
    assert {r.name: r.person_id for r in preview.matched} == {"sam example": shouted.id, "élodie martin": elodie.id}


def test_minimum_minutes_leaves_out_short_stays_with_the_reason(session, crm_people):
    preview = preview_import(session, fixture("teams_utf16le.csv"), "report.csv", min_minutes=5)
    [skipped] = preview.skipped
    assert skipped.name == "Chidi Okafor"
    assert skipped.skip_reason == "Attended 1 minute, under the minimum of 5"
    assert "Chidi Okafor" not in names(preview.matched)


def test_organisers_can_be_left_out(session, crm_people):
    preview = preview_import(session, fixture("teams_utf16le.csv"), "report.csv", exclude_organisers=True)
    assert [(r.name, r.skip_reason) for r in preview.skipped] == [
        ("Amara Host", "Organiser or host (organisers and hosts are left out)")
    ]
    kept = preview_import(session, fixture("teams_utf16le.csv"), "report.csv")
    assert "Amara Host" in names(kept.matched)


def test_declined_people_not_in_the_crm_are_left_out(session, db):
    preview = preview_import(session, fixture("eventbrite.csv"), "attendees.csv")
    assert {r.name: r.skip_reason for r in preview.skipped} == {
        "Chidi Okafor": "Declined, and not in the CRM",
        "Lee Brightwater": "Declined, and not in the CRM",
    }
    assert names(preview.new) == ["Jo Sample", "Priya Testwell", "Riley Novak", "Sam Example"]


def test_rows_without_a_name_or_email_are_skipped(session, db):
    preview = preview_import(session, b"Name,Email,Minutes\nJo Sample,,30\n+44 1632 960001,,12\n", "list.csv")
    assert [r.skip_reason for r in preview.skipped] == ["No name or email address (a phone dial-in or an empty row)"]


def test_unreadable_file_is_invalid_input_on_the_file(session, db):
    with pytest.raises(InvalidInput) as error:
        preview_import(session, b"Colour,Shape\nred,square\n", "shapes.csv")
    assert "not a report we recognise" in error.value.fields["file"]
    assert "Zoom participant report" in error.value.fields["file"]


def test_matching_makes_the_same_number_of_queries_for_3_or_300_people(session, db):
    def report(n: int, tag: str) -> bytes:
        lines = ["Name,Email"]
        for i in range(n):
            PersonFactory(first_name=f"Known{tag}{i}", last_name="Person", email=f"known{tag}{i}@example.com")
            lines.append(f"Known{tag}{i} Person,known{tag}{i}@example.com")
            lines.append(f"Guest{tag}{i} Visitor,")
        return ("\n".join(lines) + "\n").encode()

    def queries(data: bytes) -> int:
        previews = []
        count = count_queries(_db, lambda: previews.append(preview_import(session, data, "list.csv")))
        assert previews[0].counts["matched"] == (len(data.splitlines()) - 1) // 2
        return count

    small = report(3, "a")
    large = report(300, "b")
    assert queries(small) == queries(large) <= 4


# --- Apply ---------------------------------------------------------------------------------


def test_apply_records_summed_minutes_and_creates_chosen_people(session, crm_people, db):
    user = None  # as from the command line
    preview = preview_import(session, fixture("zoom_classic.csv"), "participants.csv")
    choices = {
        row_index(preview, "Morgan Fieldfare"): "new",
        row_index(preview, "Lee Brightwater"): str(crm_people["lea"].id),
    }
    before_people = count(Person)
    result = apply_import(session, preview, choices, user)
    db.session.flush()
    morgan = db.session.scalar(select(Person).where(Person.email == "morgan.fieldfare@example.com"))
    assert (morgan.first_name, morgan.last_name) == ("Morgan", "Fieldfare")
    assert count(Person) == before_people + 1
    zoom, attended = ParticipationSource.ZOOM, ParticipationStatus.ATTENDED
    assert participations(session.id) == {
        crm_people["amara"].id: (attended, 97, ParticipationRole.ORGANISER, zoom),
        crm_people["jo"].id: (attended, 88, ParticipationRole.PARTICIPANT, zoom),
        crm_people["sam"].id: (attended, 87, ParticipationRole.PARTICIPANT, zoom),
        crm_people["priya"].id: (attended, 83, ParticipationRole.PARTICIPANT, zoom),
        crm_people["chidi"].id: (attended, 3, ParticipationRole.PARTICIPANT, zoom),
        crm_people["lea"].id: (attended, 90, ParticipationRole.PARTICIPANT, zoom),
        morgan.id: (attended, 69, ParticipationRole.PARTICIPANT, zoom),
    }
    assert (result.written, result.matched, result.created, result.skipped) == (7, 6, 1, 0)
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "sessions")).all()
    assert [(a.entity_id, a.detail) for a in audit] == [
        (session.id, "zoom import: 6 matched, 1 new, 0 skipped, 7 recorded")
    ]
    assert "Jo" not in audit[0].detail


def test_applying_the_same_file_twice_changes_nothing(session, crm_people, db):
    def run():
        preview = preview_import(session, fixture("zoom_classic.csv"), "participants.csv")
        ambiguous = {row_index(preview, "Lee Brightwater"): str(crm_people["lea"].id)}
        result = apply_import(session, preview, ambiguous, None, create_new=True)
        db.session.flush()
        return result

    first = run()
    recorded = participations(session.id)
    people = count(Person)
    second = run()
    assert first.written == 7
    assert (second.written, second.created, second.unchanged) == (0, 0, 7)
    assert participations(session.id) == recorded
    assert count(Person) == people


def test_unchosen_new_and_ambiguous_people_are_not_recorded(session, crm_people, db):
    preview = preview_import(session, fixture("zoom_classic.csv"), "participants.csv")
    people = count(Person)
    result = apply_import(session, preview, {}, None)
    assert (result.written, result.skipped) == (5, 2)
    assert count(Person) == people
    assert crm_people["lea"].id not in participations(session.id)


def test_a_newer_booking_replaces_an_older_one_but_never_undoes_what_the_register_says(session, crm_people, db):
    jo, sam, chidi, riley = crm_people["jo"], crm_people["sam"], crm_people["chidi"], crm_people["riley"]
    upsert_participations(
        session.id,
        [
            Mark(jo.id, ParticipationStatus.ATTENDED, minutes=None),
            Mark(sam.id, ParticipationStatus.INVITED),
            Mark(chidi.id, ParticipationStatus.REGISTERED),
            Mark(riley.id, ParticipationStatus.APOLOGIES),
        ],
        ParticipationSource.REGISTER,
    )
    preview = preview_import(session, fixture("eventbrite.csv"), "attendees.csv")
    result = apply_import(session, preview, {}, None)
    recorded = participations(session.id)
    # Jo was checked in; already attended: left alone, still from the register.
    assert recorded[jo.id] == (
        ParticipationStatus.ATTENDED,
        None,
        ParticipationRole.PARTICIPANT,
        ParticipationSource.REGISTER,
    )
    # Invited → Attending on Eventbrite: registered.
    assert recorded[sam.id][0] == ParticipationStatus.REGISTERED
    assert recorded[sam.id][3] == ParticipationSource.EVENTBRITE
    # Registered → "Not Attending": the newer booking state, declined.
    assert recorded[chidi.id][0] == ParticipationStatus.DECLINED
    assert recorded[chidi.id][3] == ParticipationSource.EVENTBRITE
    # Apologies taken on the register are not undone by a booking ("Attending").
    assert recorded[riley.id][:2] == (ParticipationStatus.APOLOGIES, None)
    assert recorded[riley.id][3] == ParticipationSource.REGISTER
    assert recorded[crm_people["priya"].id][0] == ParticipationStatus.ATTENDED
    assert result.kept_stronger == 1


@pytest.mark.parametrize(
    ("current", "reported", "replaced"),
    [
        ("invited", "registered", True),
        ("invited", "declined", True),
        ("registered", "declined", True),
        ("declined", "registered", True),
        ("registered", "attended", True),
        ("declined", "attended", True),
        ("attended", "registered", False),
        ("attended", "declined", False),
        ("attended", "attended", True),
        ("apologies", "registered", False),
        ("apologies", "declined", False),
        ("apologies", "attended", True),
        ("no_show", "declined", False),
        ("no_show", "attended", True),
    ],
)
def test_which_recorded_statuses_a_report_replaces(current, reported, replaced):
    assert report_may_replace(ParticipationStatus(current), ParticipationStatus(reported)) is replaced


def test_a_report_turns_a_no_show_into_attended_and_a_decline_back_into_a_booking(session, crm_people, db):
    jo, sam = crm_people["jo"], crm_people["sam"]
    upsert_participations(
        session.id,
        [Mark(jo.id, ParticipationStatus.NO_SHOW), Mark(sam.id, ParticipationStatus.DECLINED)],
        ParticipationSource.REGISTER,
    )
    data = (
        b"Order #,First Name,Last Name,Email,Attendee #,Attendee Status\n"
        b"1,Jo,Sample,jo.sample@example.com,2,Checked In\n"
        b"3,Sam,Example,sam.example@example.org,4,Attending\n"
    )
    apply_import(session, preview_import(session, data, "attendees.csv"), {}, None)
    recorded = participations(session.id)
    assert recorded[jo.id][0] == ParticipationStatus.ATTENDED
    assert recorded[sam.id][0] == ParticipationStatus.REGISTERED


def test_eventbrite_attending_does_not_downgrade_an_attended_status(session, crm_people, db):
    jo = crm_people["jo"]
    upsert_participations(session.id, [Mark(jo.id, ParticipationStatus.ATTENDED, minutes=50)], "register")
    data = (
        b"Order #,First Name,Last Name,Email,Attendee #,Attendee Status\n"
        b"1,Jo,Sample,jo.sample@example.com,2,Attending\n"
    )
    apply_import(session, preview_import(session, data, "attendees.csv"), {}, None)
    assert participations(session.id)[jo.id][:2] == (ParticipationStatus.ATTENDED, 50)


def test_a_report_never_replaces_a_role_set_by_hand(session, crm_people, db):
    amara = crm_people["amara"]
    upsert_participations(
        session.id,
        [Mark(amara.id, ParticipationStatus.ATTENDED, role=ParticipationRole.FACILITATOR)],
        ParticipationSource.REGISTER,
    )
    apply_import(session, preview_import(session, fixture("teams_utf16le.csv"), "r.csv"), {}, None)
    assert participations(session.id)[amara.id][:3] == (
        ParticipationStatus.ATTENDED,
        93,
        ParticipationRole.FACILITATOR,
    )


def test_choosing_someone_who_was_not_a_candidate_is_refused(session, crm_people, db):
    preview = preview_import(session, fixture("zoom_classic.csv"), "participants.csv")
    index = row_index(preview, "Lee Brightwater")
    with pytest.raises(RowErrors) as error:
        apply_import(session, preview, {index: str(crm_people["jo"].id)}, None)
    assert list(error.value.rows) == [index]
    assert "Choose one of the people listed for Lee Brightwater" in error.value.rows[index]


# --- Web -----------------------------------------------------------------------------------


def upload(client, session_id: int, data: bytes, filename: str = "report.csv", **fields):
    page = client.get(f"/sessions/{session_id}/import")
    form = {
        "csrf_token": csrf_token(page),
        "file": (io.BytesIO(data), filename),
        "format": "auto",
        "min_minutes": "",
        **fields,
    }
    url = f"/sessions/{session_id}/import"
    if len(data) < 400_000:
        return client.post(url, data=form, content_type="multipart/form-data")
    # A big body is encoded here, in memory: the test client would spool it to a file it never closes.
    form["file"] = FileStorage(io.BytesIO(data), filename=filename, content_type="text/csv")
    boundary, body = encode_multipart(form)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def sealed_upload(response) -> str:
    return re.search(r'name="upload" type="hidden" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_session_page_links_to_the_import(client, login_as, session):
    login_as(Role.CHAMPION)
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert f'href="/sessions/{session.id}/import"' in page
    assert "Import attendance" in page


def test_upload_preview_confirm(client, login_as, session, crm_people, db):
    login_as(Role.CHAMPION)
    people = count(Person)
    preview = upload(client, session.id, fixture("teams_utf16le.csv"), exclude_organisers="y")
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "Check the import" in page
    assert "Teams attendance report, report.csv. 6 people from 6 rows." in page
    assert "Already in the CRM (4)" in page
    assert "Not in the CRM (" not in page
    assert "Check who they are (1)" in page  # Lee Brightwater, a guest: Lea Brightwater?
    assert "Left out (1)" in page
    assert "Organiser or host" in page
    assert participations(session.id) == {}

    # Confirmed without choosing for Lee: left out.
    response = client.post(
        f"/sessions/{session.id}/import/confirm",
        data={"csrf_token": csrf_token(preview), "upload": sealed_upload(preview)},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sessions/{session.id}#attendance")
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported the Teams attendance report: 4 attendance records saved, 2 people left out." in shown
    recorded = participations(session.id)
    assert recorded == {
        crm_people["jo"].id: (ParticipationStatus.ATTENDED, 74, ParticipationRole.PARTICIPANT, "teams"),
        crm_people["sam"].id: (ParticipationStatus.ATTENDED, 45, ParticipationRole.PARTICIPANT, "teams"),
        crm_people["chidi"].id: (ParticipationStatus.ATTENDED, 1, ParticipationRole.PARTICIPANT, "teams"),
        crm_people["riley"].id: (ParticipationStatus.ATTENDED, 58, ParticipationRole.PARTICIPANT, "teams"),
    }
    assert count(Person) == people


def test_web_preview_new_people_and_ambiguous_choices(client, login_as, session, crm_people, db):
    login_as(Role.COORDINATOR)
    preview = upload(client, session.id, fixture("zoom_classic.csv"), "participants.csv")
    page = preview.get_data(as_text=True)
    assert "Not in the CRM (1)" in page
    assert "Add Morgan Fieldfare as a new person" in page
    assert "Check who they are (1)" in page
    assert "Lea Brightwater" in page
    new_box = re.search(r'name="(new-\d+)"[^>]*checked', page)
    assert new_box, "new people are ticked by default"
    choice = re.search(r'name="(choice-\d+)"', page).group(1)
    response = client.post(
        f"/sessions/{session.id}/import/confirm",
        data={
            "csrf_token": csrf_token(preview),
            "upload": sealed_upload(preview),
            new_box.group(1): "yes",
            choice: str(crm_people["lea"].id),
        },
    )
    assert response.status_code == 302
    morgan = db.session.scalar(select(Person).where(Person.email == "morgan.fieldfare@example.com"))
    recorded = participations(session.id)
    assert recorded[morgan.id][:2] == (ParticipationStatus.ATTENDED, 69)
    assert recorded[crm_people["lea"].id][:2] == (ParticipationStatus.ATTENDED, 90)
    assert len(recorded) == 7


def test_bad_file_shows_what_was_expected_and_writes_nothing(client, login_as, session, db):
    login_as(Role.CHAMPION)
    audits = count(AuditEvent)
    response = upload(client, session.id, b"Colour,Shape\nred,square\n", "shapes.csv")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "This file is not a report we recognise" in page
    assert "Teams attendance report (with a &#39;2. Participants&#39; section)" in page
    assert 'id="file-error"' in page
    assert participations(session.id) == {}
    assert count(AuditEvent) == audits


def test_spreadsheet_upload_is_told_to_save_as_csv(client, login_as, session):
    login_as(Role.CHAMPION)
    page = upload(client, session.id, b"PK\x03\x04rest", "report.xlsx").get_data(as_text=True)
    assert "Open it and save or export it as CSV" in page


def test_upload_needs_a_file_and_a_whole_number_of_minutes(client, login_as, session):
    login_as(Role.CHAMPION)
    page = client.get(f"/sessions/{session.id}/import")
    response = client.post(
        f"/sessions/{session.id}/import",
        data={"csrf_token": csrf_token(page), "format": "auto", "min_minutes": "ten"},
        content_type="multipart/form-data",
    )
    text = response.get_data(as_text=True)
    assert "Choose the report file to import" in text
    assert "Enter the minimum as a whole number of minutes, like 10" in text


def test_a_file_over_5_mb_is_refused_on_the_form(client, login_as, session):
    login_as(Role.CHAMPION)
    big = b"Name,Email\n" + b"Jo Sample,jo@example.com\n" * (5 * 1024 * 1024 // 25 + 10)
    assert 5 * 1024 * 1024 < len(big) < 6 * 1024 * 1024 - 10_000
    response = upload(client, session.id, big)
    assert response.status_code == 200
    assert "The file must be 5 MB or smaller" in response.get_data(as_text=True)


def test_a_request_over_the_limit_gets_a_clear_page(client, login_as, session):
    login_as(Role.CHAMPION)
    response = upload(client, session.id, b"x" * (6 * 1024 * 1024 + 1))
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "That file is too large" in text
    assert "Reports must be 5 MB or smaller" in text


def test_a_changed_or_foreign_upload_is_refused(client, login_as, session, crm_people, db):
    login_as(Role.CHAMPION)
    preview = upload(client, session.id, fixture("zoom_classic.csv"))
    sealed = sealed_upload(preview)
    token = csrf_token(preview)
    tampered = sealed[:-3] + ("AAA" if not sealed.endswith("AAA") else "BBB")
    response = client.post(f"/sessions/{session.id}/import/confirm", data={"csrf_token": token, "upload": tampered})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sessions/{session.id}/import")
    assert "Upload the file again" in client.get(response.headers["Location"]).get_data(as_text=True)
    # The same upload confirmed for another session is refused too.
    other = SessionFactory()
    db.session.commit()
    response = client.post(f"/sessions/{other.id}/import/confirm", data={"csrf_token": token, "upload": sealed})
    assert response.status_code == 302
    assert participations(session.id) == {} and participations(other.id) == {}


def test_confirm_with_an_impossible_choice_shows_the_error(client, login_as, session, crm_people):
    login_as(Role.CHAMPION)
    preview = upload(client, session.id, fixture("zoom_classic.csv"))
    choice = re.search(r'name="(choice-\d+)"', preview.get_data(as_text=True)).group(1)
    response = client.post(
        f"/sessions/{session.id}/import/confirm",
        data={"csrf_token": csrf_token(preview), "upload": sealed_upload(preview), choice: "999999"},
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "There is a problem" in text
    assert "Choose one of the people listed for Lee Brightwater" in text
    assert participations(session.id) == {}


# --- CLI -----------------------------------------------------------------------------------


def test_cli_dry_run_prints_counts_and_writes_nothing(runner, session, crm_people):
    people = count(Person)
    result = runner.invoke(
        args=["crm", "import-attendance", str(session.id), str(FIXTURES / "zoom_classic.csv"), "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "Zoom participant report: 7 people from 10 rows" in result.output
    assert "Matched: 5" in result.output
    assert "New: 1 (not added: use --create-new to add them)" in result.output
    assert "Ambiguous: 1" in result.output
    assert "line 12: Lee Brightwater could be Lea Brightwater" in result.output
    assert "Skipped: 0" in result.output
    assert "Dry run: nothing was written." in result.output
    assert participations(session.id) == {}
    assert count(Person) == people


def test_cli_records_with_minimum_and_new_people(runner, session, crm_people):
    result = runner.invoke(
        args=[
            "crm",
            "import-attendance",
            str(session.id),
            str(FIXTURES / "zoom_classic.csv"),
            "--format",
            "zoom",
            "--create-new",
            "--min-minutes",
            "5",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Skipped: 1" in result.output
    assert "Chidi Okafor: Attended 3 minutes, under the minimum of 5" in result.output
    assert "Recorded 5 participations (4 matched, 1 new people)" in result.output
    recorded = participations(session.id)
    assert crm_people["chidi"].id not in recorded
    assert crm_people["lea"].id not in recorded  # ambiguous: left for the web preview
    assert len(recorded) == 5


def test_cli_unknown_session_and_bad_file(runner, session, tmp_path):
    missing = runner.invoke(args=["crm", "import-attendance", "987654", str(FIXTURES / "zoom_classic.csv")])
    assert missing.exit_code == 1
    assert "there is no session with id 987654" in missing.output
    bad = tmp_path / "shapes.csv"
    bad.write_bytes(b"Colour,Shape\nred,square\n")
    result = runner.invoke(args=["crm", "import-attendance", str(session.id), str(bad)])
    assert result.exit_code == 1
    assert "This file is not a report we recognise" in result.output
    nowhere = runner.invoke(args=["crm", "import-attendance", str(session.id), str(tmp_path / "nope.csv")])
    assert nowhere.exit_code == 1
    assert "cannot read" in nowhere.output
    assert participations(session.id) == {}


def test_a_report_too_big_to_carry_to_the_confirmation_is_refused(app, client, login_as, session, monkeypatch):
    login_as(Role.CHAMPION)
    # The confirm form carries the upload; the form-field limit decides what fits.
    monkeypatch.setitem(app.config, "MAX_FORM_MEMORY_SIZE", 50_500)
    response = upload(client, session.id, fixture("zoom_classic.csv"))
    assert response.status_code == 200
    assert "This file holds too much to preview in one go" in response.get_data(as_text=True)


# --- Importing again adds nobody ------------------------------------------------------------


def zoom_report(*rows) -> bytes:
    """A Zoom participant report: rows of (name, email, joined, left, minutes) on 14 March 2024."""
    lines = ["Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest"]
    for name, email, joined, left, minutes in rows:
        lines.append(f'"{name}",{email or ""},03/14/2024 {joined},03/14/2024 {left},{minutes},Yes')
    return ("\n".join(lines) + "\n").encode()


VAGUE_NAMES = zoom_report(
    ("Jo", "", "10:00:00 AM", "11:00:00 AM", 60),
    ("iPhone", "", "10:00:00 AM", "11:00:00 AM", 60),
    ("Galaxy S21", "", "10:05:00 AM", "11:00:00 AM", 55),
    ("Kim", "kim@example.org", "10:00:00 AM", "10:30:00 AM", 30),
    ("Riley", "riley.novak@example.org", "10:00:00 AM", "10:30:00 AM", 30),
    ("Morgan Fieldfare", "morgan.fieldfare@example.com", "10:00:00 AM", "11:00:00 AM", 60),
)


def test_one_word_and_device_names_are_left_out_and_never_offered_as_new(session, crm_people):
    preview = preview_import(session, VAGUE_NAMES, "participants.csv")
    assert {r.name: r.skip_reason for r in preview.skipped} == {
        "Jo": ONE_NAME,
        "iPhone": DEVICE_NAME,
        "Galaxy S21": DEVICE_NAME,
        "Kim": ONE_NAME,  # an email address nobody in the CRM has does not make a name
    }
    assert ONE_NAME == "Only one name — match by hand"
    assert names(preview.new) == ["Morgan Fieldfare"]
    # A one-word name with a known email address is that person.
    assert {r.name: r.person_id for r in preview.matched} == {"Riley": crm_people["riley"].id}


def test_cli_create_new_twice_adds_people_only_the_first_time(runner, session, crm_people, tmp_path):
    report = tmp_path / "participants.csv"
    report.write_bytes(VAGUE_NAMES)
    before = count(Person)
    args = ["crm", "import-attendance", str(session.id), str(report), "--create-new"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert "line 2: Jo: Only one name — match by hand" in first.output
    assert "line 4: Galaxy S21: Only the name of a phone or computer — match by hand" in first.output
    assert "(1 matched, 1 new people)" in first.output
    assert count(Person) == before + 1
    recorded = participations(session.id)
    second = runner.invoke(args=args)
    assert second.exit_code == 0, second.output
    assert "(2 matched, 0 new people)" in second.output
    assert "2 already up to date" in second.output
    assert count(Person) == before + 1
    assert participations(session.id) == recorded


def test_importing_any_file_twice_with_create_new_adds_nobody_the_second_time(session, crm_people, db):
    def run(data: bytes, filename: str):
        result = apply_import(session, preview_import(session, data, filename), {}, None, create_new=True)
        db.session.flush()
        return result

    files = [
        (fixture(name), name)
        for name in ("zoom_classic.csv", "zoom_new.csv", "teams_utf16le.csv", "teams_utf16be.csv", "eventbrite.csv")
    ]
    files.append((fixture("generic_cp1252.csv"), "list.csv"))
    # Names that name matching cannot compare, and an email shared by a family.
    family = "Name,Email\nИван Петров,\n李 小龍,\nAmal Haddad,family@example.net\nSami Haddad,family@example.net\n"
    files.append((family.encode(), "list.csv"))
    for data, filename in files:
        run(data, filename)
        people = count(Person)
        second = run(data, filename)
        assert (second.created, count(Person)) == (0, people), filename


def test_add_as_new_never_adds_someone_whose_email_is_in_the_crm(session, crm_people, db):
    preview = preview_import(session, fixture("zoom_classic.csv"), "participants.csv")
    morgan = row_index(preview, "Morgan Fieldfare")
    # Added by someone else after the preview was made.
    PersonFactory(first_name="Morgan", last_name="Fieldfare", email="morgan.fieldfare@example.com")
    db.session.flush()
    people = count(Person)
    with pytest.raises(RowErrors) as error:
        apply_import(session, preview, {morgan: "new"}, None)
    assert error.value.rows == {
        morgan: "Morgan Fieldfare cannot be added: Morgan Fieldfare already has the email address "
        "morgan.fieldfare@example.com. Import the file again to see them matched"
    }
    assert count(Person) == people
    assert participations(session.id) == {}


def test_web_import_twice_adds_people_only_the_first_time(client, login_as, session, crm_people, db):
    login_as(Role.COORDINATOR)
    people = count(Person)
    for expected in (people + 1, people + 1):
        preview = upload(client, session.id, VAGUE_NAMES, "participants.csv")
        response = client.post(f"/sessions/{session.id}/import/confirm", data=as_submitted(preview))
        assert response.status_code == 302
        assert count(Person) == expected
    morgan = db.session.scalar(select(Person).where(Person.email == "morgan.fieldfare@example.com"))
    assert participations(session.id)[morgan.id][:2] == (ParticipationStatus.ATTENDED, 60)


# --- Minutes: overlapping rows, the session's length ---------------------------------------


@pytest.fixture
def hour_session(db):
    return SessionFactory(title="An hour", start_time=time(10, 0), end_time=time(11, 0))


def test_two_devices_at_once_count_once_and_a_whole_session_is_recorded_as_such(hour_session, crm_people, db):
    report = zoom_report(
        ("Jo Sample", "jo.sample@example.com", "10:00:00 AM", "11:00:00 AM", 60),  # laptop
        ("Jo Sample", "jo.sample@example.com", "10:00:00 AM", "11:00:00 AM", 60),  # phone
    )
    preview = preview_import(hour_session, report, "participants.csv")
    [jo] = preview.matched
    assert (jo.minutes, jo.whole_session, jo.rows_merged) == (60, True, 2)
    apply_import(hour_session, preview, {}, None)
    assert participations(hour_session.id)[crm_people["jo"].id][:2] == (ParticipationStatus.ATTENDED, None)
    assert close_out(hour_session).hours == Decimal("1.0")


def test_time_at_once_on_two_devices_is_counted_once(hour_session, crm_people, db):
    report = zoom_report(
        ("Sam Example", "sam.example@example.org", "10:00:00 AM", "10:40:00 AM", 40),
        ("Sam Example", "sam.example@example.org", "10:30:00 AM", "10:50:00 AM", 20),  # 10 minutes at once
        ("Priya Testwell", "priya.testwell@example.com", "10:00:00 AM", "10:20:00 AM", 20),
        ("Priya Testwell", "priya.testwell@example.com", "10:30:00 AM", "10:45:00 AM", 15),  # a rejoin
    )
    apply_import(hour_session, preview_import(hour_session, report, "participants.csv"), {}, None)
    recorded = participations(hour_session.id)
    assert recorded[crm_people["sam"].id][:2] == (ParticipationStatus.ATTENDED, 50)
    assert recorded[crm_people["priya"].id][:2] == (ParticipationStatus.ATTENDED, 35)
    assert close_out(hour_session).minutes == 85


def test_minutes_without_times_are_summed_but_never_exceed_the_session(hour_session, crm_people, db):
    report = b"Name,Email,Minutes\nJo Sample,jo.sample@example.com,45\nJo Sample,jo.sample@example.com,30\n"
    preview = preview_import(hour_session, report, "list.csv")
    [jo] = preview.matched
    assert (jo.minutes, jo.whole_session, jo.rows_merged) == (60, True, 2)
    apply_import(hour_session, preview, {}, None)
    assert participations(hour_session.id)[crm_people["jo"].id][:2] == (ParticipationStatus.ATTENDED, None)
    assert close_out(hour_session).hours == Decimal("1.0")


def test_rows_recognised_as_one_person_in_different_ways_do_not_double_the_minutes(hour_session, crm_people, db):
    report = zoom_report(
        # A one-word name on the emailed row; the same person's phone gives their full name.
        ("JS", "jo.sample@example.com", "10:00:00 AM", "10:40:00 AM", 40),
        ("Jo Sample", "", "10:00:00 AM", "10:40:00 AM", 40),
        ("Sam Example", "sam.example@example.org", "10:00:00 AM", "10:30:00 AM", 30),
        # Like Sam; chosen as Sam when confirming.
        ("Sam Exampel", "", "10:00:00 AM", "10:30:00 AM", 30),
    )
    preview = preview_import(hour_session, report, "participants.csv")
    [jo] = [r for r in preview.matched if r.person_id == crm_people["jo"].id]
    assert (jo.minutes, jo.rows_merged) == (40, 2)
    [similar] = preview.ambiguous
    apply_import(hour_session, preview, {similar.index: str(crm_people["sam"].id)}, None)
    recorded = participations(hour_session.id)
    assert recorded[crm_people["jo"].id][1] == 40
    assert recorded[crm_people["sam"].id][1] == 30


# --- Group bookings -------------------------------------------------------------------------

GROUP_BOOKING = (
    b"Order #,First Name,Last Name,Email,Attendee #,Attendee Status\n"
    b"1,Jo,Sample,jo.sample@example.com,2,Checked In\n"
    b"1,Sam,Sample,jo.sample@example.com,3,Checked In\n"
)


def test_tickets_of_a_group_booking_are_one_row_each(session, crm_people, db):
    preview = preview_import(session, GROUP_BOOKING, "attendees.csv")
    assert preview.report_rows == 2
    assert [(r.name, r.category) for r in preview.rows] == [("Jo Sample", "matched"), ("Sam Sample", "new")]
    assert preview.matched[0].person_id == crm_people["jo"].id
    people = count(Person)
    result = apply_import(session, preview, {}, None, create_new=True)
    db.session.flush()
    sam = db.session.scalar(select(Person).where(Person.first_name == "Sam", Person.last_name == "Sample"))
    # Jo's address is not Sam's.
    assert sam.email is None
    assert (result.created, count(Person)) == (1, people + 1)
    recorded = participations(session.id)
    assert recorded[crm_people["jo"].id][0] == recorded[sam.id][0] == ParticipationStatus.ATTENDED
    again = preview_import(session, GROUP_BOOKING, "attendees.csv")
    assert {r.name: r.person_id for r in again.matched} == {"Jo Sample": crm_people["jo"].id, "Sam Sample": sam.id}


def test_a_group_booking_by_someone_not_in_the_crm_gives_the_address_to_nobody(client, login_as, session, db):
    login_as(Role.CHAMPION)
    preview = upload(client, session.id, GROUP_BOOKING, "attendees.csv")
    page = preview.get_data(as_text=True)
    assert "Add Jo Sample as a new person" in page
    assert "Add Sam Sample as a new person" in page
    assert "jo.sample@example.com (on other tickets too: not saved with them)" in page
    response = client.post(f"/sessions/{session.id}/import/confirm", data=as_submitted(preview))
    assert response.status_code == 302
    added = db.session.execute(select(Person.first_name, Person.email).where(Person.last_name == "Sample")).all()
    assert sorted(added) == [("Jo", None), ("Sam", None)]


# --- Cancelled sessions ---------------------------------------------------------------------


def cancel(session) -> None:
    session.cancelled_at = utcnow()
    _db.session.flush()


def test_a_cancelled_session_refuses_the_preview_and_the_apply(session, crm_people, db):
    preview = preview_import(session, fixture("zoom_classic.csv"), "participants.csv")
    cancel(session)
    with pytest.raises(InvalidInput) as error:
        preview_import(session, fixture("zoom_classic.csv"), "participants.csv")
    assert error.value.message == "This session was cancelled, so attendance cannot be recorded for it."
    with pytest.raises(InvalidInput, match=CANCELLED):
        apply_import(session, preview, {}, None, create_new=True)
    assert participations(session.id) == {}


def test_a_cancelled_session_refuses_the_web_upload_and_confirm(client, login_as, session, crm_people, db):
    login_as(Role.CHAMPION)
    preview = upload(client, session.id, fixture("zoom_classic.csv"))
    cancel(session)
    db.session.commit()
    page = client.get(f"/sessions/{session.id}/import")
    assert CANCELLED in page.get_data(as_text=True)
    assert 'type="file"' not in page.get_data(as_text=True)
    response = upload(client, session.id, fixture("zoom_classic.csv"))
    assert response.status_code == 409
    assert CANCELLED in response.get_data(as_text=True)
    response = client.post(f"/sessions/{session.id}/import/confirm", data=as_submitted(preview))
    assert response.status_code == 409
    assert CANCELLED in response.get_data(as_text=True)
    assert participations(session.id) == {}


def test_cli_refuses_a_cancelled_session(runner, session, crm_people):
    cancel(session)
    result = runner.invoke(
        args=["crm", "import-attendance", str(session.id), str(FIXTURES / "zoom_classic.csv"), "--create-new"]
    )
    assert result.exit_code == 1
    assert f"Error: {CANCELLED}" in result.output
    assert participations(session.id) == {}


# --- Confirming: once, by the person who previewed, what they saw ---------------------------


def as_submitted(preview, **changes) -> dict:
    """The confirm form as a browser submits it, with the choices the page shows; `changes` set
    fields (None leaves one out)."""
    page = preview.get_data(as_text=True)
    data: dict = {"csrf_token": csrf_token(preview), "upload": sealed_upload(preview)}
    data["offered"] = re.findall(r'name="offered" value="(\d+)"', page)
    for name in re.findall(r'name="(new-\d+)"[^>]*checked', page):
        data[name] = "yes"
    for name, value in re.findall(r'name="(choice-\d+)" type="radio" value="([^"]+)" checked', page):
        data[name] = value
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def test_the_same_confirmation_cannot_be_applied_twice(client, login_as, session, crm_people, db):
    login_as(Role.CHAMPION)
    preview = upload(client, session.id, fixture("teams_utf16le.csv"))
    submitted = as_submitted(preview)
    first = client.post(f"/sessions/{session.id}/import/confirm", data=submitted)
    assert first.status_code == 302
    jo = crm_people["jo"].id
    assert participations(session.id)[jo][:2] == (ParticipationStatus.ATTENDED, 74)
    # Corrected by hand on the register afterwards.
    upsert_participations(session.id, [Mark(jo, ParticipationStatus.ATTENDED, minutes=90)], "register")
    db.session.commit()
    audits = count(AuditEvent)
    again = client.post(f"/sessions/{session.id}/import/confirm", data=submitted)
    assert again.status_code == 302
    assert again.headers["Location"].endswith(f"/sessions/{session.id}#attendance")
    assert "This import has already been applied" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert participations(session.id)[jo][:2] == (ParticipationStatus.ATTENDED, 90)
    assert count(AuditEvent) == audits


def test_someone_else_cannot_confirm_your_preview(client, login_as, session, crm_people, db):
    login_as(Role.CHAMPION)
    preview = upload(client, session.id, fixture("teams_utf16le.csv"))
    sealed = sealed_upload(preview)
    login_as(Role.COORDINATOR)
    token = csrf_token(client.get(f"/sessions/{session.id}/import"))
    response = client.post(f"/sessions/{session.id}/import/confirm", data={"csrf_token": token, "upload": sealed})
    assert response.status_code == 400
    assert "This preview was made by someone else. Upload the file yourself to import it." in response.get_data(
        as_text=True
    )
    assert participations(session.id) == {}


def test_a_preview_that_changed_before_the_confirmation_is_shown_again(client, login_as, session, crm_people, db):
    login_as(Role.CHAMPION)
    preview = upload(client, session.id, fixture("zoom_classic.csv"))
    assert "Add Morgan Fieldfare as a new person" in preview.get_data(as_text=True)
    # Someone adds Morgan while the preview is open.
    morgan = PersonFactory(first_name="Morgan", last_name="Fieldfare", email="morgan.fieldfare@example.com")
    db.session.commit()
    people = count(Person)
    response = client.post(f"/sessions/{session.id}/import/confirm", data=as_submitted(preview))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The people in the CRM changed since the preview — check it again" in page
    assert "Already in the CRM (6)" in page
    assert "Not in the CRM (" not in page
    assert participations(session.id) == {}
    assert count(Person) == people
    # The preview shown again can be confirmed.
    response = client.post(f"/sessions/{session.id}/import/confirm", data=as_submitted(response))
    assert response.status_code == 302
    assert participations(session.id)[morgan.id][:2] == (ParticipationStatus.ATTENDED, 69)
    assert count(Person) == people


def test_a_confirmation_with_a_problem_keeps_the_choices_made(client, login_as, session, crm_people, db):
    login_as(Role.CHAMPION)
    report = fixture("zoom_classic.csv") + b"Jon Sample,,03/14/2024 10:00:00 AM,03/14/2024 10:30:00 AM,30,Yes\n"
    preview = upload(client, session.id, report)
    page = preview.get_data(as_text=True)
    assert "Check who they are (2)" in page
    lee_choice, jon_choice = dict.fromkeys(re.findall(r'name="(choice-\d+)"', page))
    new_box = re.search(r'name="(new-\d+)"', page).group(1)
    lea = str(crm_people["lea"].id)
    submitted = as_submitted(preview, **{new_box: None, lee_choice: lea, jon_choice: "999999"})
    response = client.post(f"/sessions/{session.id}/import/confirm", data=submitted)
    assert response.status_code == 200
    again = response.get_data(as_text=True)
    assert "Choose one of the people listed for Jon Sample" in again
    # Morgan stays unticked; Lee stays chosen as Lea.
    assert re.search(rf'name="{new_box}"[^>]*checked', again) is None
    assert re.search(rf'name="{lee_choice}" type="radio" value="{lea}" checked', again)
    assert re.search(rf'name="{lee_choice}" type="radio" value="skip" checked', again) is None
    assert participations(session.id) == {}


def test_row_problems_come_back_by_row(session, crm_people, db):
    report = fixture("zoom_classic.csv") + b"Jon Sample,,03/14/2024 10:00:00 AM,03/14/2024 10:30:00 AM,30,Yes\n"
    preview = preview_import(session, report, "participants.csv")
    lee, jon = row_index(preview, "Lee Brightwater"), row_index(preview, "Jon Sample")
    with pytest.raises(RowErrors) as error:
        apply_import(session, preview, {lee: "999999", jon: "someone"}, None)
    assert error.value.rows == {
        lee: "Choose one of the people listed for Lee Brightwater, a new person, or leave them out",
        jon: "Choose one of the people listed for Jon Sample, a new person, or leave them out",
    }
    assert participations(session.id) == {}


def test_a_renamed_zoom_participant_is_recognised_by_the_name_they_joined_with(session, db):
    joanne = PersonFactory(first_name="Joanne", last_name="Sample", email=None)
    report = zoom_report(("Jo (Joanne Sample)", "", "10:00:00 AM", "11:00:00 AM", 60))
    preview = preview_import(session, report, "participants.csv")
    assert [(r.name, r.person_id, r.match_reason) for r in preview.matched] == [
        ("Joanne Sample", joanne.id, "same name")
    ]
