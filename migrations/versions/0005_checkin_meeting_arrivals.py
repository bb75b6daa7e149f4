"""check-in: arrivals of each side of a meetup meeting at the meeting zone

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('checkin_meeting_arrivals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=10), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('badge_id', sa.Integer(), nullable=True),
    sa.Column('scan_point_id', sa.Integer(), nullable=True),
    sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['badge_id'], ['badges.id'], name=op.f('fk_checkin_meeting_arrivals_badge_id_badges'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_checkin_meeting_arrivals_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scan_point_id'], ['checkin_scan_points.id'], name=op.f('fk_checkin_meeting_arrivals_scan_point_id_checkin_scan_points'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_meeting_arrivals')),
    sa.UniqueConstraint('meeting_id', 'slot_id', 'side', name=op.f('uq_checkin_meeting_arrivals_meeting_id_slot_id_side'))
    )
    with op.batch_alter_table('checkin_meeting_arrivals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkin_meeting_arrivals_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkin_meeting_arrivals_meeting_id'), ['meeting_id'], unique=False)


def downgrade():
    with op.batch_alter_table('checkin_meeting_arrivals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_meeting_arrivals_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_checkin_meeting_arrivals_event_id'))

    op.drop_table('checkin_meeting_arrivals')
