"""a lock row per account name, so concurrent sign-in attempts are counted one at a time

Revision ID: 0721
Revises: 0720
Create Date: 2026-12-01 11:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0721'
down_revision = '0720'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_locks',
    sa.Column('account_digest', sa.String(length=64), nullable=False),
    sa.Column('touched_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('account_digest', name=op.f('pk_login_locks'))
    )
    with op.batch_alter_table('login_locks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_locks_touched_at'), ['touched_at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_locks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_locks_touched_at'))

    op.drop_table('login_locks')
