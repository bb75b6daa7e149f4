"""checkin_scan_points: when someone signed in first opened the point's scanner page (a point whose phones may hold scans queued offline is not deleted)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    # In place, not in a batch: a batch rebuilds the table on SQLite, and dropping the
    # old copy cascades through the foreign keys of scans, check-ins and leads.
    op.add_column(
        'checkin_scan_points',
        sa.Column('scanner_opened_at', sa.DateTime(timezone=True), nullable=True),
    )
    # Points that anything was scanned at stay anyway; for the others the page's
    # opening was not kept, and deleting them stays allowed as before.


def downgrade():
    op.drop_column('checkin_scan_points', 'scanner_opened_at')
