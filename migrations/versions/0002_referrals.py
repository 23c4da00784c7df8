"""referrals: consent, referral and its history, guidance contract, sessions, summary, county career centres

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

The county → career centre table is filled from rules/reference/counties.csv as it is when this runs; from then on
an administrator keeps it (/admin/counties).
"""
import csv
from pathlib import Path
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


COUNTIES_CSV = Path(__file__).resolve().parents[2] / "rules" / "reference" / "counties.csv"


def upgrade() -> None:
    county_career_centre = op.create_table('county_career_centre',
    sa.Column('county_code', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('county_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('career_centre_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('county_code')
    )
    with COUNTIES_CSV.open(encoding="utf-8", newline="") as f:
        op.bulk_insert(county_career_centre, [
            {"county_code": row["code"], "county_name": row["name"], "career_centre_name": row["career_centre"]}
            for row in csv.DictReader(f)])
    op.create_table('consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('recipient_organisation_id', sa.Integer(), nullable=False),
    sa.Column('sections', sa.JSON(), nullable=False),
    sa.Column('sensitive_questions', sa.JSON(), nullable=False),
    sa.Column('given_how', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('withdrawn_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawal_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['recipient_organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_recipient_organisation_id'), ['recipient_organisation_id'], unique=False)

    op.create_table('referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('from_organisation_id', sa.Integer(), nullable=False),
    sa.Column('to_organisation_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('questions', sa.Text(), nullable=False),
    sa.Column('decision_deadline', sa.Date(), nullable=True),
    sa.Column('interpreter_language', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('contact_user_id', sa.Integer(), nullable=False),
    sa.Column('consent_id', sa.Integer(), nullable=True),
    sa.Column('snapshot', sa.JSON(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('planned_first_session', sa.Date(), nullable=True),
    sa.Column('counsellor_id', sa.Integer(), nullable=True),
    sa.Column('decline_reason', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('decline_text', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.ForeignKeyConstraint(['consent_id'], ['consent.id'], ),
    sa.ForeignKeyConstraint(['contact_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['counsellor_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['from_organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['to_organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'version', name='uq_referral_case_version')
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_consent_id'), ['consent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_from_organisation_id'), ['from_organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_to_organisation_id'), ['to_organisation_id'], unique=False)

    op.create_table('guidance_contract',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('goal', sa.Text(), nullable=False),
    sa.Column('frame', sa.Text(), nullable=False),
    sa.Column('agreed_on', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('referral_id')
    )
    op.create_table('guidance_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('form', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('interpreter_used', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('guidance_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guidance_session_referral_id'), ['referral_id'], unique=False)

    op.create_table('guidance_summary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('areas', sa.JSON(), nullable=False),
    sa.Column('recommendation', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('recommendation_text', sa.Text(), nullable=False),
    sa.Column('completed_by_id', sa.Integer(), nullable=False),
    sa.Column('completed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.ForeignKeyConstraint(['completed_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('referral_id')
    )
    with op.batch_alter_table('guidance_summary', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guidance_summary_case_id'), ['case_id'], unique=False)

    op.create_table('referral_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('from_status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('to_status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('user_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('referral_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_event_referral_id'), ['referral_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('referral_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_event_referral_id'))

    op.drop_table('referral_event')
    with op.batch_alter_table('guidance_summary', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guidance_summary_case_id'))

    op.drop_table('guidance_summary')
    with op.batch_alter_table('guidance_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guidance_session_referral_id'))

    op.drop_table('guidance_session')
    op.drop_table('guidance_contract')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_to_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_referral_status'))
        batch_op.drop_index(batch_op.f('ix_referral_from_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_referral_consent_id'))
        batch_op.drop_index(batch_op.f('ix_referral_case_id'))

    op.drop_table('referral')
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_recipient_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_consent_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_consent_case_id'))

    op.drop_table('consent')
    op.drop_table('county_career_centre')
