"""PostgreSQL: announce changes of counselors' busy flags and of the rosters

Revision ID: 0601
Revises: 0600
Create Date: 2026-11-25 19:40:00

Each web worker keeps a live copy of who is on a call (ivr/busy_board.py) so that a menu
choice can ring a free counselor without a round trip to the database, and caches who is
rostered this minute (ivr/cache.py). Triggers tell the workers when either changes, on
commit:

- `counselor_state` carries the id of a counselor added, removed, or changed in the columns
  the copy holds (busy flag, last connected call, phone);
- `roster_changed` carries the name of a roster table changed by a statement (fields, who
  serves which field, shifts, skipped occurrences, unavailability, closure and opening days,
  a counselor made active or inactive), so cached rosters are dropped at once.

SQLite has no notifications: there every menu choice reads the busy flags, and cached rosters
live for IVR_CACHE_SECONDS.
"""
from alembic import op


revision = '0601'
down_revision = '0600'
branch_labels = None
depends_on = None

ROSTER_TABLES = ('fields', 'counselor_fields', 'weekly_shifts', 'weekly_shift_skips',
                 'one_off_shifts', 'unavailabilities', 'day_overrides')


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
    op.execute("""
        CREATE FUNCTION notify_roster_changed() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('roster_changed', TG_TABLE_NAME);
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql
    """)
    for table in ROSTER_TABLES:
        op.execute(f"""
            CREATE TRIGGER roster_changed
            AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
            ON {table} FOR EACH STATEMENT EXECUTE FUNCTION notify_roster_changed()
        """)
    op.execute("""
        CREATE TRIGGER roster_changed
        AFTER UPDATE OF active ON counselors
        FOR EACH STATEMENT EXECUTE FUNCTION notify_roster_changed()
    """)


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in (*ROSTER_TABLES, 'counselors'):
        op.execute(f'DROP TRIGGER IF EXISTS roster_changed ON {table}')
    op.execute('DROP FUNCTION IF EXISTS notify_roster_changed()')
    op.execute('DROP TRIGGER IF EXISTS counselor_state_changed ON counselors')
    op.execute('DROP FUNCTION IF EXISTS notify_counselor_state()')
