"""one call leg per position of a call

Revision ID: 0102
Revises: 0101
Create Date: 2026-11-25 18:00:00

"""
from alembic import op


revision = '0102'
down_revision = '0101'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('call_legs', schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f('uq_call_legs_call_id_position'), ['call_id', 'position']
        )


def downgrade():
    with op.batch_alter_table('call_legs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_call_legs_call_id_position'), type_='unique')
