"""exhibitors: team invitations are open for a limited time

Invitations made before count as sent with the 14 days of the default setting.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 06:50:00.000000

"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

DAYS = 14


def upgrade():
    with op.batch_alter_table('team_invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    invitations = sa.table(
        'team_invitations',
        sa.column('id', sa.Integer),
        sa.column('created_at', sa.DateTime(timezone=True)),
        sa.column('expires_at', sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(invitations.c.id, invitations.c.created_at)).all()
    for invitation_id, created_at in rows:
        connection.execute(
            invitations.update()
            .where(invitations.c.id == invitation_id)
            .values(expires_at=created_at + timedelta(days=DAYS))
        )
    with op.batch_alter_table('team_invitations', schema=None) as batch_op:
        batch_op.alter_column(
            'expires_at', existing_type=sa.DateTime(timezone=True), nullable=False
        )


def downgrade():
    with op.batch_alter_table('team_invitations', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
