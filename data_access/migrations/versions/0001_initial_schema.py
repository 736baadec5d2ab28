"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 09:36:31.052911
"""
from alembic import op
import sqlalchemy as sa

from data_access import reference


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_meta',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('event_type',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=60), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('import_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('imported_by', sa.String(length=120), nullable=True),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('rows_inserted', sa.Integer(), nullable=False),
    sa.Column('rows_updated', sa.Integer(), nullable=False),
    sa.Column('rows_unchanged', sa.Integer(), nullable=False),
    sa.Column('undone_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('mwres_indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('outcome_measure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('region',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('nation', sa.String(length=40), nullable=False),
    sa.Column('nhse_region', sa.String(length=60), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('is_training_region', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('stage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('label', sa.String(length=60), nullable=False),
    sa.Column('stage_group', sa.String(length=20), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('benchmark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('measure_id', sa.Integer(), nullable=False),
    sa.Column('group_label', sa.String(length=120), nullable=False),
    sa.Column('numerator', sa.Integer(), nullable=False),
    sa.Column('denominator', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('numerator >= 0 AND denominator >= numerator', name='ck_benchmark_counts'),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], ),
    sa.ForeignKeyConstraint(['measure_id'], ['outcome_measure.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year', 'measure_id', 'group_label', 'source', name='uq_benchmark_natural')
    )
    with op.batch_alter_table('benchmark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benchmark_batch_id'), ['batch_id'], unique=False)

    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_key', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('event_type_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('delivery', sa.String(length=16), nullable=False),
    sa.Column('host_region_id', sa.Integer(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("delivery IN ('virtual', 'in_person', 'hybrid')", name='ck_event_delivery'),
    sa.CheckConstraint('capacity IS NULL OR capacity >= 0', name='ck_event_capacity'),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], ),
    sa.ForeignKeyConstraint(['event_type_id'], ['event_type.id'], ),
    sa.ForeignKeyConstraint(['host_region_id'], ['region.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_key')
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_event_date_type', ['date', 'event_type_id'], unique=False)

    op.create_table('import_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=32), nullable=False),
    sa.Column('row_id', sa.Integer(), nullable=False),
    sa.Column('previous', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('import_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_change_batch_id'), ['batch_id'], unique=False)

    op.create_table('participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pseudonym', sa.String(length=64), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pseudonym')
    )
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participant_batch_id'), ['batch_id'], unique=False)

    op.create_table('rep',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("role IN ('lead', 'rep', 'deputy')", name='ck_rep_role'),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start_date', name='ck_rep_dates'),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], ),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name', 'region_id', 'start_date', name='uq_rep_natural')
    )
    with op.batch_alter_table('rep', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rep_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_rep_region_dates', ['region_id', 'start_date', 'end_date'], unique=False)

    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('attended', sa.Boolean(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], ),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], ),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ),
    sa.ForeignKeyConstraint(['stage_id'], ['stage.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id', 'participant_id', name='uq_attendance_event_participant')
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_attendance_event_cover', ['event_id', 'region_id', 'stage_id', 'attended', 'participant_id'], unique=False)
        batch_op.create_index('ix_attendance_participant', ['participant_id', 'event_id', 'attended', 'region_id', 'stage_id'], unique=False)

    op.create_table('event_mwres',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['indicator_id'], ['mwres_indicator.id'], ),
    sa.PrimaryKeyConstraint('event_id', 'indicator_id')
    )
    with op.batch_alter_table('event_mwres', schema=None) as batch_op:
        batch_op.create_index('ix_event_mwres_indicator', ['indicator_id'], unique=False)

    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_key', sa.String(length=80), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('submitted', sa.Date(), nullable=True),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('would_recommend', sa.Boolean(), nullable=True),
    sa.Column('comments', sa.Text(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name='ck_feedback_rating'),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], ),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], ),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ),
    sa.ForeignKeyConstraint(['stage_id'], ['stage.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('response_key')
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_feedback_event_cover', ['event_id', 'region_id', 'stage_id', 'rating'], unique=False)
        batch_op.create_index('ix_feedback_participant', ['participant_id'], unique=False)

    op.create_table('outcome',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('measure_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('result', sa.String(length=16), nullable=False),
    sa.Column('flag', sa.SmallInteger(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], ),
    sa.ForeignKeyConstraint(['measure_id'], ['outcome_measure.id'], ),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ),
    sa.ForeignKeyConstraint(['stage_id'], ['stage.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('participant_id', 'measure_id', 'date', name='uq_outcome_natural')
    )
    with op.batch_alter_table('outcome', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outcome_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_outcome_measure_date', ['measure_id', 'date', 'region_id', 'stage_id', 'flag'], unique=False)

    _seed_reference()


def _seed_reference() -> None:
    """Insert the built-in reference rows (regions, stages, event types,
    outcome measures and the editable MWRES indicator labels)."""
    meta = sa.MetaData()
    meta.reflect(bind=op.get_bind(), only=["region", "stage", "event_type", "outcome_measure", "mwres_indicator"])
    t = meta.tables
    op.bulk_insert(t["region"], [
        {"code": r.code, "name": r.name, "nation": r.nation, "nhse_region": r.nhse_region,
         "lat": r.lat, "lon": r.lon, "is_training_region": r.is_training_region, "sort_order": i}
        for i, r in enumerate(reference.REGIONS)
    ])
    op.bulk_insert(t["stage"], [
        {"code": code, "label": label, "stage_group": group, "sort_order": i}
        for i, (code, label, group) in enumerate(reference.STAGES)
    ])
    op.bulk_insert(t["event_type"], [
        {"code": code, "label": label, "sort_order": i}
        for i, (code, label) in enumerate(reference.EVENT_TYPES)
    ])
    op.bulk_insert(t["outcome_measure"], [
        {"code": code, "label": label, "category": category, "sort_order": i}
        for i, (code, label, category) in enumerate(reference.OUTCOME_MEASURES)
    ])
    op.bulk_insert(t["mwres_indicator"], [
        {"code": code, "label": label} for code, label in reference.MWRES_INDICATORS
    ])


def downgrade() -> None:
    with op.batch_alter_table('outcome', schema=None) as batch_op:
        batch_op.drop_index('ix_outcome_measure_date')
        batch_op.drop_index(batch_op.f('ix_outcome_batch_id'))

    op.drop_table('outcome')
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_participant')
        batch_op.drop_index('ix_feedback_event_cover')
        batch_op.drop_index(batch_op.f('ix_feedback_batch_id'))

    op.drop_table('feedback')
    with op.batch_alter_table('event_mwres', schema=None) as batch_op:
        batch_op.drop_index('ix_event_mwres_indicator')

    op.drop_table('event_mwres')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_participant')
        batch_op.drop_index('ix_attendance_event_cover')
        batch_op.drop_index(batch_op.f('ix_attendance_batch_id'))

    op.drop_table('attendance')
    with op.batch_alter_table('rep', schema=None) as batch_op:
        batch_op.drop_index('ix_rep_region_dates')
        batch_op.drop_index(batch_op.f('ix_rep_batch_id'))

    op.drop_table('rep')
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participant_batch_id'))

    op.drop_table('participant')
    with op.batch_alter_table('import_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_change_batch_id'))

    op.drop_table('import_change')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_date_type')
        batch_op.drop_index(batch_op.f('ix_event_batch_id'))

    op.drop_table('event')
    with op.batch_alter_table('benchmark', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_benchmark_batch_id'))

    op.drop_table('benchmark')
    op.drop_table('stage')
    op.drop_table('region')
    op.drop_table('outcome_measure')
    op.drop_table('mwres_indicator')
    op.drop_table('import_batch')
    op.drop_table('event_type')
    op.drop_table('app_meta')
