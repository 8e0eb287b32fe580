"""factory_boy factories for the models, with en_GB fake data."""

from __future__ import annotations

import datetime as dt
from functools import cache

import factory
from factory.alchemy import SQLAlchemyModelFactory

from crm.extensions import db
from crm.models import Consent, Event, FeedbackForm, Organisation, Person, PersonTypeLink, Session, Tag, User
from crm.models.enums import (
    ConsentMethod,
    ConsentPurpose,
    InvolvementLevel,
    OrganisationType,
    PersonType,
    Role,
    SessionFormat,
    SessionKind,
    TagCategory,
)
from crm.passwords import hash_password

PASSWORD = "correct horse battery staple"

factory.Faker._DEFAULT_LOCALE = "en_GB"


@cache
def _password_hash() -> str:
    # Hashing is deliberately slow; every test user shares one hash of PASSWORD.
    return hash_password(PASSWORD)


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"staff{n}@example.org")
    name = factory.Faker("name")
    role = Role.CHAMPION
    password_hash = factory.LazyFunction(_password_hash)


class OrganisationFactory(Base):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Partner Organisation {n}")
    type = OrganisationType.VOLUNTARY


class PersonFactory(Base):
    class Meta:
        model = Person

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    phone = None
    postcode = None

    @factory.post_generation
    def types(obj, create, extracted, **kwargs):  # noqa: N805
        for person_type in extracted or [PersonType.PARENT_CARER]:
            obj.type_links.append(PersonTypeLink(type=person_type))
        if create:
            db.session.flush()


class TagFactory(Base):
    class Meta:
        model = Tag

    category = TagCategory.INTEREST
    name = factory.Sequence(lambda n: f"Interest {n}")


class ConsentFactory(Base):
    class Meta:
        model = Consent

    person = factory.SubFactory(PersonFactory)
    purpose = ConsentPurpose.CONTACT
    method = ConsentMethod.PAPER
    wording = "I agree to be contacted about co-production opportunities."


class EventFactory(Base):
    class Meta:
        model = Event

    name = factory.Sequence(lambda n: f"Co-production Week {2020 + n}")


class SessionFactory(Base):
    class Meta:
        model = Session

    title = factory.Sequence(lambda n: f"Co-design workshop {n}")
    date = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=7))
    start_time = dt.time(10, 0)
    end_time = dt.time(12, 0)
    format = SessionFormat.IN_PERSON
    kind = SessionKind.CO_DESIGN_WORKSHOP
    involvement_level = InvolvementLevel.CO_DESIGNING
    location = "Southend Library"
    creche_places = 0


class FeedbackFormFactory(Base):
    """A session's open feedback form with two topics."""

    class Meta:
        model = FeedbackForm

    session = factory.SubFactory(SessionFactory)
    code = factory.Sequence(lambda n: f"testcode{n:02d}")
    is_open = True

    @factory.post_generation
    def topics(form, create, labels, **kwargs):
        from crm.models import FeedbackTopic

        for position, label in enumerate(labels if labels is not None else ("The programme", "Co-production")):
            form.topics.append(FeedbackTopic(position=position, label=label))
        db.session.flush()
