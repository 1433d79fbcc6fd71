"""a covering index for the on-call look-up of weekly shifts

Revision ID: 0502
Revises: 0501
Create Date: 2026-11-25 18:20:00

Every menu choice of every call looks up the weekly shifts of a field on a weekday at a
time. With ten years of rosters most of the rows found by field, weekday and hours are
outside their validity range; carrying the validity dates, the counselor and the id in the
index lets both databases answer from the index alone.
"""
from alembic import op


revision = '0502'
down_revision = '0501'
branch_labels = None
depends_on = None

COLUMNS = ['field_id', 'weekday', 'start_time', 'end_time', 'valid_from', 'valid_until',
           'counselor_id', 'id']


def upgrade():
    with op.batch_alter_table('weekly_shifts', schema=None) as batch_op:
        batch_op.drop_index('ix_weekly_shifts_lookup')
        batch_op.create_index('ix_weekly_shifts_on_call', COLUMNS, unique=False)


def downgrade():
    with op.batch_alter_table('weekly_shifts', schema=None) as batch_op:
        batch_op.drop_index('ix_weekly_shifts_on_call')
        batch_op.create_index(
            'ix_weekly_shifts_lookup', ['field_id', 'weekday', 'start_time', 'end_time'],
            unique=False,
        )
