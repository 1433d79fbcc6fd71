"""open swap requests and offers of uncovered hours

Revision ID: 0751
Revises: 0750
Create Date: 2026-12-09 08:30:00

A swap request may go to anyone serving the field (no recipient until the first colleague
accepts), and a coordinator may offer the hours of a gap the same way (no requester).
`reminded_at` records the reminder sent when nobody had taken it shortly before the shift.
"""
from alembic import op
import sqlalchemy as sa


revision = '0751'
down_revision = '0750'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shift_swaps', schema=None) as batch_op:
        batch_op.alter_column('requester_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('recipient_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(), nullable=True))


def downgrade():
    # Open requests and gap offers have no place in the older schema.
    op.execute('DELETE FROM shift_swaps WHERE requester_id IS NULL OR recipient_id IS NULL')
    with op.batch_alter_table('shift_swaps', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')
        batch_op.alter_column('recipient_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('requester_id', existing_type=sa.Integer(), nullable=False)
