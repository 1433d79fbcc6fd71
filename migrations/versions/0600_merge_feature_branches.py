"""merge the voice line, back office, rosters, reports and on-call index lines

Revision ID: 0600
Revises: 0102, 0202, 0301, 0402, 0502
Create Date: 2026-11-25 18:10:00

"""

revision = '0600'
down_revision = ('0102', '0202', '0301', '0402', '0502')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
