"""voice messages remember when the coordinators were told they were overdue

Revision ID: 0765
Revises: 0740
Create Date: 2026-12-09 08:00:00

A new voice message is assigned to the field's next on-call counselor and announced by SMS;
one still unhandled a working day later is reported to the coordinators once, which
`overdue_alerted_at` records.
"""
from alembic import op
import sqlalchemy as sa


revision = '0765'
down_revision = '0755'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('voicemails') as batch:
        batch.add_column(sa.Column('overdue_alerted_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('voicemails') as batch:
        batch.drop_column('overdue_alerted_at')
