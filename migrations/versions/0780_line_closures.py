"""coordinators close a field or the whole line now, until an instant

Revision ID: 0780
Revises: 0800
Create Date: 2026-12-10 09:00:00

`line_closures` holds each closure: the field (none: every field), from when until when
(`ends_at` moves up when a coordinator reopens early; `until` keeps the end they set), the
reason callers hear (a code, and an optional note) and who closed and reopened it. On
PostgreSQL the table announces its changes on `roster_changed` like the other roster tables
(0601), so every worker drops its cached rosters the moment a closure commits.
"""
from alembic import op
import sqlalchemy as sa


revision = '0780'
down_revision = '0800'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('line_closures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('until', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('reopened_at', sa.DateTime(), nullable=True),
    sa.Column('reopened_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_line_closures_ends_after_start')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_line_closures_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['field_id'], ['fields.id'], name=op.f('fk_line_closures_field_id_fields'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reopened_by_id'], ['users.id'], name=op.f('fk_line_closures_reopened_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_line_closures'))
    )
    with op.batch_alter_table('line_closures', schema=None) as batch_op:
        batch_op.create_index('ix_line_closures_ends_at', ['ends_at', 'starts_at'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("""
            CREATE TRIGGER roster_changed
            AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
            ON line_closures FOR EACH STATEMENT EXECUTE FUNCTION notify_roster_changed()
        """)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS roster_changed ON line_closures')
    with op.batch_alter_table('line_closures', schema=None) as batch_op:
        batch_op.drop_index('ix_line_closures_ends_at')
    op.drop_table('line_closures')
