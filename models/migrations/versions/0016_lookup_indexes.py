"""indexes that keep App Home's "closed this week", an account manager's accounts and an account's feedback by
name from reading the whole workspace

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 03:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0016'
down_revision: Union[str, None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('loop', schema=None) as batch_op:
        batch_op.create_index('ix_loop_resolved_at', ['resolved_at'], unique=False)
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.create_index('ix_account_owner', ['workspace_id', 'owner_id'], unique=False)
    op.create_index('ix_feedback_account_key', 'feedback', ['workspace_id', sa.text('lower(account)')], unique=False)


def downgrade() -> None:
    op.drop_index('ix_feedback_account_key', table_name='feedback')
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_index('ix_account_owner')
    with op.batch_alter_table('loop', schema=None) as batch_op:
        batch_op.drop_index('ix_loop_resolved_at')
