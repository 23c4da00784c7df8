"""login attempts: successes are recorded too (an address a user has logged in from is known to them), so failures
are no longer deleted at the next success (#12 item 6)

Revision ID: 0009_login_attempts
Revises: 0008_single_sign_on
Create Date: 2026-12-05
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0009_login_attempts'
down_revision: Union[str, Sequence[str], None] = '0008_single_sign_on'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('succeeded', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_column('succeeded')
