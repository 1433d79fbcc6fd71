"""default fields: legal, construction, tax, labor

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 17:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

FIELDS = [
    {"code": "legal", "digit": "1", "name_ko": "법률", "name_en": "Legal", "position": 1},
    {"code": "construction", "digit": "2", "name_ko": "건축", "name_en": "Construction",
     "position": 2},
    {"code": "tax", "digit": "3", "name_ko": "세무", "name_en": "Tax", "position": 3},
    {"code": "labor", "digit": "4", "name_ko": "노무", "name_en": "Labor", "position": 4},
]


def upgrade():
    fields = sa.table(
        "fields",
        sa.column("code", sa.String),
        sa.column("digit", sa.String),
        sa.column("name_ko", sa.String),
        sa.column("name_en", sa.String),
        sa.column("position", sa.Integer),
        sa.column("active", sa.Boolean),
    )
    op.bulk_insert(fields, [dict(row, active=True) for row in FIELDS])


def downgrade():
    op.execute(
        sa.text("DELETE FROM fields WHERE code IN ('legal', 'construction', 'tax', 'labor')")
    )
