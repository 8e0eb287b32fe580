"""Never reuse a person's id on SQLite (AUTOINCREMENT), so a merged-away id keeps leading to its survivor

Revision ID: c4d5e6f7a8b9
Revises: 9d1e2f3a4b5c
Create Date: 2026-11-22 08:15:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4d5e6f7a8b9'
down_revision = '9d1e2f3a4b5c'
branch_labels = None
depends_on = None


def _rebuild_people(autoincrement: bool) -> None:
    # SQLite hands out max(id) + 1 unless the table is AUTOINCREMENT, so deleting the newest person
    # (merging them away) would give their id to the next one. PostgreSQL's sequences never reuse
    # a value, so only SQLite's table is rebuilt.
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table(
        'people', recreate='always', table_kwargs={'sqlite_autoincrement': autoincrement}
    ) as batch_op:
        batch_op.alter_column('id', autoincrement=True)


def upgrade():
    _rebuild_people(True)


def downgrade():
    _rebuild_people(False)
