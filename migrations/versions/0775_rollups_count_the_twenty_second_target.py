"""report rollups count answers within 20 seconds: roll every day up again

Revision ID: 0775
Revises: 0740
Create Date: 2026-12-09 09:00:00

The service level now counts calls answered within 20 seconds (it was 30). Days already
rolled up hold counts against the old target; forgetting how far the rollup went makes the
reports read those days from the calls themselves until the next rollup run recomputes
them all (callcenter/reporting/rollup.py). No figure is lost: rolling up reads the calls,
which retention only pseudonymises.
"""
from alembic import op


revision = '0775'
down_revision = '0767'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE report_rollup_state SET rolled_until = NULL, refreshed_at = NULL")


def downgrade():
    # The rollup is rebuilt by its next run either way.
    op.execute("UPDATE report_rollup_state SET rolled_until = NULL, refreshed_at = NULL")
