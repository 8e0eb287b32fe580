"""The people import in the browser's shoes: upload → columns → check → import, the rows not
imported as a download, all-or-nothing, one-off confirmations, permissions and CSRF."""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

from sqlalchemy import func, select

from crm.models import AuditEvent, Person
from crm.models.enums import AuditAction, Role
from tests.conftest import csrf_token
from tests.factories import PersonFactory, UserFactory

FIXTURES = Path(__file__).parent / "fixtures" / "people_import"
MESSY = (FIXTURES / "excel_cp1252.csv").read_bytes()


def hidden(response, name: str) -> str:
    page = response.get_data(as_text=True)
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    assert tag, f"no {name} field on the page"
    return html.unescape(re.search(r'value="([^"]*)"', tag.group(0)).group(1))


def selected_mapping(response) -> dict[str, str]:
    page = response.get_data(as_text=True)
    mapping = {}
    for name, options in re.findall(r'<select[^>]*name="(column-\d+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        mapping[name] = chosen.group(1) if chosen else ""
    return mapping


def upload(client, data: bytes = MESSY, filename: str = "contacts.csv"):
    page = client.get("/people/import")
    form = {"csrf_token": csrf_token(page), "file": (io.BytesIO(data), filename)}
    return client.post("/people/import", data=form, content_type="multipart/form-data")


def check_rows(client, mapping_page, **changes):
    data = {"csrf_token": csrf_token(mapping_page), "upload": hidden(mapping_page, "upload")}
    data.update(selected_mapping(mapping_page))
    data.update(changes)
    return client.post("/people/import/preview", data=data)


def confirm(client, preview_page, skip: bool = False):
    data = {"csrf_token": csrf_token(preview_page), "upload": hidden(preview_page, "upload")}
    if skip:
        data["skip_invalid"] = "y"
    return client.post("/people/import/confirm", data=data)


def people_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Person))


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def test_a_coordinator_imports_a_messy_file_skipping_the_rows_with_problems(client, login_as, db):
    login_as(Role.COORDINATOR)
    people = client.get("/people/")
    assert 'href="/people/import"' in people.get_data(as_text=True)

    mapping_page = upload(client)
    assert mapping_page.status_code == 200
    page = text(mapping_page)
    assert "9 rows of people under the header in row 3" in page
    assert selected_mapping(mapping_page)["column-8"] == ""  # "Shoe size": not imported
    assert selected_mapping(mapping_page)["column-2"] == "email"

    preview = check_rows(client, mapping_page)
    page = text(preview)
    assert "New people 3 People to update 0 Already up to date 0 Rows with problems 6" in page
    assert "Not imported (no field chosen): Shoe size." in page
    assert "10 Jo Sample E-mail address : 'jo.sample@example' is not valid." in page
    assert "14 Pat Ng Mobile : Has the same phone number as row 4" in page
    assert people_count(db) == 0

    # All or nothing: importing with problems left writes nothing and says why.
    refused = confirm(client, preview)
    assert refused.status_code == 400
    assert "6 rows have problems, so nothing was imported." in text(refused)
    assert people_count(db) == 0

    done = confirm(client, refused, skip=True)
    assert done.status_code == 200
    page = text(done)
    assert "Added: 3 new people" in page and "Not imported because of problems: 6 rows" in page
    assert people_count(db) == 3
    summary = db.session.scalar(select(AuditEvent).where(AuditEvent.action == AuditAction.IMPORT))
    assert summary.detail.startswith("people import: 3 new, 0 updated, 0 unchanged, 6 rows skipped")

    download = client.post(
        "/people/import/rejected",
        data={"csrf_token": csrf_token(done), "rejected": hidden(done, "rejected")},
    )
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="people-not-imported.csv"'
    rows = list(csv.reader(io.StringIO(download.get_data().decode("utf-8-sig"))))
    assert [row[0] for row in rows] == ["Row", "9", "10", "11", "12", "13", "14"]
    assert rows[2][1].startswith("E-mail address: 'jo.sample@example' is not valid")
    assert rows[2][9] == "'=SUM(A1:A9)"  # formula-safe
    assert "jo.sample" not in download.request.url


