"""public form attempts, counted for the online callback ticket's rate limits

Revision ID: 0401
Revises: 0003
Create Date: 2026-11-25 17:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0401'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('public_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('phone_digest', sa.String(length=64), nullable=True),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_attempts'))
    )
    with op.batch_alter_table('public_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_public_attempts_action_address', ['action', 'ip_address', 'at'], unique=False)
        batch_op.create_index('ix_public_attempts_action_phone', ['action', 'phone_digest', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_attempts_at'), ['at'], unique=False)


def downgrade():
    with op.batch_alter_table('public_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_attempts_at'))
        batch_op.drop_index('ix_public_attempts_action_phone')
        batch_op.drop_index('ix_public_attempts_action_address')

    op.drop_table('public_attempts')
