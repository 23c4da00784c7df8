"""guidance sessions: the career centre's private notes per session (#16 item 9)

Revision ID: 0012_session_notes
Revises: 0011_figure_times
Create Date: 2026-12-05
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0012_session_notes'
down_revision: Union[str, Sequence[str], None] = '0011_figure_times'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('guidance_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notes', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('notes_updated_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('guidance_session', schema=None) as batch_op:
        batch_op.drop_column('notes_updated_at')
        batch_op.drop_column('notes')
