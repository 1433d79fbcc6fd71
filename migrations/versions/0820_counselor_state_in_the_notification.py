"""the busy board's notification carries the counselor's state, not only their id

Revision ID: 0820
Revises: 0810
Create Date: 2026-12-12 09:00:00

Every ring reserves its counselor, so `counselor_state` is announced once per ring and each
worker's listener used to read the row again for every announcement. The payload now holds
what the board keeps (a JSON array: id, phone, busy_since, last_connected_at, reserved_until,
paused_until, then the instant of the change; only the id when the row is gone), so a listener
reads nothing back. The instant makes every announcement unique: PostgreSQL delivers one of
identical payloads sent in a transaction, and a state that comes back within one (reserved,
released, reserved again) must still arrive last. Listeners still take a bare id, as the
earlier function sent; restart the web workers with this migration (a worker of the earlier
code reads every announcement as a bad id and asks the database until it is restarted).
"""
from alembic import op


revision = '0820'
down_revision = '0810'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("""
        CREATE OR REPLACE FUNCTION notify_counselor_state() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                PERFORM pg_notify('counselor_state', json_build_array(OLD.id)::text);
            ELSE
                PERFORM pg_notify('counselor_state', json_build_array(
                    NEW.id, NEW.phone, NEW.busy_since, NEW.last_connected_at,
                    NEW.reserved_until, NEW.paused_until, clock_timestamp())::text);
            END IF;
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql
    """)


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("""
        CREATE OR REPLACE FUNCTION notify_counselor_state() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('counselor_state', COALESCE(NEW.id, OLD.id)::text);
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql
    """)
