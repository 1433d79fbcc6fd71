"""practice calls: the browser phone's calls are kept apart from the line's figures

Revision ID: 0800
Revises: 0790
Create Date: 2026-12-10 09:00:00

A call played from the back office's browser phone (sandbox mode) is marked `practice`. The
reports, their rollups, the wallboard and the line's metrics count only calls that are not
practice (callcenter/reporting/sources.py `offered`), and a practice call opens no draft
consultation for the counselor who took it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0800'
down_revision = '0790'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calls') as batch:
        batch.add_column(
            sa.Column('practice', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table('calls') as batch:
        batch.drop_column('practice')
