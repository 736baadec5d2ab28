"""benchmark source link: a nullable benchmark.source_url

A published national figure is typed in from a report; the link lets a
reader open that report. Existing benchmarks have no link.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 02:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('benchmark') as batch_op:
        batch_op.add_column(sa.Column('source_url', sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('benchmark') as batch_op:
        batch_op.drop_column('source_url')
