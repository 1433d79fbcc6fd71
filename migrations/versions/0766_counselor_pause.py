"""a counselor who keeps not answering is paused for the rest of the shift

Revision ID: 0766
Revises: 0765
Create Date: 2026-12-09 08:30:00

`missed_rings` counts the rings in a row a counselor did not answer; at IVR_PAUSE_AFTER_MISSED
the line sets `paused_until` to the end of their shift, and the busy rule does not ring them
until then (or until they resume). On PostgreSQL the busy board's trigger also announces
changes of the pause, so every worker's copy knows who may not be rung.
"""
from alembic import op
import sqlalchemy as sa


revision = '0766'
down_revision = '0765'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('counselors') as batch:
        batch.add_column(
            sa.Column('missed_rings', sa.Integer(), nullable=False, server_default='0')
        )
        batch.add_column(sa.Column('paused_until', sa.DateTime(), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS counselor_state_changed ON counselors')
        op.execute("""
            CREATE TRIGGER counselor_state_changed
            AFTER INSERT OR DELETE OR UPDATE OF busy_since, last_connected_at, phone,
                reserved_until, paused_until
            ON counselors FOR EACH ROW EXECUTE FUNCTION notify_counselor_state()
        """)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS counselor_state_changed ON counselors')
        op.execute("""
            CREATE TRIGGER counselor_state_changed
            AFTER INSERT OR DELETE OR UPDATE OF busy_since, last_connected_at, phone,
                reserved_until
            ON counselors FOR EACH ROW EXECUTE FUNCTION notify_counselor_state()
        """)
    with op.batch_alter_table('counselors') as batch:
        batch.drop_column('paused_until')
        batch.drop_column('missed_rings')
