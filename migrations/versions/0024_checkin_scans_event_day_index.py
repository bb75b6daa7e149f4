"""checkin_scans: an index on (event_id, day), for the scan log's list of days and its filter by day

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 09:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_checkin_scans_event_day', 'checkin_scans', ['event_id', 'day'], unique=False)


def downgrade():
    op.drop_index('ix_checkin_scans_event_day', table_name='checkin_scans')
