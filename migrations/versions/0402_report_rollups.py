"""daily report rollups, and an index to find consultations changed since the last rollup

Revision ID: 0402
Revises: 0401
Create Date: 2026-11-25 17:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0402'
down_revision = '0401'
branch_labels = None
depends_on = None


def _id():
    return sa.Column('id', sa.Integer(), nullable=False)


def _counts(*names):
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def upgrade():
    op.create_table('report_call_days',
    _id(),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('hour', sa.SmallInteger(), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=True),
    *_counts('offered', 'answered', 'abandoned_menu', 'abandoned_queue', 'answered_in_target',
             'wait_seconds_total', 'satisfaction_responses', 'satisfaction_total',
             'score_1', 'score_2', 'score_3', 'score_4', 'score_5'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_call_days'))
    )
    op.create_index('ix_report_call_days_day', 'report_call_days', ['day'], unique=False)
    op.create_table('report_wait_days',
    _id(),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('wait_seconds', sa.Integer(), nullable=False),
    sa.Column('calls', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_wait_days'))
    )
    op.create_index('ix_report_wait_days_day', 'report_wait_days', ['day'], unique=False)
    op.create_table('report_consultation_days',
    _id(),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    *_counts('consultations', 'drafts'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_consultation_days'))
    )
    op.create_index('ix_report_consultation_days_day', 'report_consultation_days', ['day'], unique=False)
    op.create_table('report_counselor_days',
    _id(),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('counselor_id', sa.Integer(), nullable=False),
    *_counts('consultations', 'consultation_minutes', 'calls', 'call_seconds'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_counselor_days'))
    )
    op.create_index('ix_report_counselor_days_day', 'report_counselor_days', ['day'], unique=False)
    op.create_table('report_rollup_state',
    _id(),
    sa.Column('rolled_until', sa.Date(), nullable=True),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_rollup_state'))
    )
    op.create_index('ix_consultations_updated_at', 'consultations', ['updated_at'], unique=False)


def downgrade():
    op.drop_index('ix_consultations_updated_at', table_name='consultations')
    op.drop_table('report_rollup_state')
    op.drop_index('ix_report_counselor_days_day', table_name='report_counselor_days')
    op.drop_table('report_counselor_days')
    op.drop_index('ix_report_consultation_days_day', table_name='report_consultation_days')
    op.drop_table('report_consultation_days')
    op.drop_index('ix_report_wait_days_day', table_name='report_wait_days')
    op.drop_table('report_wait_days')
    op.drop_index('ix_report_call_days_day', table_name='report_call_days')
    op.drop_table('report_call_days')
