"""check-in: the days and badge categories a scan point admitted before each change, and when a company took a visitor off its leads, so that uploaded scans are judged as of their time

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 19:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checkin_scan_points', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rules_history', sa.JSON(), nullable=True))
    op.create_table(
        'checkin_lead_removals',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('badge_id', sa.Integer(), nullable=False),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['badge_id'], ['badges.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('event_id', 'organization_id', 'badge_id'),
    )


def downgrade():
    op.drop_table('checkin_lead_removals')
    # Dropped in place (SQLite has ALTER TABLE ... DROP COLUMN since 3.35), not in a
    # batch: on SQLite the batch rebuilds the table and drops the old one, which
    # deletes the rows that reference it (ON DELETE CASCADE) or is refused by their
    # foreign keys.
    op.drop_column('checkin_scan_points', 'rules_history')
