"""report rollups count the calls abandoned while a counselor's phone rang

Revision ID: 0603
Revises: 0602
Create Date: 2026-11-25 20:10:00

A caller who hangs up while the line rings a counselor, or while the counselor hears the
whisper, is recorded with the outcome `abandoned_ringing`; the daily call rollup counts those
calls beside the ones abandoned in the menu and in the queue. Days rolled up before this
revision had no such calls, so their count is 0.
"""
from alembic import op
import sqlalchemy as sa


revision = '0603'
down_revision = '0602'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report_call_days', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('abandoned_ringing', sa.Integer(), nullable=False, server_default='0')
        )


def downgrade():
    with op.batch_alter_table('report_call_days', schema=None) as batch_op:
        batch_op.drop_column('abandoned_ringing')
