"""exhibitors: when a company stopped exhibiting (its lead scans made before count)

The audit log knows it for companies that stopped before: the last change of
status out of approved, placed or confirmed.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 16:30:00.000000

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

EXHIBITING = ('approved', 'placed', 'confirmed')

audit = sa.table(
    'audit_entries',
    sa.column('id', sa.Integer),
    sa.column('action', sa.String),
    sa.column('object_type', sa.String),
    sa.column('object_id', sa.String),
    sa.column('data', sa.JSON),
    sa.column('created_at', sa.DateTime(timezone=True)),
)
exhibitors = sa.table(
    'exhibitors',
    sa.column('id', sa.Integer),
    sa.column('status', sa.String),
    sa.column('exhibiting_until', sa.DateTime(timezone=True)),
)


def stopped_at(entries, stopped):
    """exhibitor id -> the time of its last change out of exhibiting, for the ids in
    `stopped`; `entries`: (object id, data, time), oldest first."""
    found = {}
    for object_id, data, at in entries:
        if isinstance(data, str):
            data = json.loads(data or '{}')
        data = data or {}
        try:
            exhibitor_id = int(object_id)
        except (TypeError, ValueError):
            continue
        if exhibitor_id in stopped and data.get('from') in EXHIBITING:
            if data.get('to') not in EXHIBITING:
                found[exhibitor_id] = at
    return found


def upgrade():
    with op.batch_alter_table('exhibitors', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('exhibiting_until', sa.DateTime(timezone=True), nullable=True)
        )
    bind = op.get_bind()
    stopped = {
        row.id
        for row in bind.execute(
            sa.select(exhibitors.c.id).where(exhibitors.c.status.not_in(EXHIBITING))
        )
    }
    if not stopped:
        return
    entries = bind.execute(
        sa.select(audit.c.object_id, audit.c.data, audit.c.created_at)
        .where(audit.c.object_type == 'Exhibitor', audit.c.action == 'exhibitor.status_changed')
        .order_by(audit.c.created_at, audit.c.id)
    )
    for exhibitor_id, at in stopped_at(entries, stopped).items():
        bind.execute(
            exhibitors.update()
            .where(exhibitors.c.id == exhibitor_id)
            .values(exhibiting_until=at)
        )


def downgrade():
    # Dropped in place (SQLite has ALTER TABLE ... DROP COLUMN since 3.35), not in a
    # batch: on SQLite the batch rebuilds the table and drops the old one, which
    # deletes the rows that reference it (ON DELETE CASCADE) or is refused by their
    # foreign keys.
    op.drop_column('exhibitors', 'exhibiting_until')
