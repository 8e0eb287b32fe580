"""Index people in the order lists show them (lower-cased surname, first name, id)

Revision ID: 3ba593b372f3
Revises: c4d5e6f7a8b9
Create Date: 2026-11-22 07:35:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3ba593b372f3'
down_revision = 'c4d5e6f7a8b9'
branch_labels = None
depends_on = None


def upgrade():
    # On SQLite lower() is the application's own (crm/database.py), so build the index through
    # the application (`flask db upgrade`), as every other write to the database goes.
    op.create_index(
        'ix_people_name_order',
        'people',
        [sa.text('lower(last_name)'), sa.text('lower(first_name)'), 'id'],
        unique=False,
    )


def downgrade():
    op.drop_index('ix_people_name_order', table_name='people')
