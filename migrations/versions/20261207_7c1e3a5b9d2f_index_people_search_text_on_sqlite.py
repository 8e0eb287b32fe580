"""Index what a text search of people looks in by its trigrams, on SQLite

Revision ID: 7c1e3a5b9d2f
Revises: 6b8d0f2a3c4e
Create Date: 2026-12-07 06:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7c1e3a5b9d2f'
down_revision = '6b8d0f2a3c4e'
branch_labels = None
depends_on = None

# The same text as crm.models.person.person_search_text() (the trigram tokenizer ignores case
# itself, Unicode included, so it is not lower-cased), kept in step with people by triggers.
TEXT = (
    "{row}.first_name || ' ' || {row}.last_name || ' ' || coalesce({row}.preferred_name, '')"
    " || ' ' || coalesce({row}.email, '')"
)


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL has its own trigram index (revision 5a7c9e1f2b3d).
    # An FTS5 table holding each person's search text under the person's id (its rowid).
    op.execute("CREATE VIRTUAL TABLE people_search USING fts5(search_text, tokenize = 'trigram')")
    op.execute(f"INSERT INTO people_search (rowid, search_text) SELECT id, {TEXT.format(row='people')} FROM people")
    op.execute(
        "CREATE TRIGGER people_search_insert AFTER INSERT ON people BEGIN "
        f"INSERT INTO people_search (rowid, search_text) VALUES (new.id, {TEXT.format(row='new')}); END"
    )
    op.execute(
        "CREATE TRIGGER people_search_update AFTER UPDATE OF first_name, last_name, preferred_name, email"
        " ON people BEGIN DELETE FROM people_search WHERE rowid = old.id;"
        f" INSERT INTO people_search (rowid, search_text) VALUES (new.id, {TEXT.format(row='new')}); END"
    )
    op.execute(
        "CREATE TRIGGER people_search_delete AFTER DELETE ON people BEGIN "
        "DELETE FROM people_search WHERE rowid = old.id; END"
    )


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("people_search_insert", "people_search_update", "people_search_delete"):
        op.execute(f"DROP TRIGGER {trigger}")
    op.execute("DROP TABLE people_search")
