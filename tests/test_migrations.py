"""The migrations build the schema the models describe, forwards and backwards, on the database
the suite runs against (SQLite by default, PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import warnings

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from crm import create_app
from crm.config import TestConfig
from crm.extensions import db
from crm.models.person import is_sqlite_search_table


def _tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def test_there_is_one_head(app):
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        assert len(script.get_heads()) == 1


def test_upgrade_downgrade_upgrade_and_models_match(fresh_database_url):
    migration_app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=fresh_database_url))
    with migration_app.app_context():
        upgrade()
        engine = db.engine
        assert {"people", "sessions", "organisations", "users", "audit_events"} <= _tables(engine)
        with engine.connect() as connection:
            wards = connection.execute(sa.text("SELECT count(*) FROM wards")).scalar()
        assert wards == 17

        downgrade(revision="base")
        assert _tables(engine) == set()

        upgrade()
        with engine.connect() as connection:
            opts = {"compare_type": True, "render_as_batch": True, "include_object": _not_sqlite_search}
            context = MigrationContext.configure(connection, opts=opts)
            with warnings.catch_warnings():
                # SQLite cannot reflect indexes on expressions, so Alembic leaves them out of the
                # comparison there (PostgreSQL compares them); they are checked by name below.
                warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
                warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
                differences = compare_metadata(context, db.metadata)
            if engine.dialect.name == "sqlite":
                expression_indexes = {
                    index.name
                    for table in db.metadata.tables.values()
                    for index in table.indexes
                    if any(not isinstance(expression, sa.Column) for expression in index.expressions)
                    and index.info.get("only_on", "sqlite") == "sqlite"
                }
                built = set(connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'").scalars())
                assert expression_indexes <= built, f"indexes missing: {expression_indexes - built}"
                triggers = set(
                    connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars()
                )
                assert {"people_search_insert", "people_search_update", "people_search_delete"} <= triggers
                fk_problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                assert fk_problems == []
            else:
                differences = [d for d in differences if not _same_postgresql_index(connection, d)]
        assert differences == [], f"models and migrations disagree: {differences}"
        engine.dispose()


def _not_sqlite_search(_obj, name, type_, reflected, _compare_to) -> bool:
    """SQLite's full-text table of people's search text is made by its migration, not a model."""
    return not (type_ == "table" and reflected and is_sqlite_search_table(name))


def _same_postgresql_index(connection, difference) -> bool:
    """Alembic compares an expression index by its text, and PostgreSQL gives back the text it
    parsed (casts and brackets added), so the trigram index always looks changed. The difference
    is taken back only when the model's index, built here under another name, is the same index
    as the migrations' one in PostgreSQL's own words."""
    kind, *objects = difference if isinstance(difference, tuple) else (None,)
    index = objects[-1] if objects else None
    if kind not in ("add_index", "remove_index") or not isinstance(index, sa.Index):
        return False
    model_indexes = (i for table in db.metadata.tables.values() for i in table.indexes)
    model_index = next((i for i in model_indexes if i.name == index.name and i.info.get("only_on")), None)
    if model_index is None:
        return False
    definition = "SELECT regexp_replace(pg_get_indexdef(CAST(:name AS regclass)), '^CREATE INDEX \\S+ ', '')"
    with connection.begin_nested() as check:
        ddl = str(sa.schema.CreateIndex(model_index).compile(dialect=connection.dialect))
        connection.exec_driver_sql(ddl.replace(model_index.name, "model_index_check", 1))
        built, expected = (
            connection.scalar(sa.text(definition), {"name": name}) for name in (index.name, "model_index_check")
        )
        check.rollback()
    return built == expected
