"""checkin: the phone that claimed a set-up code may claim it again (a lost answer)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 09:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checkin_devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('setup_claim', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('checkin_devices', schema=None) as batch_op:
        batch_op.drop_column('setup_claim')
