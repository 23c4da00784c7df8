"""leader figures: the case's settlement date and Norwegian goal as columns, when the municipality first opened a
guidance summary, and the indexes the leaders' figures are counted over

`case.settlement_date` and `case.norwegian_goal` are copied from the answers on every save (intake/cases.py
`_sync_summary`), like the decision deadline; this fills them for the cases already stored.

Revision ID: 0007_leader_figures
Revises: 0006_plan_goal_reasons
Create Date: 2026-12-05
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0007_leader_figures'
down_revision: Union[str, Sequence[str], None] = '0006_plan_goal_reasons'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('settlement_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('norwegian_goal', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))
        batch_op.create_index('ix_case_org_deadline', ['organisation_id', 'decision_deadline'], unique=False)
        batch_op.create_index('ix_case_org_mapping_date', ['organisation_id', 'mapping_date'], unique=False)
        batch_op.create_index('ix_case_org_completed_at', ['organisation_id', 'completed_at'], unique=False)
        batch_op.create_index('ix_case_created_by_id', ['created_by_id'], unique=False)
    with op.batch_alter_table('guidance_summary', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('opened_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_guidance_summary_opened_by_id_user', 'user', ['opened_by_id'], ['id'])
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index('ix_referral_from_org_sent_at', ['from_organisation_id', 'sent_at'], unique=False)
        batch_op.create_index('ix_referral_to_org_sent_at', ['to_organisation_id', 'sent_at'], unique=False)
    with op.batch_alter_table('referral_event', schema=None) as batch_op:
        batch_op.create_index('ix_referral_event_referral_action', ['referral_id', 'action'], unique=False)
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.create_index('ix_plan_version_plan_fixed_at', ['plan_id', 'fixed_at'], unique=False)
    _fill_case_columns()


def _fill_case_columns() -> None:
    """The new columns of the cases already stored, read from their answers the way a save reads them."""
    from intake.cases import leader_columns

    conn = op.get_bind()
    case = sa.table('case', sa.column('id', sa.Integer), sa.column('answers', sa.JSON),
                    sa.column('mapping_date', sa.Date), sa.column('settlement_date', sa.Date),
                    sa.column('norwegian_goal', sa.String))
    for row in conn.execute(sa.select(case.c.id, case.c.answers, case.c.mapping_date)).all():
        values = leader_columns(row.answers or {}, row.mapping_date)
        if any(v is not None for v in values.values()):
            conn.execute(sa.update(case).where(case.c.id == row.id).values(**values))


def downgrade() -> None:
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_version_plan_fixed_at')
    with op.batch_alter_table('referral_event', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_event_referral_action')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_to_org_sent_at')
        batch_op.drop_index('ix_referral_from_org_sent_at')
    with op.batch_alter_table('guidance_summary', schema=None) as batch_op:
        batch_op.drop_constraint('fk_guidance_summary_opened_by_id_user', type_='foreignkey')
        batch_op.drop_column('opened_by_id')
        batch_op.drop_column('opened_at')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_created_by_id')
        batch_op.drop_index('ix_case_org_completed_at')
        batch_op.drop_index('ix_case_org_mapping_date')
        batch_op.drop_index('ix_case_org_deadline')
        batch_op.drop_column('norwegian_goal')
        batch_op.drop_column('settlement_date')
