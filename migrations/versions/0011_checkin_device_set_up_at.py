"""checkin: a set-up code sets up one phone (when it was opened)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checkin_devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('set_up_at', sa.DateTime(timezone=True), nullable=True))
    # A device that has fetched its configuration was set up on a phone: its code
    # sets up no other. Codes never used stay open for their one phone.
    op.execute("UPDATE checkin_devices SET set_up_at = last_seen_at WHERE last_seen_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('checkin_devices', schema=None) as batch_op:
        batch_op.drop_column('set_up_at')
