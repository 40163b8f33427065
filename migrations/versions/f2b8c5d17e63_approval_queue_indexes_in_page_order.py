"""approval queue indexes in page order

`ix_approval_steps_queue` (state, decider_kind, decider_id, role, reached_at) found the steps waiting for a
person or a role, but not in the queue's order (oldest first, then id), so HR's queue read all 2,145 steps
waiting for HR and joined each to its request before keeping 26 (bench/README.md, issue #10). Two indexes
replace it, one per kind of decider, each in the queue's order: the queue walks each and stops at the page's
last row (HR's first page: 5.3 ms → 0.2 ms in PostgreSQL at 10,000 people).

Revision ID: f2b8c5d17e63
Revises: e1d7a2c94b10
Create Date: 2026-11-23 01:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f2b8c5d17e63'
down_revision = 'e1d7a2c94b10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('approval_steps', schema=None) as batch_op:
        batch_op.drop_index('ix_approval_steps_queue')
        batch_op.create_index('ix_approval_steps_waiting_person', ['state', 'decider_id', 'reached_at', 'id'],
                              unique=False)
        batch_op.create_index('ix_approval_steps_waiting_role', ['state', 'role', 'reached_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('approval_steps', schema=None) as batch_op:
        batch_op.drop_index('ix_approval_steps_waiting_role')
        batch_op.drop_index('ix_approval_steps_waiting_person')
        batch_op.create_index('ix_approval_steps_queue', ['state', 'decider_kind', 'decider_id', 'role', 'reached_at'],
                              unique=False)
