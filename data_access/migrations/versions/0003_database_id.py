"""database instance id: a random app_meta ``database_id``

Columnar snapshot files on disk are named by the database's instance id and
its data version. A random id, written here and anew by every restore, keeps
a file made from another database, or from this one before a restore reused
a version number, from ever being opened.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 22:50:00
"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

app_meta = sa.table('app_meta', sa.column('key', sa.String), sa.column('value', sa.String))


def upgrade() -> None:
    # A restore from an archive of revision 0002 may already have written one.
    op.execute(app_meta.delete().where(app_meta.c.key == 'database_id'))
    op.execute(app_meta.insert().values(key='database_id', value=uuid.uuid4().hex))


def downgrade() -> None:
    op.execute(app_meta.delete().where(app_meta.c.key == 'database_id'))
