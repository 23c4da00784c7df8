"""figure times: when a case's plan was first fixed, and when each referral was first accepted, declined, started and
its summary sent back, as columns with indexes, so each leader's figure is an indexed aggregate over one table
(#13). The app sets them where the events happen (intake/plans/fixing.py, intake/referrals.py); this fills them for
what is stored, from the plan versions, the referrals' history and the summaries. The figures' indexes are widened
to hold every column their figures read (a referral's first session is found by the sessions' index).

Revision ID: 0011_figure_times
Revises: 0010_tokens_sessions_passwords
Create Date: 2026-12-05
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0011_figure_times'
down_revision: Union[str, Sequence[str], None] = '0010_tokens_sessions_passwords'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

REFERRAL_TIMES = {'accepted_at': 'accept', 'declined_at': 'decline', 'started_at': 'start'}
# (table, index, columns before, columns now): None where the index is new. Each now holds every column its figures
# read, so the database answers them from the index alone.
INDEXES = [
    ('case', 'ix_case_org_deadline', ['organisation_id', 'decision_deadline'],
     ['organisation_id', 'decision_deadline', 'first_fixed_at']),
    ('case', 'ix_case_org_mapping_date', ['organisation_id', 'mapping_date'],
     ['organisation_id', 'mapping_date', 'first_fixed_at', 'status']),
    ('case', 'ix_case_org_completed_at', ['organisation_id', 'completed_at'],
     ['organisation_id', 'completed_at', 'settlement_date']),
    ('case', 'ix_case_org_first_fixed', None,
     ['organisation_id', 'first_fixed_at', 'decision_deadline', 'settlement_date', 'norwegian_goal']),
    ('case', 'ix_case_org_created_by', None, ['organisation_id', 'created_by_id', 'first_fixed_at', 'completed_at']),
    ('referral', 'ix_referral_from_org_sent_at', ['from_organisation_id', 'sent_at'],
     ['from_organisation_id', 'sent_at', 'accepted_at', 'started_at', 'summary_at']),
    ('referral', 'ix_referral_to_org_sent_at', ['to_organisation_id', 'sent_at'],
     ['to_organisation_id', 'sent_at', 'status', 'accepted_at', 'summary_at']),
    ('referral', 'ix_referral_to_org_declined_at', None,
     ['to_organisation_id', 'declined_at', 'status', 'decline_reason']),
    ('referral', 'ix_referral_to_org_summary_at', None, ['to_organisation_id', 'summary_at']),
    ('referral', 'ix_referral_case_sent_at', None, ['case_id', 'sent_at']),
    ('guidance_session', 'ix_guidance_session_referral_held_on', None,
     ['referral_id', 'held_on', 'form', 'interpreter_used', 'created_by_id']),
    ('plan_element', 'ix_plan_element_plan_status', None, ['plan_id', 'status', 'code', 'oriented']),
    ('plan', 'ix_plan_case_figures', None, ['case_id', 'end_goal', 'duration_months']),
]


def upgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_fixed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    with op.batch_alter_table('referral', schema=None) as batch_op:
        for column in (*REFERRAL_TIMES, 'summary_at'):
            batch_op.add_column(sa.Column(column, sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    _fill()
    for table, name, before, now in INDEXES:
        if before is not None:
            op.drop_index(name, table_name=table)
        op.create_index(name, table, now, unique=False)


def _fill() -> None:
    """The first version's fixing time, the history's first event of each kind and the summary's time: what the
    figures read from those tables before."""
    case = sa.table('case', sa.column('id', sa.Integer), sa.column('first_fixed_at'))
    plan = sa.table('plan', sa.column('id', sa.Integer), sa.column('case_id', sa.Integer))
    version = sa.table('plan_version', sa.column('plan_id', sa.Integer), sa.column('number', sa.Integer),
                       sa.column('fixed_at'))
    referral = sa.table('referral', sa.column('id', sa.Integer), *(sa.column(c) for c in REFERRAL_TIMES),
                        sa.column('summary_at'))
    event = sa.table('referral_event', sa.column('referral_id', sa.Integer), sa.column('action', sa.String),
                     sa.column('at'))
    summary = sa.table('guidance_summary', sa.column('referral_id', sa.Integer), sa.column('completed_at'))
    first = (sa.select(sa.func.min(version.c.fixed_at)).select_from(version.join(plan, plan.c.id == version.c.plan_id))
             .where(plan.c.case_id == case.c.id, version.c.number == 1).scalar_subquery())
    op.execute(case.update().values(first_fixed_at=first))
    times = {column: sa.select(sa.func.min(event.c.at)).where(event.c.referral_id == referral.c.id,
                                                             event.c.action == action).scalar_subquery()
             for column, action in REFERRAL_TIMES.items()}
    times['summary_at'] = (sa.select(sa.func.min(summary.c.completed_at))
                           .where(summary.c.referral_id == referral.c.id).scalar_subquery())
    op.execute(referral.update().values(**times))


def downgrade() -> None:
    for table, name, before, _now in reversed(INDEXES):
        op.drop_index(name, table_name=table)
        if before is not None:
            op.create_index(name, table, before, unique=False)
    with op.batch_alter_table('referral', schema=None) as batch_op:
        for column in ('summary_at', *reversed(REFERRAL_TIMES)):
            batch_op.drop_column(column)
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_column('first_fixed_at')
