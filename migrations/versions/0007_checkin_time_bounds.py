"""check-in: check-ins and leads dated only by a lower bound keep the latest they can have been

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('checkin_checkins', 'checkin_leads'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('latest_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    for table in ('checkin_checkins', 'checkin_leads'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('latest_at')
