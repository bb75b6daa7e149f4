"""colleague_invitations: the colleague links sent for a company named by an attendee, listed on its meetup profile while they wait

Links sent before are not known: they keep working, and are not listed.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 07:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'colleague_invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_id', 'organization_id', 'user_id'),
    )
    with op.batch_alter_table('colleague_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_colleague_invitations_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_colleague_invitations_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('colleague_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_colleague_invitations_user_id'))
        batch_op.drop_index(batch_op.f('ix_colleague_invitations_event_id'))
    op.drop_table('colleague_invitations')
