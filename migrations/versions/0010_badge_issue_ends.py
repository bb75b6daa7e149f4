"""badges: when each earlier issue stopped admitting (was: the previous issue only)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'badge_issue_ends',
        sa.Column('badge_id', sa.Integer(), nullable=False),
        sa.Column('issue', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['badge_id'], ['badges.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('badge_id', 'issue'),
    )
    op.execute(
        "INSERT INTO badge_issue_ends (badge_id, issue, ended_at) "
        "SELECT id, issue - 1, previous_issue_until FROM badges "
        "WHERE previous_issue_until IS NOT NULL AND issue > 1"
    )
    # Dropped in place, not in a batch: on SQLite the batch rebuilds badges and drops
    # the old table, which deletes the check-ins and leads of its badges and forgets
    # which badge each scan read.
    op.drop_column('badges', 'previous_issue_until')


def downgrade():
    with op.batch_alter_table('badges', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('previous_issue_until', sa.DateTime(timezone=True), nullable=True)
        )
    op.execute(
        "UPDATE badges SET previous_issue_until = (SELECT ended_at FROM badge_issue_ends "
        "WHERE badge_issue_ends.badge_id = badges.id AND badge_issue_ends.issue = badges.issue - 1)"
    )
    op.drop_table('badge_issue_ends')
