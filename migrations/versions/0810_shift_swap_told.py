"""who was texted about an open swap request or gap offer

Revision ID: 0810
Revises: 0780
Create Date: 2026-12-11 09:00:00

`shift_swap_told` keeps each counselor texted about an open request or a coordinator's offer,
so that when somebody takes the shift, or it is withdrawn, the same counselors are told it
is gone (and nobody who never heard of it).
"""
from alembic import op
import sqlalchemy as sa


revision = '0810'
down_revision = '0780'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('shift_swap_told',
    sa.Column('swap_id', sa.Integer(), nullable=False),
    sa.Column('counselor_id', sa.Integer(), nullable=False),
    sa.Column('told_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['counselor_id'], ['counselors.id'], name=op.f('fk_shift_swap_told_counselor_id_counselors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['swap_id'], ['shift_swaps.id'], name=op.f('fk_shift_swap_told_swap_id_shift_swaps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('swap_id', 'counselor_id', name=op.f('pk_shift_swap_told'))
    )
    with op.batch_alter_table('shift_swap_told', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shift_swap_told_counselor_id'), ['counselor_id'], unique=False)


def downgrade():
    with op.batch_alter_table('shift_swap_told', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shift_swap_told_counselor_id'))
    op.drop_table('shift_swap_told')
