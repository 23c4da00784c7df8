"""Runs the Alembic migrations in `migrations/` (the only source of the schema)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from .config import ROOT


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from .db import get_engine

    with get_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate; a database whose schema this creates gets its erasure register and its first audit anchor (a
    database the ledger does not know is otherwise an error: intake/audit_anchor.py). On PostgreSQL the ledger's
    schema is made where it is missing (intake/ledger.py)."""
    from . import audit_anchor, ledger
    from .db import get_engine, new_session

    new = current_revision(url) is None
    command.upgrade(alembic_config(url), revision)
    with new_session(get_engine(url)) as db:
        if db.get_bind().dialect.name == "postgresql":
            ledger.create_schema(db)
        if new and revision == "head":
            audit_anchor.start(db)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)
