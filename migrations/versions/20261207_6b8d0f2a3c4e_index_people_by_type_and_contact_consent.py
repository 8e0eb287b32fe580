"""Index each type's people by id, and the people who may be contacted now

Revision ID: 6b8d0f2a3c4e
Revises: 5a7c9e1f2b3d
Create Date: 2026-12-07 03:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6b8d0f2a3c4e'
down_revision = '5a7c9e1f2b3d'
branch_labels = None
depends_on = None

CONTACT_NOW = "purpose = 'contact' AND withdrawn_at IS NULL"


def upgrade():
    # (type, person_id) holds all that (type) held, and the people's ids too.
    op.create_index('ix_person_types_type_person_id', 'person_types', ['type', 'person_id'], unique=False)
    op.drop_index('ix_person_types_type', table_name='person_types')
    op.create_index(
        'ix_consents_contact_person_id',
        'consents',
        ['person_id'],
        unique=False,
        postgresql_where=sa.text(CONTACT_NOW),
        sqlite_where=sa.text(CONTACT_NOW),
    )


def downgrade():
    op.drop_index('ix_consents_contact_person_id', table_name='consents')
    op.create_index('ix_person_types_type', 'person_types', ['type'], unique=False)
    op.drop_index('ix_person_types_type_person_id', table_name='person_types')
