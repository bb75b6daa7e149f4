"""check-in: when a meeting arrival was recorded

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 22:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checkin_meeting_arrivals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('checkin_meeting_arrivals', schema=None) as batch_op:
        batch_op.drop_column('recorded_at')
