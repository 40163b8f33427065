"""directory search key: one generated column and an index in name order

The directory matched `lower(…) LIKE '%…%'` on the name, English name, title and department name of every
person, reading all of them for each search (bench/README.md, issue #10). `employees.search_key` holds the
first three, lowered and joined by the database (generated: kept on every write, COPY included), and
`ix_employees_directory` lists active people in name order with what the search reads, so a search walks
the index and stops at the page's last match.

Revision ID: e1d7a2c94b10
Revises: c3a1f0d2b7e4
Create Date: 2026-11-23 00:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1d7a2c94b10'
down_revision = 'c3a1f0d2b7e4'
branch_labels = None
depends_on = None

# As ess.people.models.DIRECTORY_SEARCH_KEY was when this ran (a migration does not follow later edits).
SEARCH_KEY = "lower(name) || '\n' || coalesce(lower(name_en), '') || '\n' || coalesce(lower(title), '')"


def upgrade():
    # Stored on PostgreSQL, virtual on SQLite (which can add only a virtual generated column to a table).
    op.add_column('employees', sa.Column('search_key', sa.Text(), sa.Computed(SEARCH_KEY), nullable=True))
    op.create_index('ix_employees_directory', 'employees',
                    ['status', 'name', 'id', 'department_id', 'search_key'], unique=False)


def downgrade():
    op.drop_index('ix_employees_directory', table_name='employees')
    with op.batch_alter_table('employees', schema=None) as batch_op:
        batch_op.drop_column('search_key')
