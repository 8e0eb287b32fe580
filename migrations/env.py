import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from crm.models.person import is_sqlite_search_table

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def get_engine():
    return current_app.extensions["migrate"].db.engine


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
    except AttributeError:
        return str(get_engine().url).replace("%", "%%")


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option("sqlalchemy.url", get_engine_url())
target_db = current_app.extensions["migrate"].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def render_item(type_, obj, autogen_context):
    """Write the app's column types as plain SQLAlchemy types, so migrations never import crm."""
    if type_ == "type" and obj.__class__.__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def include_object(obj, name, type_, reflected, compare_to):
    """Leave out of autogenerate the indexes made for one database only (`info["only_on"]`, such
    as PostgreSQL's trigram index on people's search text): PostgreSQL gives their expression
    back rewritten, so they would always look changed. tests/test_migrations.py compares them
    in PostgreSQL's own words instead. Leave out SQLite's full-text search tables too."""
    if type_ == "table" and reflected and is_sqlite_search_table(name):
        return False
    if type_ == "index":
        only_on = {
            index.name
            for table in get_metadata().tables.values()
            for index in table.indexes
            if index.info.get("only_on")
        }
        return name not in only_on
    return True


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=get_metadata(), literal_binds=True)

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds tables; with foreign keys on, dropping the old table would
            # cascade or fail. Turn them off outside the transaction, check them afterwards.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            render_as_batch=True,
            compare_type=True,
            render_item=render_item,
            include_object=include_object,
            **{k: v for k, v in conf_args.items() if k not in ("render_as_batch", "compare_type", "include_object")},
        )

        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise RuntimeError(f"Foreign key check failed after migrating: {problems[:5]}")
        if sqlite:
            # SQLAlchemy 2.0 began the connection's transaction itself, so Alembic left it open;
            # SQLite ignores the pragma inside a transaction, so end it first. Without this,
            # a process that migrated in-process (the tests, the benchmarks) kept foreign keys off.
            if connection.in_transaction():
                connection.commit()
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
