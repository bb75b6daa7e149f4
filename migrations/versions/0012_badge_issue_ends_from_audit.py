"""badges: the ends of issues older than the one before the current, from the audit log

Migration 0010 could only move the one end the badges kept (the issue just before
the current one). The audit log knows the rest: an issue stopped admitting when it
was revoked, or else when the badge was printed anew.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 06:00:00.000000

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

audit = sa.table(
    'audit_entries',
    sa.column('id', sa.Integer),
    sa.column('action', sa.String),
    sa.column('object_type', sa.String),
    sa.column('object_id', sa.String),
    sa.column('data', sa.JSON),
    sa.column('created_at', sa.DateTime(timezone=True)),
)
ends = sa.table(
    'badge_issue_ends',
    sa.column('badge_id', sa.Integer),
    sa.column('issue', sa.Integer),
    sa.column('ended_at', sa.DateTime(timezone=True)),
)
badges = sa.table('badges', sa.column('id', sa.Integer), sa.column('issue', sa.Integer))


def recovered_ends(entries, current_issues, known):
    """(badge id, issue) -> when it stopped admitting, for the issues of `entries`
    ((action, object id, data, time), oldest first) not in `known`."""
    revoked, found = {}, {}
    for action, object_id, data, at in entries:
        if isinstance(data, str):
            data = json.loads(data or '{}')
        try:
            badge_id = int(object_id)
        except (TypeError, ValueError):
            continue
        if action == 'badge.revoked':
            revoked.setdefault((badge_id, (data or {}).get('issue')), at)
            continue
        key = (badge_id, (data or {}).get('from_issue'))
        found.setdefault(key, revoked.get(key, at))
    return {
        (badge_id, issue): at
        for (badge_id, issue), at in found.items()
        if (badge_id, issue) not in known
        and isinstance(issue, int)
        and 1 <= issue < current_issues.get(badge_id, 0)
    }


def upgrade():
    bind = op.get_bind()
    known = set(bind.execute(sa.select(ends.c.badge_id, ends.c.issue)).all())
    current_issues = dict(bind.execute(sa.select(badges.c.id, badges.c.issue)).all())
    entries = bind.execute(
        sa.select(audit.c.action, audit.c.object_id, audit.c.data, audit.c.created_at)
        .where(
            audit.c.object_type == 'Badge',
            audit.c.action.in_(['badge.reissued', 'badge.revoked']),
        )
        .order_by(audit.c.created_at, audit.c.id)
    )
    found = recovered_ends(entries, current_issues, known)
    if found:
        op.bulk_insert(
            ends,
            [
                {'badge_id': badge_id, 'issue': issue, 'ended_at': at}
                for (badge_id, issue), at in sorted(found.items())
            ],
        )


def downgrade():
    # The recovered ends are as true as the ones kept since 0010: nothing to undo.
    pass
