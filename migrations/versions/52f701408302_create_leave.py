"""create leave

Revision ID: 52f701408302
Revises: 80be105d6d8f
Create Date: 2026-11-22 18:23:24.228801

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '52f701408302'
down_revision = '80be105d6d8f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('leave_feed_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_leave_feed_tokens_employee_id_employees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leave_feed_tokens')),
    sa.UniqueConstraint('employee_id', name=op.f('uq_leave_feed_tokens_employee_id')),
    sa.UniqueConstraint('token', name=op.f('uq_leave_feed_tokens_token'))
    )
    op.create_table('leave_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('leave_type', sa.String(length=32), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('start_half', sa.Boolean(), nullable=False),
    sa.Column('end_half', sa.Boolean(), nullable=False),
    sa.Column('days', sa.Float(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('pending', 'approved', 'rejected', 'withdrawn', 'cancelled', name='requeststate', native_enum=False, length=16), nullable=False),
    sa.Column('approval_id', sa.Integer(), nullable=True),
    sa.Column('cancellation_approval_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_leave_requests_employee_id_employees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leave_requests'))
    )
    with op.batch_alter_table('leave_requests', schema=None) as batch_op:
        batch_op.create_index('ix_leave_requests_employee_dates', ['employee_id', 'start_date', 'end_date'], unique=False)
        batch_op.create_index('ix_leave_requests_state_dates', ['state', 'start_date'], unique=False)

    op.create_table('leave_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['leave_requests.id'], name=op.f('fk_leave_attachments_request_id_leave_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leave_attachments')),
    sa.UniqueConstraint('request_id', name=op.f('uq_leave_attachments_request_id'))
    )
    op.create_table('leave_ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('leave_type', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.Enum('grant', 'carry_over', 'use', 'expiry', 'cancellation', 'adjustment', name='entrykind', native_enum=False, length=16), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('days', sa.Float(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('key', sa.String(length=96), nullable=True),
    sa.Column('note', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['employees.id'], name=op.f('fk_leave_ledger_created_by_id_employees'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_leave_ledger_employee_id_employees')),
    sa.ForeignKeyConstraint(['request_id'], ['leave_requests.id'], name=op.f('fk_leave_ledger_request_id_leave_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leave_ledger')),
    sa.UniqueConstraint('employee_id', 'leave_type', 'key', name=op.f('uq_leave_ledger_employee_id_leave_type_key'))
    )
    with op.batch_alter_table('leave_ledger', schema=None) as batch_op:
        batch_op.create_index('ix_leave_ledger_employee_type_on', ['employee_id', 'leave_type', 'effective_on'], unique=False)



def downgrade():
    with op.batch_alter_table('leave_ledger', schema=None) as batch_op:
        batch_op.drop_index('ix_leave_ledger_employee_type_on')

    op.drop_table('leave_ledger')
    op.drop_table('leave_attachments')
    with op.batch_alter_table('leave_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_leave_requests_state_dates')
        batch_op.drop_index('ix_leave_requests_employee_dates')

    op.drop_table('leave_requests')
    op.drop_table('leave_feed_tokens')