def test_a_confirmation_cannot_be_applied_twice_and_reimporting_adds_nobody(client, login_as, db):
    login_as(Role.COORDINATOR)
    preview = check_rows(client, upload(client))
    confirm(client, preview, skip=True)
    again = confirm(client, preview, skip=True)
    assert again.status_code == 302
    assert "already been applied" in text(client.get(again.headers["Location"]))
    assert people_count(db) == 3

    second = check_rows(client, upload(client))
    assert "New people 0 People to update 0 Already up to date 3 Rows with problems 6" in text(second)
    done = confirm(client, second, skip=True)
    assert people_count(db) == 3
    # Nothing new: the page says so rather than "People imported".
    page = text(done if done.status_code == 200 else client.get(done.headers["Location"]))
    assert "Nothing to import" in page and "People imported" not in page


def test_people_found_by_name_alone_are_listed_apart_for_checking_before_they_are_updated(client, login_as, db):
    login_as(Role.COORDINATOR)
    known = PersonFactory(first_name="Aisha", last_name="Khan", email=None, phone=None, postcode=None)
    by_email = PersonFactory(first_name="Tom", last_name="Price", email="tom@example.org", postcode=None)
    db.session.commit()
    data = b"First name,Last name,Email,Postcode\nAisha,Khan,,SS1 1AA\nTom,Price,tom@example.org,SS2 2BB\n"

    preview = check_rows(client, upload(client, data))
    page = preview.get_data(as_text=True)
    assert "People to update 1 People to update, found by name only: check them 1" in text(preview)
    by_name = page[page.index('id="by-name"') : page.index('id="updates"')]
    assert f"/people/{known.id}" in by_name and "Aisha Khan" in by_name
    assert f"/people/{by_email.id}" not in by_name
    assert "Check each is the same person" in by_name

    confirm(client, preview)
    db.session.expire_all()
    assert (db.session.get(Person, known.id).postcode, db.session.get(Person, by_email.id).postcode) == (
        "SS1 1AA",
        "SS2 2BB",
    )


def test_a_crm_that_changed_since_the_preview_shows_the_new_preview_and_writes_nothing(client, login_as, db):
    login_as(Role.COORDINATOR)
    preview = check_rows(client, upload(client))
    PersonFactory(first_name="Chidi", last_name="Okafor", email="chidi.okafor@example.org")
    db.session.commit()

    changed = confirm(client, preview, skip=True)
    assert changed.status_code == 409
    page = text(changed)
    assert "The people in the CRM changed since you checked the rows" in page
    assert "New people 2 People to update 1" in page
    assert people_count(db) == 1

    done = confirm(client, changed, skip=True)
    assert "Added: 2 new people" in text(done) and "Updated: 1 person" in text(done)


def test_the_columns_can_be_corrected_and_a_bad_mapping_is_explained(client, login_as, db):
    login_as(Role.COORDINATOR)
    mapping_page = upload(client)
    twice = check_rows(client, mapping_page, **{"column-3": "email"})
    assert twice.status_code == 400
    assert "Each field can come from one column only: Email address is chosen more than once" in text(twice)

    no_name = check_rows(client, mapping_page, **{"column-0": ""})
    assert "Choose the column with people’s first names (or their full names)" in text(no_name).replace("'", "’")

    # Leaving out the ward column: the unknown ward is no longer a problem.
    assert "no ward called 'Atlantis'" in text(check_rows(client, mapping_page))
    preview = check_rows(client, mapping_page, **{"column-5": ""})
    assert "no ward called" not in text(preview)
    assert "Not imported (no field chosen): Ward, Shoe size." in text(preview)

    back = client.post(
        "/people/import/columns",
        data={"csrf_token": csrf_token(preview), "change-upload": hidden(preview, "change-upload")},
    )
    assert back.status_code == 200 and selected_mapping(back)["column-5"] == ""


