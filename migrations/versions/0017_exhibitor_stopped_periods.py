"""exhibitors: each period a company did not exhibit after it had, so that a lead scan made while it did not, uploaded after it was approved again, does not count

The audit log knows the periods of companies that stopped before: from each change
of status out of approved, placed or confirmed to the next change back in.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 22:20:00.000000

"""
import json
from datetime import timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
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
    sa.column('stopped_periods', sa.JSON),
)


def _iso(moment):
    # SQLite hands back the stored UTC time without its zone.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat().replace('+00:00', 'Z')


def stopped_periods(entries):
    """exhibitor id -> [[start, end or None], ...]; `entries`: (object id, data, time)
    of its changes of status, oldest first."""
    found = {}
    for object_id, data, at in entries:
        if isinstance(data, str):
            data = json.loads(data or '{}')
        data = data or {}
        try:
            exhibitor_id = int(object_id)
        except (TypeError, ValueError):
            continue
        was, now = data.get('from') in EXHIBITING, data.get('to') in EXHIBITING
        periods = found.setdefault(exhibitor_id, [])
        lasting = bool(periods) and periods[-1][1] is None
        if was and not now and not lasting:
            periods.append([_iso(at), None])
        elif now and not was and lasting:
            periods[-1][1] = _iso(at)
    return {key: periods for key, periods in found.items() if periods}


def upgrade():
    with op.batch_alter_table('exhibitors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stopped_periods', sa.JSON(), nullable=True))
    bind = op.get_bind()
    entries = bind.execute(
        sa.select(audit.c.object_id, audit.c.data, audit.c.created_at)
        .where(audit.c.object_type == 'Exhibitor', audit.c.action == 'exhibitor.status_changed')
        .order_by(audit.c.created_at, audit.c.id)
    )
    for exhibitor_id, periods in stopped_periods(entries).items():
        bind.execute(
            exhibitors.update()
            .where(exhibitors.c.id == exhibitor_id)
            .values(stopped_periods=periods)
        )


def downgrade():
    # Dropped in place (SQLite has ALTER TABLE ... DROP COLUMN since 3.35), not in a
    # batch: on SQLite the batch rebuilds the table and drops the old one, which
    # deletes the rows that reference it (ON DELETE CASCADE) or is refused by their
    # foreign keys.
    op.drop_column('exhibitors', 'stopped_periods')
