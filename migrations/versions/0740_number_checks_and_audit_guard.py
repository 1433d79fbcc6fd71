"""test calls to counselors' numbers; access records protected from edits

Revision ID: 0740
Revises: 0722
Create Date: 2026-12-08 10:00:00

`number_checks` keeps each test call a coordinator sends to a counselor's number and whether
the counselor pressed 1 to confirm it.

The audit log is the line's access record (PIPA's safety-measures standard): a trigger refuses
every UPDATE of `audit_events`, and every DELETE of an event younger than 730 days, the legal
floor of its retention (AUDIT_RETENTION_DAYS may only keep events longer). A later migration
that rebuilds `audit_events` with batch mode on SQLite must create these triggers again.
"""
from alembic import op
import sqlalchemy as sa


revision = '0740'
down_revision = '0722'
branch_labels = None
depends_on = None

FLOOR_DAYS = 730


def upgrade():
    op.create_table(
        'number_checks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('counselor_id', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('phone', sa.String(length=20), nullable=False),
        sa.Column('call_sid', sa.String(length=64), nullable=True),
        sa.Column('result', sa.String(length=16), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['counselor_id'], ['counselors.id'],
            name=op.f('fk_number_checks_counselor_id_counselors'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['requested_by_id'], ['users.id'],
            name=op.f('fk_number_checks_requested_by_id_users'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_number_checks')),
    )
    op.create_index(
        op.f('ix_number_checks_counselor_id'), 'number_checks', ['counselor_id'], unique=False
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"""
            CREATE FUNCTION audit_events_guard() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'UPDATE' THEN
                    RAISE EXCEPTION 'audit events cannot be changed';
                END IF;
                IF OLD.at > (now() AT TIME ZONE 'UTC') - interval '{FLOOR_DAYS} days' THEN
                    RAISE EXCEPTION 'audit events are kept for at least {FLOOR_DAYS} days';
                END IF;
                RETURN OLD;
            END
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER audit_events_guard BEFORE UPDATE OR DELETE ON audit_events
            FOR EACH ROW EXECUTE FUNCTION audit_events_guard()
        """)
    else:
        op.execute("""
            CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
            BEGIN SELECT RAISE(ABORT, 'audit events cannot be changed'); END
        """)
        op.execute(f"""
            CREATE TRIGGER audit_events_keep BEFORE DELETE ON audit_events
            WHEN OLD.at > datetime('now', '-{FLOOR_DAYS} days')
            BEGIN SELECT RAISE(ABORT, 'audit events are kept for at least {FLOOR_DAYS} days');
            END
        """)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_events_guard ON audit_events')
        op.execute('DROP FUNCTION IF EXISTS audit_events_guard()')
    else:
        op.execute('DROP TRIGGER IF EXISTS audit_events_no_update')
        op.execute('DROP TRIGGER IF EXISTS audit_events_keep')
    op.drop_index(op.f('ix_number_checks_counselor_id'), table_name='number_checks')
    op.drop_table('number_checks')
