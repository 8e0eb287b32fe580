"""Index what a text search of people looks in by its trigrams, on PostgreSQL

Revision ID: 5a7c9e1f2b3d
Revises: 3ba593b372f3
Create Date: 2026-12-07 03:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5a7c9e1f2b3d'
down_revision = '3ba593b372f3'
branch_labels = None
depends_on = None

# The expression of crm.models.person.person_search_text(), as PostgreSQL must see it to use the index.
SEARCH_TEXT = (
    "lower(first_name || ' ' || last_name || ' ' || coalesce(preferred_name, '') || ' ' || coalesce(email, ''))"
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no trigram index; its search scans with its own caseless LIKE.
    # pg_trgm ships with PostgreSQL (the contrib modules) and is a trusted extension: the owner of
    # the database may create it without being a superuser.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(f"CREATE INDEX ix_people_search_text ON people USING gin ({SEARCH_TEXT} gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_people_search_text")
    # The extension stays: something else in the database may use it.
