"""meetings: where the meeting tables are, in English beside Korean

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    # Rows kept so far read the one label they have on pages of both languages. The
    # server default stays: taking it off rebuilds the table on SQLite, which its
    # foreign keys refuse once a meeting sits at a table.
    for table, column in (('meeting_settings', 'table_label_en'), ('meeting_tables', 'label_en')):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(column, sa.String(length=100), nullable=False, server_default='')
            )


def downgrade():
    # Dropped in place (SQLite has ALTER TABLE ... DROP COLUMN since 3.35), not in a
    # batch: the batch rebuilt meeting_tables on SQLite, which its foreign keys refused
    # once a meeting sat at a table.
    for table, column in (('meeting_settings', 'table_label_en'), ('meeting_tables', 'label_en')):
        op.drop_column(table, column)
