"""plan elements: how far each has come (progress) and whether the plan gives its dates as months only

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('plan_element', schema=None) as batch_op:
        batch_op.add_column(sa.Column('progress', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                                      server_default='planned'))
        batch_op.add_column(sa.Column('month_precision', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('plan_element', schema=None) as batch_op:
        batch_op.drop_column('month_precision')
        batch_op.drop_column('progress')
