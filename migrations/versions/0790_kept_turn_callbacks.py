"""a caller may keep their place in the queue for a callback

Revision ID: 0790
Revises: 0775
Create Date: 2026-12-02 13:00:00

`calls.kept_turn_at` marks a queue entry whose caller hung up to be called back when their
turn comes (ivr/kept_turn.py); its callback request waits with the status `in_queue`, which
fits the existing status column.
"""
import sqlalchemy as sa
from alembic import op


revision = '0790'
down_revision = '0775'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calls') as batch_op:
        batch_op.add_column(sa.Column('kept_turn_at', sa.DateTime(), nullable=True))


def downgrade():
    op.execute("UPDATE callback_requests SET status = 'pending' WHERE status = 'in_queue'")
    with op.batch_alter_table('calls') as batch_op:
        batch_op.drop_column('kept_turn_at')
