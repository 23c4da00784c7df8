"""API tokens with a name, an expiry and a revocation time (#12 item 8); login sessions stored by the SHA-256 of the
cookie's value (#12 item 17); a temporary password that must be changed at the first login (#12 item 15)

Every login session open at upgrade time is dropped, with the single sign-on sessions that hang on them: their rows
hold the cookie's value itself, which the application no longer looks up. Everyone logs in again once.

Tokens made before this revision get no name and expire 90 days after the upgrade (not after their creation, so an
integration does not stop at the upgrade without warning); a revoked one keeps the upgrade's time as its revocation.

Revision ID: 0010_tokens_sessions_passwords
Revises: 0009_login_attempts
Create Date: 2026-12-05
"""
import datetime as dt
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0010_tokens_sessions_passwords'
down_revision: Union[str, Sequence[str], None] = '0009_login_attempts'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    now = dt.datetime.now(dt.timezone.utc)
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    token = sa.table('api_token', sa.column('expires_at', sa.DateTime(timezone=True)),
                     sa.column('revoked_at', sa.DateTime(timezone=True)), sa.column('revoked', sa.Boolean()))
    op.execute(token.update().values(expires_at=now + dt.timedelta(days=90)))
    op.execute(token.update().where(token.c.revoked == sa.true()).values(revoked_at=now))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False)
        batch_op.drop_column('revoked')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.execute(sa.text('DELETE FROM oidc_session'))
    op.execute(sa.text('DELETE FROM user_session'))


def downgrade() -> None:
    # Sessions stay dropped (their cookies' values are not known); tokens lose their names and expiry.
    op.execute(sa.text('DELETE FROM oidc_session'))
    op.execute(sa.text('DELETE FROM user_session'))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked', sa.Boolean(), nullable=False, server_default=sa.false()))
    token = sa.table('api_token', sa.column('revoked_at', sa.DateTime(timezone=True)), sa.column('revoked', sa.Boolean()))
    op.execute(token.update().where(token.c.revoked_at.is_not(None)).values(revoked=True))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('name')
