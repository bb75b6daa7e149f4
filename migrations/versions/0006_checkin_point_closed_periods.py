"""check-in: when a scan point was closed, so that uploaded scans are judged by the point as it was

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checkin_scan_points', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_periods', sa.JSON(), nullable=True))


def downgrade():
    # Dropped in place (SQLite has ALTER TABLE ... DROP COLUMN since 3.35), not in a
    # batch: on SQLite the batch rebuilds the table and drops the old one, which
    # deletes the rows that reference it (ON DELETE CASCADE) or is refused by their
    # foreign keys.
    op.drop_column('checkin_scan_points', 'closed_periods')
