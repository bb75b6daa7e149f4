"""users: when the e-mail address was confirmed (sign-up mails a link to it)

Accounts made before had no confirmation: they count as confirmed when they were
created.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 04:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE users SET email_confirmed_at = created_at")


def downgrade():
    # Dropped in place (SQLite has ALTER TABLE ... DROP COLUMN since 3.35), not in a
    # batch: on SQLite the batch rebuilds the table and drops the old one, which
    # deletes the rows that reference it (ON DELETE CASCADE) or is refused by their
    # foreign keys.
    op.drop_column('users', 'email_confirmed_at')
