"""weekly shifts recur monthly (n-th or last weekday) or every other week

Revision ID: 0750
Revises: 0740
Create Date: 2026-12-09 08:00:00

Volunteer experts often come on the 2nd and 4th Monday of the month, or every other week.
A series now carries its pattern: `month_week` (0 every week, 1-5 the n-th weekday of the
month, -1 the last), `interval_weeks` (1, or 2 for every other week) and `week_parity` (the
weeks an every-other-week series runs in, from its first date). Existing series run every
week, as before. The pattern joins the slot's uniqueness (a 2nd-Monday and a 4th-Monday series
of the same hours are two series) and the covering on-call index.
"""
from alembic import op
import sqlalchemy as sa


revision = '0750'
down_revision = '0740'
branch_labels = None
depends_on = None

SLOT = ['counselor_id', 'field_id', 'weekday', 'start_time', 'end_time', 'valid_from']
PATTERN = ['month_week', 'interval_weeks', 'week_parity']
ON_CALL = ['field_id', 'weekday', 'start_time', 'end_time', 'valid_from', 'valid_until',
           'counselor_id', 'id']
CHECKS = {
    'month_week_range': 'month_week >= -1 AND month_week <= 5',
    'interval_weeks_range': 'interval_weeks IN (1, 2)',
    'week_parity_range': 'week_parity IN (0, 1)',
    'every_other_week_from_a_date':
        'interval_weeks = 1 OR (month_week = 0 AND valid_from IS NOT NULL)',
}


def upgrade():
    with op.batch_alter_table('weekly_shifts', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('month_week', sa.SmallInteger(), server_default='0', nullable=False))
        batch_op.add_column(
            sa.Column('interval_weeks', sa.SmallInteger(), server_default='1', nullable=False))
        batch_op.add_column(
            sa.Column('week_parity', sa.SmallInteger(), server_default='0', nullable=False))
        for name, condition in CHECKS.items():
            batch_op.create_check_constraint(op.f(f'ck_weekly_shifts_{name}'), condition)
        batch_op.drop_constraint('uq_weekly_shifts_slot_valid_from', type_='unique')
        batch_op.create_unique_constraint(
            'uq_weekly_shifts_slot_pattern_valid_from', SLOT + PATTERN)
        batch_op.drop_index('ix_weekly_shifts_on_call')
        batch_op.create_index('ix_weekly_shifts_on_call', ON_CALL + PATTERN, unique=False)


def downgrade():
    # Patterned series cannot be told apart by the older schema: they are removed.
    op.execute('DELETE FROM weekly_shifts WHERE month_week <> 0 OR interval_weeks <> 1')
    with op.batch_alter_table('weekly_shifts', schema=None) as batch_op:
        batch_op.drop_index('ix_weekly_shifts_on_call')
        batch_op.create_index('ix_weekly_shifts_on_call', ON_CALL, unique=False)
        batch_op.drop_constraint('uq_weekly_shifts_slot_pattern_valid_from', type_='unique')
        batch_op.create_unique_constraint('uq_weekly_shifts_slot_valid_from', SLOT)
        for name in CHECKS:
            batch_op.drop_constraint(op.f(f'ck_weekly_shifts_{name}'), type_='check')
        batch_op.drop_column('week_parity')
        batch_op.drop_column('interval_weeks')
        batch_op.drop_column('month_week')
