"""mask the phone numbers and search words that reached columns kept in clear

Revision ID: 0722
Revises: 0721
Create Date: 2026-12-01 12:00:00

Twilio's refusals name the number they refused, and that text went into
outbox_messages.error unencrypted; consultation exports audited their filters with the
search words. New rows carry masked numbers and no search words; this masks the old ones
(every digit but the last four of anything shaped like a phone number) and replaces an
audited search with `"searched": true`. Nothing to undo: the clear text is gone.
"""
import json
import re

from alembic import op
import sqlalchemy as sa


revision = '0722'
down_revision = '0721'
branch_labels = None
depends_on = None

# The same shapes as callcenter.phones.mask_numbers, kept here so this revision never changes.
NUMBER = re.compile(
    r"(?<![\w+%])(?:(?:\+|%2B)\d(?:[\s.\-]?\d){6,14}|0\d{1,2}[\s.\-]?\d{3,4}[\s.\-]?\d{4})(?!\w)",
    re.IGNORECASE,
)


def _mask(match):
    text = match.group(0)
    keep = sum(c.isdigit() for c in text) - 4
    out = []
    for c in text:
        if c.isdigit() and keep > 0:
            out.append("*")
            keep -= 1
        else:
            out.append(c)
    return "".join(out)


def upgrade():
    bind = op.get_bind()
    outbox = sa.table('outbox_messages', sa.column('id', sa.Integer), sa.column('error', sa.Text))
    for row in bind.execute(sa.select(outbox.c.id, outbox.c.error).where(outbox.c.error.is_not(None))):
        masked = NUMBER.sub(_mask, row.error)
        if masked != row.error:
            bind.execute(outbox.update().where(outbox.c.id == row.id).values(error=masked))

    audit = sa.table(
        'audit_events', sa.column('id', sa.Integer), sa.column('action', sa.String),
        sa.column('detail', sa.JSON),
    )
    for row in bind.execute(sa.select(audit.c.id, audit.c.detail).where(audit.c.action == 'export')):
        detail = row.detail if isinstance(row.detail, dict) else json.loads(row.detail or 'null')
        filters = (detail or {}).get('filters')
        if isinstance(filters, dict) and filters.pop('q', None):
            filters['searched'] = True
            bind.execute(audit.update().where(audit.c.id == row.id).values(detail=detail))


def downgrade():
    pass
