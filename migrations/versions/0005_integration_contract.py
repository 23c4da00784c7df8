"""plan versions: the integration contract (integreringsloven § 16) printed beside the plan, its HTML and PDF

A version fixed before this has none (both null).

Revision ID: 0005_integration_contract
Revises: 0004
Create Date: 2026-12-04
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0005_integration_contract'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contract_html', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('contract_pdf', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.drop_column('contract_pdf')
        batch_op.drop_column('contract_html')
