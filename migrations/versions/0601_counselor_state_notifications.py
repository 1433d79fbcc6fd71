"""PostgreSQL: announce changes of a counselor's busy flag, last call or phone

Revision ID: 0601
Revises: 0600
Create Date: 2026-11-25 19:40:00

Each web worker keeps a live copy of who is on a call (ivr/busy_board.py) so that a menu
choice can ring a free counselor without a round trip to the database. A trigger sends the
counselor's id on the `counselor_state` channel whenever a row is added, removed, or changes
the columns that copy holds; the notification is delivered when the transaction commits.
SQLite has no notifications: there every menu choice reads the table.
"""
from alembic import op


revision = '0601'
down_revision = '0600'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("""
        CREATE FUNCTION notify_counselor_state() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('counselor_state', COALESCE(NEW.id, OLD.id)::text);
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql
    """)
    op.execute("""
        CREATE TRIGGER counselor_state_changed
        AFTER INSERT OR DELETE OR UPDATE OF busy_since, last_connected_at, phone
        ON counselors FOR EACH ROW EXECUTE FUNCTION notify_counselor_state()
    """)


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('DROP TRIGGER IF EXISTS counselor_state_changed ON counselors')
    op.execute('DROP FUNCTION IF EXISTS notify_counselor_state()')
