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
    with op.batch_alter_table('meeting_slots', schema=None) as batch_op:
        # Existing slots are all in use by the current settings.
        batch_op.add_column(sa.Column('retired', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('meeting_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receiver_message', sa.Text(), nullable=False, server_default=''))

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_show_side', sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('no_show_side')

    with op.batch_alter_table('meeting_requests', schema=None) as batch_op:
        batch_op.drop_column('receiver_message')

    with op.batch_alter_table('meeting_slots', schema=None) as batch_op:
        batch_op.drop_column('retired')
