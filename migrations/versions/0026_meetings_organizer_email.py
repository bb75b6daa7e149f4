"""meetings: the ORGANIZER address the meeting's first calendar invitation carried, kept for its updates and cancellation

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    # In place, not in a batch: a batch rebuilds the table on SQLite, and dropping the
    # old copy cascades through the foreign keys of seats and time proposals.
    op.add_column('meetings', sa.Column('organizer_email', sa.String(length=254), nullable=True))
    # Meetings invited before keep the event's current address: their next update
    # carries it and keeps it from then on.


def downgrade():
    op.drop_column('meetings', 'organizer_email')
