"""People the programme works with, and what belongs to them alone."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Column,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    column,
    func,
    literal_column,
    table,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.base import TimestampMixin, UTCDateTime, utcnow
from crm.models.enums import (
    AgeBand,
    ConsentMethod,
    ConsentPurpose,
    Disability,
    Ethnicity,
    Gender,
    PersonStatus,
    PersonType,
)
from crm.models.types import enum_type

if TYPE_CHECKING:
    from crm.models.lists import Tag, Ward
    from crm.models.organisation import Organisation
    from crm.models.user import User

person_tags = Table(
    "person_tags",
    db.Model.metadata,
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Person(TimestampMixin, db.Model):
    __tablename__ = "people"
    # SQLite would otherwise give the id of the newest person, once merged away, to the next one.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100), default="")
    preferred_name: Mapped[str | None] = mapped_column(String(100))
    # Stored lower-cased, so the unique constraint is case-insensitive.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    # Stored in E.164 form (+447700900123), so search and duplicate checks compare like with like.
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    postcode: Mapped[str | None] = mapped_column(String(8))
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id", ondelete="SET NULL"), index=True)
    status: Mapped[PersonStatus] = mapped_column(enum_type(PersonStatus), default=PersonStatus.ACTIVE, index=True)
    needs_creche: Mapped[bool] = mapped_column(default=False)
    needs_step_free: Mapped[bool] = mapped_column(default=False)
    interpreter_language: Mapped[str | None] = mapped_column(String(60))
    other_needs: Mapped[str | None] = mapped_column(Text)
    dietary_needs: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    # Set when the person was anonymised (erasure or retention): the row stays so that their
    # participations keep counting in the statistics, but nothing identifies them any more.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # Optimistic locking: an edit based on an old version is refused, not silently applied.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    ward: Mapped[Ward | None] = relationship(lazy="joined")
    type_links: Mapped[list[PersonTypeLink]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PersonTypeLink.type"
    )
    tags: Mapped[list[Tag]] = relationship(secondary=person_tags, lazy="selectin")
    affiliations: Mapped[list[Affiliation]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="raise"
    )
    consents: Mapped[list[Consent]] = relationship(
        back_populates="person",
        cascade="all, delete-orphan",
        lazy="raise",
        order_by="Consent.given_at.desc()",
    )

    # Special category data, kept apart: loaded only where managers and admins ask for it.
    equality: Mapped[EqualityMonitoring | None] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="raise"
    )

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def display_name(self) -> str:
        """The name to greet someone by: preferred name if they gave one."""
        if self.preferred_name:
            return " ".join(p for p in (self.preferred_name, self.last_name) if p)
        return self.full_name

    @property
    def types(self) -> list[PersonType]:
        return [link.type for link in self.type_links]

    @property
    def has_needs(self) -> bool:
        return bool(self.needs_creche or self.needs_step_free or self.interpreter_language or self.other_needs)

    def __str__(self) -> str:
        return self.display_name


# Lists of people sort by name as search_people does (lower-cased surname, first name, then id):
# with this index a page of the list, however deep, is a walk along it instead of a sort of everyone.
Index("ix_people_name_order", func.lower(Person.last_name), func.lower(Person.first_name), Person.id)


# On SQLite, each person's search text (as person_search_text(), but not lower-cased: the trigram
# tokenizer ignores case itself, Unicode included) in an FTS5 table under the person's id, kept in
# step with people by triggers (migration 7c1e3a5b9d2f). FTS5 stores it in tables named after it.
# A later migration that rebuilds `people` on SQLite (batch_alter_table) drops those triggers and
# must create them again; tests/test_migrations.py checks they exist.
# Not a model: SQLAlchemy cannot describe a virtual table, and PostgreSQL has none. (The hidden
# column named after the table takes FTS5's commands, such as 'optimize'.)
PEOPLE_SEARCH = table("people_search", column("rowid"), column("search_text"), column("people_search"))


def is_sqlite_search_table(name: str) -> bool:
    """`name` is SQLite's full-text table of people's search text or one FTS5 keeps it in."""
    return name == PEOPLE_SEARCH.name or name.startswith(f"{PEOPLE_SEARCH.name}_")


def person_search_text() -> ColumnElement[str]:
    """What a text search of people looks in (names, preferred name, email) as one lower-cased
    string. The parts are joined by spaces, and a typed word never holds one, so a word matches
    this exactly when it matches one of the parts. The literals are written into the SQL, not
    sent as parameters, so PostgreSQL sees the expression of the index below."""
    space, empty = literal_column("' '"), literal_column("''")
    return func.lower(
        Person.first_name
        + space
        + Person.last_name
        + space
        + func.coalesce(Person.preferred_name, empty)
        + space
        + func.coalesce(Person.email, empty)
    )


# On PostgreSQL, that string indexed by its trigrams (the pg_trgm extension): `LIKE '%word%'` for a
# word of three or more characters is then an index search, not a scan of everyone. SQLite has its
# own trigram index of the same text instead (PEOPLE_SEARCH, above).
Index(
    "ix_people_search_text",
    person_search_text().label("search_text"),
    postgresql_using="gin",
    postgresql_ops={"search_text": "gin_trgm_ops"},
    info={"only_on": "postgresql"},
).ddl_if(dialect="postgresql")


class PersonTypeLink(db.Model):
    __tablename__ = "person_types"
    # Everyone of a type, in id order, from the index alone: counting the people of a type (and
    # matching them to other lists of people by id) reads no table rows.
    __table_args__ = (Index("ix_person_types_type_person_id", "type", "person_id"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    type: Mapped[PersonType] = mapped_column(enum_type(PersonType), primary_key=True)


class Affiliation(TimestampMixin, db.Model):
    __tablename__ = "affiliations"
    __table_args__ = (UniqueConstraint("person_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    job_title: Mapped[str | None] = mapped_column(String(150))

    person: Mapped[Person] = relationship(back_populates="affiliations", lazy="raise")
    organisation: Mapped[Organisation] = relationship(back_populates="affiliations", lazy="joined")


# A current consent to contact, as the partial index on consents says it (and may_contact_now()).
CONTACT_NOW = f"purpose = '{ConsentPurpose.CONTACT.value}' AND withdrawn_at IS NULL"


class Consent(db.Model):
    """One purpose a person agreed to, how and in what words; withdrawal ends it."""

    __tablename__ = "consents"
    __table_args__ = (
        Index("ix_consents_person_id_purpose_withdrawn_at", "person_id", "purpose", "withdrawn_at"),
        # The people who may be contacted now, in id order: find people's most used filter reads
        # this small index instead of every consent.
        Index(
            "ix_consents_contact_person_id",
            "person_id",
            postgresql_where=text(CONTACT_NOW),
            sqlite_where=text(CONTACT_NOW),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[ConsentPurpose] = mapped_column(enum_type(ConsentPurpose))
    partner_name: Mapped[str | None] = mapped_column(String(200))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    method: Mapped[ConsentMethod] = mapped_column(enum_type(ConsentMethod))
    wording: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    person: Mapped[Person] = relationship(back_populates="consents", lazy="raise")
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id], lazy="joined")

    @property
    def is_current(self) -> bool:
        return self.withdrawn_at is None


def may_contact_now() -> ColumnElement[bool]:
    """Conditions on Consent: a current consent to contact. The purpose is written into the SQL,
    not sent as a parameter, so that both databases see it is the partial index's condition
    (ix_consents_contact_person_id) and use that index."""
    return and_(Consent.purpose == literal_column(f"'{ConsentPurpose.CONTACT.value}'"), Consent.withdrawn_at.is_(None))


class EqualityMonitoring(db.Model):
    """Optional equality-monitoring answers (special category data under UK GDPR).

    Visible and editable only by managers and admins, every view audited, never exported with
    people, reported only as aggregates with small counts suppressed."""

    __tablename__ = "equality_monitoring"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    age_band: Mapped[AgeBand | None] = mapped_column(enum_type(AgeBand))
    ethnicity: Mapped[Ethnicity | None] = mapped_column(enum_type(Ethnicity))
    disability: Mapped[Disability | None] = mapped_column(enum_type(Disability))
    gender: Mapped[Gender | None] = mapped_column(enum_type(Gender))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    person: Mapped[Person] = relationship(back_populates="equality", lazy="raise")


class PersonMerge(db.Model):
    """A person merged into another: the merged-away id keeps working as a redirect."""

    __tablename__ = "person_merges"

    # No foreign key: the merged-away person no longer exists.
    merged_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class DuplicateDismissal(db.Model):
    """Two people someone checked and found to be different: the duplicates screen stops
    listing them as a pair. The lower id first, so a pair has one row whichever way round."""

    __tablename__ = "duplicate_dismissals"
    __table_args__ = (CheckConstraint("person_low_id < person_high_id", name="low_before_high"),)

    person_low_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    person_high_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    dismissed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    dismissed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
