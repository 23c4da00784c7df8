"""single sign-on: users' provider subject, logins under way, and the sessions that came from a provider

Revision ID: 0008_single_sign_on
Revises: 0007_leader_figures
Create Date: 2026-12-05
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0008_single_sign_on'
down_revision: Union[str, Sequence[str], None] = '0007_leader_figures'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('oidc_issuer', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('oidc_subject', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint('uq_user_oidc_subject', ['oidc_issuer', 'oidc_subject'])
    op.create_table(
        'oidc_login',
        sa.Column('state', sa.String(length=64), primary_key=True),
        sa.Column('nonce', sa.String(length=64), nullable=False),
        sa.Column('code_verifier', sa.String(length=128), nullable=False),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('next_path', sa.String(length=2000), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index('ix_oidc_login_created_at', 'oidc_login', ['created_at'])
    # No foreign key to user_session: a session is ended by deleting its row, and this one goes with it
    # (intake/oidc.py); rows left by sessions that ran out are removed at the next single sign-on login.
    op.create_table(
        'oidc_session',
        sa.Column('session_id', sa.String(length=64), primary_key=True),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('id_token', sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('oidc_session')
    op.drop_index('ix_oidc_login_created_at', table_name='oidc_login')
    op.drop_table('oidc_login')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint('uq_user_oidc_subject', type_='unique')
        batch_op.drop_column('oidc_subject')
        batch_op.drop_column('oidc_issuer')
