"""badges: when a badge's category ended, so that an offline scanner's upload is judged by the category of the scan's time

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'badge_category_ends',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('badge_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=20), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['badge_id'], ['badges.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_badge_category_ends_badge', 'badge_category_ends', ['badge_id', 'ended_at'])


def downgrade():
    op.drop_index('ix_badge_category_ends_badge', table_name='badge_category_ends')
    op.drop_table('badge_category_ends')
