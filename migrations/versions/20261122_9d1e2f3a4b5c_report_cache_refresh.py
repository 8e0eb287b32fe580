"""Record how long each cached report took and claim its background refresh

Revision ID: 9d1e2f3a4b5c
Revises: b3c344e801bf
Create Date: 2026-11-22 08:05:00.000000

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '9d1e2f3a4b5c'
down_revision = 'b3c344e801bf'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report_cache', schema=None) as batch_op:
        batch_op.add_column(sa.Column('compute_ms', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('refresh_started_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('report_cache', schema=None) as batch_op:
        batch_op.drop_column('refresh_started_at')
        batch_op.drop_column('compute_ms')
