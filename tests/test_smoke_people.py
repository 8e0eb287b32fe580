from crm.models import Person
from crm.models.enums import Role


def test_champion_adds_a_person_and_sees_the_profile(client, login_as, post_form, db):
    login_as(Role.CHAMPION)
    response = post_form(
        "/people/new",
        {"first_name": "Aisha", "last_name": "Khan", "email": "Aisha.Khan@Example.com",
         "phone": "07911 123456", "postcode": "ss1 2ab", "person_types": ["parent_champion"],
         "status": "active"},
        follow_redirects=True,
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    page = response.get_data(as_text=True)
    assert "Aisha Khan has been added" in page
    person = db.session.query(Person).one()
    assert person.email == "aisha.khan@example.com"
    assert person.phone == "+447911123456"
    assert person.postcode == "SS1 2AB"
    assert "07911 123456" in page
