"""plans: the caseworker's decisions the law guides (#15 section 5): a written reason for an end goal other than the
main rule, the participant's Norwegian goal per skill with a reason where it is below the guiding level, and whether
an own element is work- or education-oriented

A plan made before this has no reasons (empty), no goal of its own (null: the guiding goal is the plan's) and no own
element marked (null).

Revision ID: 0006_plan_goal_reasons
Revises: 0005_integration_contract
Create Date: 2026-12-05
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0006_plan_goal_reasons'
down_revision: Union[str, Sequence[str], None] = '0005_integration_contract'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('end_goal_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('norwegian_goal', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('norwegian_goal_reason', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('plan_element', schema=None) as batch_op:
        batch_op.add_column(sa.Column('oriented', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('plan_element', schema=None) as batch_op:
        batch_op.drop_column('oriented')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('norwegian_goal_reason')
        batch_op.drop_column('norwegian_goal')
        batch_op.drop_column('end_goal_reason')
