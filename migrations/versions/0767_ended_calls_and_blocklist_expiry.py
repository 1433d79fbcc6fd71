"""why the line ended a conversation; blocklist entries that run out

Revision ID: 0767
Revises: 0766
Create Date: 2026-12-09 09:00:00

`calls.end_reason` says why the line, not a party, ended a conversation: `abuse` (a counselor
ended an abusive call, after the caller heard the notice) or `time_limit` (it reached
IVR_CONVERSATION_LIMIT_MINUTES). A blocklist entry with `expires_at` stops refusing the number
at that instant; without it the entry holds until a coordinator removes it, as before.
"""
from alembic import op
import sqlalchemy as sa


revision = '0767'
down_revision = '0766'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calls') as batch:
        batch.add_column(sa.Column('end_reason', sa.String(length=16), nullable=True))
    with op.batch_alter_table('blocked_numbers') as batch:
        batch.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('blocked_numbers') as batch:
        batch.drop_column('expires_at')
    with op.batch_alter_table('calls') as batch:
        batch.drop_column('end_reason')
