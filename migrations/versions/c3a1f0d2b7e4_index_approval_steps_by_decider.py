"""index approval steps by who decided them

The queue's "approved / rejected by me" views filter approval_steps on decided_by_id; without an index
they read the whole decision history (tests/test_indexes.py).

Revision ID: c3a1f0d2b7e4
Revises: 7d5e40283ea4
Create Date: 2026-11-22 21:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3a1f0d2b7e4'
down_revision = '7d5e40283ea4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('approval_steps', schema=None) as batch_op:
        batch_op.create_index('ix_approval_steps_decided_by', ['decided_by_id', 'decided_at'], unique=False)


def downgrade():
    with op.batch_alter_table('approval_steps', schema=None) as batch_op:
        batch_op.drop_index('ix_approval_steps_decided_by')
