"""Administration: staff accounts, the wards/themes/tags lists and the audit log, through HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from crm.models import AuditEvent, Person, Tag, Theme, User, Ward
from crm.models.enums import AuditAction, Role, TagCategory
from crm.passwords import verify_password
from tests.conftest import csrf_token
from tests.factories import PASSWORD, UserFactory

NEW_PASSWORD = "kettle orchard lantern"


def sign_in(client, email: str, password: str):
    page = client.get("/sign-in")
    return client.post("/sign-in", data={"csrf_token": csrf_token(page), "email": email, "password": password})


def signed_in_client(app, db, user: User):
    """A second browser, already signed in as `user`."""
    other = app.test_client()
    db.session.commit()
    with other.session_transaction() as session:
        session["_user_id"] = user.session_token
        session["_fresh"] = True
    return other


def text(response) -> str:
    return response.get_data(as_text=True)


def fresh(db, model, object_id):
    db.session.expire_all()
    return db.session.get(model, object_id)


# Accounts


def test_admin_adds_a_coordinator_who_can_then_sign_in(app, client, login_as, post_form, db):
    login_as(Role.ADMIN)
    response = post_form(
        "/admin/accounts/new",
        {
            "name": "Priya Shah",
            "email": "Priya.Shah@Example.org",
            "role": "coordinator",
            "password": NEW_PASSWORD,
        },
        follow_redirects=True,
    )

    assert response.status_code == 200
    page = text(response)
    assert '<p class="govuk-notification-banner__heading">Account added for Priya Shah' in page
    assert "priya.shah@example.org" in page
    assert "Coordinator" in page
    user = db.session.scalar(select(User).where(User.email == "priya.shah@example.org"))
    assert user.role == Role.COORDINATOR
    assert verify_password(user.password_hash, NEW_PASSWORD)
    created = db.session.scalar(
        select(AuditEvent).where(AuditEvent.entity_type == "users", AuditEvent.entity_id == user.id)
    )
    assert created.action == AuditAction.CREATE

    browser = app.test_client()
    signed_in = sign_in(browser, "priya.shah@example.org", NEW_PASSWORD)
    assert signed_in.status_code == 302
    assert "/sign-in" not in signed_in.headers["Location"]
    assert browser.get("/people/").status_code == 200
    assert browser.get("/admin/").status_code == 403


def test_the_new_account_form_explains_each_role(client, login_as):
    login_as(Role.ADMIN)
    page = text(client.get("/admin/accounts/new"))
    assert "Co-production champion" in page
    assert "Add and update people, and record who came to sessions" in page
    assert "participation reports and exports" in page
    assert "Use 8 or more characters" in page


def test_a_common_password_is_refused_and_no_account_is_made(client, login_as, post_form, db):
    login_as(Role.ADMIN)
    response = post_form(
        "/admin/accounts/new",
        {
            "name": "Sam Weak",
            "email": "sam@example.org",
            "role": "champion",
            "password": "password123",
        },
    )

    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert "This password is too common and easy to guess" in page
    assert db.session.scalar(select(User).where(User.email == "sam@example.org")) is None


def test_an_email_already_in_use_is_refused(client, login_as, post_form, db):
    login_as(Role.ADMIN)
    UserFactory(email="taken@example.org")
    response = post_form(
        "/admin/accounts/new",
        {
            "name": "Second",
            "email": "TAKEN@example.org",
            "role": "champion",
            "password": NEW_PASSWORD,
        },
    )
    assert "An account with this email address already exists" in text(response)
    count = db.session.scalar(select(func.count()).where(User.email == "taken@example.org"))
    assert count == 1


def test_a_role_must_be_chosen(client, login_as, post_form, db):
    login_as(Role.ADMIN)
    response = post_form(
        "/admin/accounts/new",
        {
            "name": "No Role",
            "email": "norole@example.org",
            "password": NEW_PASSWORD,
        },
    )
    assert "Choose a role" in text(response)
    assert db.session.scalar(select(User).where(User.email == "norole@example.org")) is None


@pytest.mark.parametrize("role", [Role.MANAGER, Role.COORDINATOR, Role.CHAMPION])
def test_only_administrators_reach_the_administration_pages(client, login_as, role):
    login_as(role)
    someone = UserFactory()
    for url in (
        "/admin/",
        "/admin/accounts",
        "/admin/accounts/new",
        f"/admin/accounts/{someone.id}/edit",
        f"/admin/accounts/{someone.id}/password",
        "/admin/wards",
        "/admin/themes",
        "/admin/tags",
        "/admin/audit",
    ):
        assert client.get(url).status_code == 403, url


def test_the_accounts_list_shows_role_status_and_last_sign_in(client, login_as, db):
    admin = login_as(Role.ADMIN, name="Ada Admin")
    UserFactory(name="Dee Disabled", role=Role.CHAMPION, enabled=False)
    UserFactory(name="Mo Manager", role=Role.MANAGER, last_sign_in_at=datetime(2025, 1, 14, 9, 30, tzinfo=UTC))
    db.session.commit()

    page = text(client.get("/admin/accounts"))
    assert f"/admin/accounts/{admin.id}/edit" in page
    assert "Ada Admin</a> (you)" in page
    assert "Co-production champion" in page
    assert "Disabled</strong>" in page
    assert "14 January 2025 at 9:30am" in page
    assert "Never" in page
    assert "Showing 1 to 3 of 3 results" in page


def test_admin_changes_a_name_and_role(client, login_as, post_form, db):
    login_as(Role.ADMIN)
    user = UserFactory(name="Chris Champion", role=Role.CHAMPION)
    url = f"/admin/accounts/{user.id}/edit"

    response = post_form(
        url, {"name": "Chris Coordinator", "email": user.email, "role": "coordinator"}, follow_redirects=True
    )

    assert "Changes to Chris Coordinator’s account saved" in text(response)
    user = fresh(db, User, user.id)
    assert (user.name, user.role) == ("Chris Coordinator", Role.COORDINATOR)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == AuditAction.UPDATE))
    assert event.changed_fields == ["name", "role"]


def test_admin_corrects_an_email_address_and_a_taken_one_is_refused(client, login_as, post_form, db):
    login_as(Role.ADMIN)
    user = UserFactory(name="Chris Champion", email="chris@exmaple.org")
    UserFactory(email="taken@example.org")
    url = f"/admin/accounts/{user.id}/edit"
    taken = post_form(url, {"name": user.name, "email": "Taken@Example.org", "role": "champion"})
    assert "An account with this email address already exists" in text(taken)
    assert fresh(db, User, user.id).email == "chris@exmaple.org"
    post_form(url, {"name": user.name, "email": "Chris@Example.org", "role": "champion"})
    assert fresh(db, User, user.id).email == "chris@example.org"


def test_admin_cannot_remove_their_own_administrator_role(client, login_as, post_form, db):
    admin = login_as(Role.ADMIN)
    response = post_form(
        f"/admin/accounts/{admin.id}/edit", {"name": admin.name, "email": admin.email, "role": "manager"}
    )
    assert response.status_code == 200
    assert "You cannot remove your own administrator role" in text(response)
    assert fresh(db, User, admin.id).role == Role.ADMIN


def test_disabling_an_account_signs_that_person_out(app, client, login_as, post_form, db):
    login_as(Role.ADMIN)
    coordinator = UserFactory(name="Cal Coordinator", role=Role.COORDINATOR)
    their_browser = signed_in_client(app, db, coordinator)
    assert their_browser.get("/people/").status_code == 200

    response = post_form(
        f"/admin/accounts/{coordinator.id}/disable",
        form_url=f"/admin/accounts/{coordinator.id}/edit",
        follow_redirects=True,
    )

    assert "Cal Coordinator’s account is disabled and they have been signed out" in text(response)
    assert fresh(db, User, coordinator.id).enabled is False
    next_request = their_browser.get("/people/")
    assert next_request.status_code == 302
    assert next_request.headers["Location"].startswith("/sign-in")
    assert sign_in(app.test_client(), coordinator.email, PASSWORD).status_code == 200

    response = post_form(
        f"/admin/accounts/{coordinator.id}/enable",
        form_url=f"/admin/accounts/{coordinator.id}/edit",
        follow_redirects=True,
    )
    assert "Cal Coordinator can sign in again" in text(response)
    assert fresh(db, User, coordinator.id).enabled is True
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == [AuditAction.DISABLE, AuditAction.ENABLE]


def test_admin_cannot_disable_their_own_account(client, login_as, post_form, db):
    admin = login_as(Role.ADMIN)
    edit_page = text(client.get(f"/admin/accounts/{admin.id}/edit"))
    assert "Disable account" not in edit_page

    response = post_form(
        f"/admin/accounts/{admin.id}/disable", form_url=f"/admin/accounts/{admin.id}/edit", follow_redirects=True
    )

    assert response.status_code == 200
    assert "You cannot disable your own account" in text(response)
    assert fresh(db, User, admin.id).enabled is True
    assert client.get("/admin/").status_code == 200


def test_disabling_needs_a_csrf_token(client, login_as, db):
    login_as(Role.ADMIN)
    user = UserFactory()
    db.session.commit()
    assert client.post(f"/admin/accounts/{user.id}/disable").status_code == 400
    assert fresh(db, User, user.id).enabled is True


def test_admin_resets_a_password(app, client, login_as, post_form, db):
    login_as(Role.ADMIN)
    user = UserFactory(name="Fay Forgetful", role=Role.CHAMPION)
    their_browser = signed_in_client(app, db, user)
    url = f"/admin/accounts/{user.id}/password"

    weak = post_form(url, {"new_password": "qwertyuiop"})
    assert "This password is too common and easy to guess" in text(weak)
    assert verify_password(fresh(db, User, user.id).password_hash, PASSWORD)

    response = post_form(url, {"new_password": NEW_PASSWORD}, follow_redirects=True)

    assert "New password set for Fay Forgetful" in text(response)
    assert their_browser.get("/people/").status_code == 302
    assert sign_in(app.test_client(), user.email, PASSWORD).status_code == 200
    assert sign_in(app.test_client(), user.email, NEW_PASSWORD).status_code == 302
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.entity_type == "users", AuditEvent.action == AuditAction.UPDATE)
    )
    assert event.changed_fields == ["password"]


def test_admin_resetting_their_own_password_stays_signed_in(client, login_as, post_form, db):
    admin = login_as(Role.ADMIN)
    response = post_form(f"/admin/accounts/{admin.id}/password", {"new_password": NEW_PASSWORD}, follow_redirects=True)
    assert "New password set" in text(response)
    assert client.get("/admin/").status_code == 200


# Wards, themes and tags


def ward_count(db) -> int:
    return db.session.scalar(select(func.count(Ward.id)))


def test_admin_adds_a_ward_and_a_duplicate_is_refused(client, login_as, post_form, db):
    login_as(Role.ADMIN)
    before = ward_count(db)
    added = post_form("/admin/wards", {"name": "Two Tree Island", "is_priority": "y"}, follow_redirects=True)
    page = text(added)
    assert "Two Tree Island added to the wards" in page
    assert 'Two Tree Island <strong class="govuk-tag govuk-tag--purple">Priority ward' in page

    duplicate = post_form("/admin/wards", {"name": "  two tree  ISLAND "})

    assert duplicate.status_code == 200
    assert "That ward is already on the list" in text(duplicate)
    assert ward_count(db) == before + 1


def test_a_seeded_ward_cannot_be_added_twice(client, login_as, post_form, db):
    login_as(Role.ADMIN)
    before = ward_count(db)
    response = post_form("/admin/wards", {"name": "milton"})
    assert "That ward is already on the list" in text(response)
    assert ward_count(db) == before


def test_a_ward_needs_a_name(client, login_as, post_form, db):
    login_as(Role.ADMIN)
    before = ward_count(db)
    response = post_form("/admin/wards", {"name": ""})
    assert "Enter the ward’s name" in text(response)
    assert ward_count(db) == before


def test_admin_renames_a_ward_and_marks_it_a_priority(client, login_as, post_form, db):
    login_as(Role.ADMIN)
    ward = Ward(name="Garrison")
    db.session.add(ward)
    db.session.commit()

    clash = post_form(f"/admin/wards/{ward.id}/edit", {"name": "VICTORIA"})
    assert "That ward is already on the list" in text(clash)

    renamed = post_form(f"/admin/wards/{ward.id}/edit", {"name": "Shoebury Garrison"}, follow_redirects=True)
    assert "Shoebury Garrison saved" in text(renamed)

    marked = post_form(f"/admin/wards/{ward.id}/priority", form_url="/admin/wards", follow_redirects=True)
    assert "Shoebury Garrison is now a priority ward" in text(marked)
    assert fresh(db, Ward, ward.id).is_priority is True

    unmarked = post_form(f"/admin/wards/{ward.id}/priority", form_url="/admin/wards", follow_redirects=True)
    assert "Shoebury Garrison is no longer a priority ward" in text(unmarked)
    ward = fresh(db, Ward, ward.id)
    assert (ward.name, ward.is_priority) == ("Shoebury Garrison", False)
    fields = db.session.scalars(
        select(AuditEvent.changed_fields).where(AuditEvent.entity_type == "wards").order_by(AuditEvent.id)
    ).all()
    assert fields == [["name"], ["is_priority"], ["is_priority"]]


def test_admin_adds_and_renames_themes(client, login_as, post_form, db):
    login_as(Role.ADMIN)
    added = post_form("/admin/themes", {"name": "Physical activity"}, follow_redirects=True)
    assert "Physical activity added to the themes" in text(added)
    duplicate = post_form("/admin/themes", {"name": "PHYSICAL  activity"})
    assert "That theme is already on the list" in text(duplicate)

    theme = db.session.scalar(select(Theme).where(Theme.name == "Physical activity"))
    response = post_form(
        f"/admin/themes/{theme.id}/edit", {"name": "Play and physical activity"}, follow_redirects=True
    )

    assert "Theme renamed to Play and physical activity" in text(response)
    assert fresh(db, Theme, theme.id).name == "Play and physical activity"
    clash = post_form(f"/admin/themes/{theme.id}/edit", {"name": "diet and nutrition"})
    assert "That theme is already on the list" in text(clash)


def test_tags_are_listed_by_category_and_duplicates_refused(client, login_as, post_form, db):
    login_as(Role.ADMIN)
    added = post_form("/admin/tags", {"category": "language", "name": "Polish"}, follow_redirects=True)
    assert "Polish added to languages" in text(added)
    post_form("/admin/tags", {"category": "interest", "name": "Polish"})  # another category

    duplicate = post_form("/admin/tags", {"category": "language", "name": "polish"})
    assert "That tag is already on the list" in text(duplicate)

    no_category = post_form("/admin/tags", {"name": "Gardening"})
    assert "Choose a category" in text(no_category)

    tags = db.session.execute(select(Tag.category, Tag.name).order_by(Tag.category)).all()
    assert sorted(tags) == [(TagCategory.INTEREST, "Polish"), (TagCategory.LANGUAGE, "Polish")]
    page = text(client.get("/admin/tags"))
    assert page.index("Interests") < page.index("Lived experience") < page.index("Languages")


# Audit log


def test_the_audit_log_names_fields_but_never_shows_personal_values(client, login_as, post_form, db):
    login_as(Role.ADMIN, name="Ada Admin")
    created = post_form(
        "/people/new",
        {
            "first_name": "Zainab",
            "last_name": "Quartermaine",
            "email": "zainab.q@example.com",
            "phone": "07911 123456",
            "person_types": ["volunteer"],
            "status": "active",
        },
        follow_redirects=True,
    )
    assert "Zainab Quartermaine has been added" in text(created)
    person = db.session.scalar(select(Person))

    response = client.get("/admin/audit")

    page = text(response)
    assert response.status_code == 200
    assert "Showing 1 to 1 of 1 result" in page
    assert f'href="/people/{person.id}"' in page
    assert "Ada Admin" in page
    assert "Created" in page
    assert "email" in page
    for value in ("zainab.q@example.com", "Zainab", "Quartermaine", "07911", "123456"):
        assert value not in page


@pytest.fixture
def audit_rows(db):
    alex = UserFactory(name="Alex Auditor", role=Role.ADMIN)
    blair = UserFactory(name="Blair Busy", role=Role.COORDINATOR)
    rows = [
        AuditEvent(
            user_id=alex.id,
            action=AuditAction.CREATE,
            entity_type="people",
            entity_id=7,
            changed_fields=["first_name"],
            at=datetime(2024, 5, 1, 10, 0, tzinfo=UTC),
        ),
        AuditEvent(
            user_id=blair.id,
            action=AuditAction.UPDATE,
            entity_type="people",
            entity_id=7,
            changed_fields=["phone"],
            at=datetime(2024, 6, 15, 12, 0, tzinfo=UTC),
        ),
        AuditEvent(
            user_id=None,
            action=AuditAction.CREATE,
            entity_type="wards",
            entity_id=3,
            changed_fields=["name"],
            at=datetime(2024, 6, 20, 9, 0, tzinfo=UTC),
        ),
        # 30 June at 23:30 UTC is already 1 July in the UK (BST).
        AuditEvent(
            user_id=alex.id,
            action=AuditAction.DISABLE,
            entity_type="users",
            entity_id=blair.id,
            at=datetime(2024, 6, 30, 23, 30, tzinfo=UTC),
        ),
    ]
    db.session.add_all(rows)
    db.session.commit()
    return {"alex": alex, "blair": blair, "rows": rows}


def test_the_audit_log_is_newest_first_and_paginated(client, login_as, audit_rows):
    login_as(Role.ADMIN)
    first_page = text(client.get("/admin/audit?per_page=2"))
    assert "Showing 1 to 2 of 4 results" in first_page
    assert first_page.index("1 July 2024 at 12:30am") < first_page.index("20 June 2024")
    assert "System" in first_page
    assert "Staff account" in first_page
    assert "1 May 2024" not in first_page

    second_page = text(client.get("/admin/audit?per_page=2&page=2"))
    assert "Showing 3 to 4 of 4 results" in second_page
    assert "1 May 2024 at 11:00am" in second_page
    assert 'href="/people/7"' in second_page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", 4),
        ("entity_type=people", 2),
        ("action=create", 2),
        ("entity_type=people&action=create", 1),
        ("from=2024-06-01&to=2024-06-30", 2),
        ("to=2024-06-15", 2),
        ("from=2024-07-01", 1),
    ],
)
def test_audit_filters_narrow_the_list(client, login_as, audit_rows, query, expected):
    login_as(Role.ADMIN)
    page = text(client.get(f"/admin/audit?{query}"))
    assert f"of {expected} result{'' if expected == 1 else 's'}" in page


def test_audit_filter_by_person_on_the_staff(client, login_as, audit_rows):
    login_as(Role.ADMIN)
    page = text(client.get(f"/admin/audit?user={audit_rows['blair'].id}"))
    assert "Showing 1 to 1 of 1 result" in page
    assert "phone" in page
    assert "first_name" not in page


def test_bad_audit_filters_are_explained_and_ignored(client, login_as, audit_rows):
    login_as(Role.ADMIN)
    bad_date = text(client.get("/admin/audit?from=2024-13-45&entity_type=people"))
    assert "Enter a real date for ‘From’, like 2025-03-31" in bad_date
    assert "of 2 results" in bad_date

    backwards = text(client.get("/admin/audit?from=2024-07-01&to=2024-06-01"))
    assert "The ‘to’ date must be the same as or after the ‘from’ date" in backwards
    assert "of 1 result" in backwards