def test_a_workbook_with_several_sheets_asks_which_one(client, login_as, db):
    login_as(Role.COORDINATOR)
    sheets = upload(client, (FIXTURES / "people.xlsx").read_bytes(), "people.xlsx")
    page = sheets.get_data(as_text=True)
    assert "Choose the sheet" in page
    assert re.search(r'value="People"\s+checked', page) or re.search(r'checked[^>]*value="People"', page)

    mapping_page = client.post(
        "/people/import/sheet",
        data={"csrf_token": csrf_token(sheets), "upload": hidden(sheets, "upload"), "sheet": "People"},
    )
    assert "people.xlsx, sheet People: 3 rows" in text(mapping_page)
    done = confirm(client, check_rows(client, mapping_page))
    assert "Added: 3 new people" in text(done)


def test_unreadable_files_and_tampered_or_foreign_uploads_are_refused(client, login_as, db, app):
    login_as(Role.COORDINATOR)
    bad = upload(client, b"%PDF-1.4 \x00\x01\x02\x03" * 50, "minutes.pdf")
    assert bad.status_code == 200
    assert "This is a PDF document, not a CSV file." in text(bad)

    preview = check_rows(client, upload(client))
    sealed = hidden(preview, "upload")
    tampered = client.post(
        "/people/import/confirm", data={"csrf_token": csrf_token(preview), "upload": sealed[:-3] + "abc"}
    )
    assert tampered.status_code == 302
    assert "Upload the file again" in text(client.get(tampered.headers["Location"]))

    # A manager given this coordinator's sealed upload cannot apply it.
    other = app.test_client()
    someone = UserFactory(role=Role.MANAGER)
    db.session.commit()
    with other.session_transaction() as session:
        session["_user_id"] = someone.session_token
        session["_fresh"] = True
    page = other.get("/people/import")
    foreign = other.post("/people/import/confirm", data={"csrf_token": csrf_token(page), "upload": sealed})
    assert foreign.status_code == 302
    assert people_count(db) == 0


def test_champions_cannot_import_and_do_not_see_the_button(client, login_as, db):
    login_as(Role.CHAMPION)
    assert client.get("/people/import").status_code == 403
    assert "/people/import" not in client.get("/people/").get_data(as_text=True)
    assert client.post("/people/import/confirm", data={}).status_code in (400, 403)


def test_every_step_needs_the_csrf_token(client, login_as, db):
    login_as(Role.COORDINATOR)
    response = client.post(
        "/people/import", data={"file": (io.BytesIO(MESSY), "contacts.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    preview = check_rows(client, upload(client))
    response = client.post("/people/import/confirm", data={"upload": hidden(preview, "upload"), "skip_invalid": "y"})
    assert response.status_code == 400
    assert people_count(db) == 0


def test_files_over_the_size_limit_are_refused_with_a_clear_message(client, login_as, db):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    login_as(Role.COORDINATOR)
    token = csrf_token(client.get("/people/import"))
    for size, status, message in [
        (5 * 1024 * 1024 + 10, 200, "The file must be 5 MB or smaller"),
        (7 * 1024 * 1024, 413, "Spreadsheets must be 5 MB or smaller. Split the file and import each part."),
    ]:
        data = b"First name\n" + b"A\n" * ((size - 11) // 2)
        form = {"csrf_token": token, "file": FileStorage(io.BytesIO(data), filename="big.csv", content_type="text/csv")}
        boundary, body = encode_multipart(form)
        response = client.post("/people/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")
        assert response.status_code == status
        assert message in text(response)
        assert 'type="file"' in response.get_data(as_text=True), "the page should offer the upload again"
    assert people_count(db) == 0


def test_a_sealed_upload_larger_than_a_form_field_may_usually_be_still_goes_through(
    client, login_as, db, app, monkeypatch
):
    monkeypatch.setitem(app.config, "MAX_FORM_MEMORY_SIZE", 20_000)
    login_as(Role.COORDINATOR)
    lines = ["First name,Last name,Email,Notes"]
    lines += [f"Person{i},Surname{i},person{i}@example.com,Note {i * 7919 % 10007}" for i in range(2000)]
    preview = check_rows(client, upload(client, ("\n".join(lines)).encode(), "many.csv"))
    assert len(hidden(preview, "upload")) > 20_000
    done = confirm(client, preview)
    assert "Added: 2,000 new people" in text(done)
    assert people_count(db) == 2000
