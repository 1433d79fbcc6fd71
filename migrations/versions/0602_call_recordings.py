"""the recorded conversation of a call

Revision ID: 0602
Revises: 0601
Create Date: 2026-11-25 20:00:00

With RECORDING_ENABLED the counselor <Dial> is recorded; Twilio's recording status callback
now keeps the recording on its call: the SID (to fetch the audio), the URL (personal data,
encrypted, erased by retention) and the length.
"""
from alembic import op
import sqlalchemy as sa


revision = '0602'
down_revision = '0601'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recording_sid', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('recording_url', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('recording_seconds', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('recording_seconds')
        batch_op.drop_column('recording_url')
        batch_op.drop_column('recording_sid')
