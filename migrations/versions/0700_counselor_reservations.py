"""a ring reserves its counselor: the reserving call, its leg and the reservation's expiry

Revision ID: 0700
Revises: 0603
Create Date: 2026-12-01 22:10:00

Putting a counselor's number in a <Dial> reserves that counselor for that one call until the
leg ends or the reservation expires, so that overlapping callers never ring the same person.
On PostgreSQL the busy board's trigger also announces changes of the reservation, so every
worker's copy knows who is being rung.
"""
from alembic import op
import sqlalchemy as sa


revision = '0700'
down_revision = '0603'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('counselors') as batch:
        batch.add_column(sa.Column('reserved_call_sid', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('reserved_position', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('reserved_until', sa.DateTime(), nullable=True))
        batch.create_index('ix_counselors_reserved_call_sid', ['reserved_call_sid'])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS counselor_state_changed ON counselors')
        op.execute("""
            CREATE TRIGGER counselor_state_changed
            AFTER INSERT OR DELETE OR UPDATE OF busy_since, last_connected_at, phone,
                reserved_until
            ON counselors FOR EACH ROW EXECUTE FUNCTION notify_counselor_state()
        """)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS counselor_state_changed ON counselors')
        op.execute("""
            CREATE TRIGGER counselor_state_changed
            AFTER INSERT OR DELETE OR UPDATE OF busy_since, last_connected_at, phone
            ON counselors FOR EACH ROW EXECUTE FUNCTION notify_counselor_state()
        """)
    with op.batch_alter_table('counselors') as batch:
        batch.drop_index('ix_counselors_reserved_call_sid')
        batch.drop_column('reserved_until')
        batch.drop_column('reserved_position')
        batch.drop_column('reserved_call_sid')
