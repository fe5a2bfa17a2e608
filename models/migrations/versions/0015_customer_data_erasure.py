"""customer data erasure: feedback.forgotten_at, team.mask_emails

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 23:05:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import models.base


revision: str = '0015'
down_revision: Union[str, None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('forgotten_at', models.base.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mask_emails', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_column('mask_emails')

    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_column('forgotten_at')
