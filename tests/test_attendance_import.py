"""Importing attendance from a report: the preview's categories against people in the CRM,
applying it (summed minutes, no duplicates, never weakening a status, idempotent), the web
upload → preview → confirm journey and the `flask crm import-attendance` command."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from crm.extensions import db as _db
from crm.models import AuditEvent, Participation, Person
from crm.models.enums import ParticipationRole, ParticipationSource, ParticipationStatus, Role
from crm.services.attendance_import import apply_import, preview_import
from crm.services.errors import InvalidInput
from crm.services.participation import Mark, upsert_participations
from tests.conftest import csrf_token
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
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        engine = _db.session.get_bind()
        event.listen(engine, "before_cursor_execute", listener)
        try:
            preview = preview_import(session, data, "list.csv")
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert preview.counts["matched"] == (len(data.splitlines()) - 1) // 2
        return len(statements)

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


def test_a_booking_never_undoes_an_attendance(session, crm_people, db):
    jo, sam, chidi = crm_people["jo"], crm_people["sam"], crm_people["chidi"]
    upsert_participations(
        session.id,
        [
            Mark(jo.id, ParticipationStatus.ATTENDED, minutes=None),
            Mark(sam.id, ParticipationStatus.INVITED),
            Mark(chidi.id, ParticipationStatus.REGISTERED),
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
    # Registered is stronger than "Not Attending" (declined): kept.
    assert recorded[chidi.id][0] == ParticipationStatus.REGISTERED
    assert recorded[crm_people["priya"].id][0] == ParticipationStatus.ATTENDED
    assert recorded[crm_people["riley"].id][0] == ParticipationStatus.REGISTERED
    assert result.kept_stronger == 1


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
    with pytest.raises(InvalidInput) as error:
        apply_import(session, preview, {index: str(crm_people["jo"].id)}, None)
    assert "Choose one of the people listed for Lee Brightwater" in error.value.fields[f"row-{index}"]


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
