"""badges: when the issue before the current one stopped admitting

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 21:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('badges', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('previous_issue_until', sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    # Dropped in place (SQLite has ALTER TABLE ... DROP COLUMN since 3.35), not in a
    # batch: on SQLite the batch rebuilds the table and drops the old one, which
    # deletes the rows that reference it (ON DELETE CASCADE) or is refused by their
    # foreign keys.
    op.drop_column('badges', 'previous_issue_until')
