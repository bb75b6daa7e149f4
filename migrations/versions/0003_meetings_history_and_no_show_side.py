"""meetings: retired slots, the receiver's message of mutual requests, no-show side

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 14:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # Existing slots are all in use by the current settings. Added in place, not in a
    # batch: on SQLite a batch rebuilds a table for a default that is an expression
    # (false), and dropping the old meeting_slots deletes the meetings in its slots.
    op.add_column(
        'meeting_slots',
        sa.Column('retired', sa.Boolean(), nullable=False, server_default=sa.false()),
    )

    with op.batch_alter_table('meeting_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receiver_message', sa.Text(), nullable=False, server_default=''))

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_show_side', sa.String(length=10), nullable=True))


def downgrade():
    # Dropped in place (SQLite has ALTER TABLE ... DROP COLUMN since 3.35), not in a
    # batch: on SQLite the batch rebuilds the table and drops the old one, which
    # deletes the rows that reference it (ON DELETE CASCADE) or is refused by their
    # foreign keys.
    op.drop_column('meetings', 'no_show_side')
    op.drop_column('meeting_requests', 'receiver_message')
    op.drop_column('meeting_slots', 'retired')
