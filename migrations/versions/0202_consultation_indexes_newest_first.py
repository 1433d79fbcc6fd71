"""consultation indexes sorted newest first within a counselor or field

Revision ID: 0202
Revises: 0201
Create Date: 2026-11-25 18:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0202'
down_revision = '0201'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_index('ix_consultations_counselor_started')
        batch_op.drop_index('ix_consultations_field_started')
        batch_op.create_index('ix_consultations_counselor_started', ['counselor_id', sa.text('started_at DESC')], unique=False)
        batch_op.create_index('ix_consultations_field_started', ['field_id', sa.text('started_at DESC')], unique=False)


def downgrade():
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_index('ix_consultations_field_started')
        batch_op.drop_index('ix_consultations_counselor_started')
        batch_op.create_index('ix_consultations_counselor_started', ['counselor_id', 'started_at'], unique=False)
        batch_op.create_index('ix_consultations_field_started', ['field_id', 'started_at'], unique=False)
