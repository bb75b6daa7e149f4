"""meeting_time_proposals: one side of a scheduled meeting proposes another time slot, the other side accepts or declines

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 06:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'meeting_time_proposals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('slot_id', sa.Integer(), nullable=False),
        sa.Column('proposer_side', sa.String(length=10), nullable=False),
        sa.Column('proposed_by_id', sa.Integer(), nullable=True),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("proposer_side IN ('startup', 'firm')", name=op.f('ck_meeting_time_proposals_proposer_side')),
        sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['slot_id'], ['meeting_slots.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('meeting_time_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_time_proposals_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_time_proposals_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_time_proposals_slot_id'), ['slot_id'], unique=False)
        batch_op.create_index('uq_meeting_time_proposals_open', ['meeting_id'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))


def downgrade():
    with op.batch_alter_table('meeting_time_proposals', schema=None) as batch_op:
        batch_op.drop_index('uq_meeting_time_proposals_open', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index(batch_op.f('ix_meeting_time_proposals_slot_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_time_proposals_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_time_proposals_event_id'))
    op.drop_table('meeting_time_proposals')
