"""a weekly shift slot may return in a later validity range

Revision ID: 0501
Revises: 0003
Create Date: 2026-11-25 18:00:00

The same counselor, field, weekday and hours could only exist once, so a counselor who came
back to the same slot after a break could not get a new validity range. The slot is now
unique per start of validity.
"""
from alembic import op


revision = '0501'
down_revision = '0003'
branch_labels = None
depends_on = None

OLD = 'uq_weekly_shifts_counselor_id_field_id_weekday_start_time_end_time'
NEW = 'uq_weekly_shifts_slot_valid_from'
SLOT = ['counselor_id', 'field_id', 'weekday', 'start_time', 'end_time']


def upgrade():
    with op.batch_alter_table('weekly_shifts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(OLD), type_='unique')
        batch_op.create_unique_constraint(NEW, SLOT + ['valid_from'])


def downgrade():
    with op.batch_alter_table('weekly_shifts', schema=None) as batch_op:
        batch_op.drop_constraint(NEW, type_='unique')
        batch_op.create_unique_constraint(op.f(OLD), SLOT)
