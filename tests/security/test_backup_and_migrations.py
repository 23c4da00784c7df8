"""Backup and restore give back exactly what was there; the migrations build the schema from nothing, step down one
revision and back up. Each test has a database of its own (SQLite, or PostgreSQL in the PostgreSQL run)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect, select, text
from sqlmodel import SQLModel

from intake.config import ROOT
from intake.db import get_engine, new_session
from intake.migrate import alembic_config, downgrade, upgrade
from intake.models import Case, Organisation, User
from tests.days import main_py_argv
from tests.personas import AHMAD, AMAL, YONAS
from tests.scratch import postgres_url, scratch_database


def main(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "KARTLEGGING_DEMO": "1"}
    proc = subprocess.run(main_py_argv(*args), cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    engine = get_engine(url)
    meta = MetaData()
    meta.reflect(bind=engine)
    out = {}
    with engine.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            order = list(table.primary_key.columns) or list(table.columns)
            out[name] = [tuple(row) for row in conn.execute(select(table).order_by(*order))]
    return out


def populate(url: str) -> None:
    from intake import audit
    from intake.cases import create_case
    from intake.security import hash_password

    with new_session(get_engine(url)) as db:
        org = Organisation(name="Drammen kommune", kind="municipality", municipality_number="3301", county_code="33")
        db.add(org)
        db.flush()
        user = User(username="vera", full_name="Vera Veileder", role="caseworker", organisation_id=org.id,
                    password_hash=hash_password("et langt passord"))
        db.add(user)
        db.commit()
        for persona in (AMAL, YONAS, AHMAD):
            case, errors = create_case(db, user, dict(persona))
            assert not errors
        audit.record(db, user, "login", "user", user.id)
        db.commit()


def test_backup_and_restore_give_back_every_table_exactly(database_url, tmp_path):  # (demo mode: synthetic ids)
    with scratch_database("backup") as url:
        populate(url)
        before = snapshot(url)
        assert len(before["case"]) == 3 and before["audit_entry"]
        backup = tmp_path / "kartlegging.bak"
        try:
            main(url, "backup", str(backup))
            # Life goes on after the backup: a case is deleted, another changed, an organisation added.
            with get_engine(url).begin() as conn:
                first, second = [r[0] for r in conn.execute(select(Case.id).order_by(Case.id))][:2]
                conn.execute(text("DELETE FROM audit_entry"))
                conn.execute(Case.__table__.delete().where(Case.id == first))
                conn.execute(Case.__table__.update().where(Case.id == second).values(participant_name="Endret"))
                conn.execute(Organisation.__table__.insert().values(name="Ny", kind="municipality",
                                                                    municipality_number="4601", county_code="46",
                                                                    created_at=dt.datetime.now(dt.timezone.utc)))
            assert snapshot(url) != before
            get_engine(url).dispose()  # as if the app were stopped for the restore
            main(url, "restore", str(backup))
            after = snapshot(url)
        finally:
            backup.unlink(missing_ok=True)
        assert after.keys() == before.keys()
        for table in before:
            if table != "audit_entry":
                assert after[table] == before[table], table
        # The log as it was, and then the restore's own entry (the audit anchor set anew, intake/audit_anchor.py)
        restored_log = after["audit_entry"]
        assert restored_log[:len(before["audit_entry"])] == before["audit_entry"]
        [restore_entry] = restored_log[len(before["audit_entry"]):]
        assert "anchor-reset" in restore_entry and any("restore from" in str(v) for v in restore_entry)
        assert "audit log intact" in main(url, "verify-audit").stdout


def _case_ids(url: str) -> list[int]:
    with get_engine(url).connect() as conn:
        return [r[0] for r in conn.execute(select(Case.id).order_by(Case.id))]


def test_a_case_erased_after_the_backup_stays_erased_after_a_restore(database_url, tmp_path):
    from intake.models import AuditEntry

    with scratch_database("restore") as url:
        populate(url)
        *kept, erased = _case_ids(url)  # the last: SQLite gives its id to the next case
        backup = tmp_path / "before-the-erasure.bak"
        main(url, "backup", str(backup))
        main(url, "erase-case", str(erased), "--reason", "Deltakeren ba om sletting", "--by", "leder.lene")
        get_engine(url).dispose()
        restored = main(url, "restore", str(backup))
        assert f"erased case {erased} again" in restored.stdout
        assert _case_ids(url) == kept
        with new_session(get_engine(url)) as db:
            [again] = db.scalars(select(AuditEntry).where(AuditEntry.object_type == "case",
                                                          AuditEntry.object_id == str(erased),
                                                          AuditEntry.action == "erase")).all()
        assert "again after a restore" in again.detail and "Amal" not in again.detail
        assert "audit log intact" in main(url, "verify-audit").stdout
        # A case made after the restore may get the erased case's id back (SQLite does): it is another case, and a
        # later restore keeps it.
        populate_one(url)
        after = _case_ids(url)
        main(url, "backup", str(backup))
        get_engine(url).dispose()
        again = main(url, "restore", str(backup))
        assert _case_ids(url) == after
        assert (erased in after) == (not postgres_url())  # PostgreSQL's sequence never gives an id twice
        if erased in after:
            assert f"kept case {erased}: the erased case {erased} was created" in again.stdout, again.stdout


def populate_one(url: str) -> None:
    from intake.cases import create_case

    with new_session(get_engine(url)) as db:
        user = db.scalars(select(User)).first()
        case, errors = create_case(db, user, dict(AMAL))
        assert not errors


def test_restore_refuses_a_file_that_is_not_a_backup(database_url, tmp_path):
    with scratch_database("backup") as url:
        populate(url)
        before = snapshot(url)
        junk = tmp_path / "not-a-backup.bak"
        junk.write_bytes(b"this is not a database")
        env = {**os.environ, "DATABASE_URL": url}
        proc = subprocess.run(main_py_argv("restore", str(junk)), cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 1 and "restore failed" in proc.stderr
        assert snapshot(url) == before  # nothing was touched


def _heads() -> list[str]:
    return list(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def _current(url: str) -> str | None:
    with get_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_the_migrations_have_one_head():
    assert len(_heads()) == 1, _heads()


def test_migrations_upgrade_from_empty_downgrade_one_step_and_upgrade_again():
    with scratch_database("migrate", migrate=False) as url:
        upgrade(url)
        head = _heads()[0]
        assert _current(url) == head
        tables = set(inspect(get_engine(url)).get_table_names())
        assert {"case", "user", "organisation", "audit_entry", "user_session"} <= tables
        downgrade(url, "-1")
        get_engine(url).dispose()
        assert _current(url) not in (None, head)
        upgrade(url)
        get_engine(url).dispose()
        assert _current(url) == head
        assert set(inspect(get_engine(url)).get_table_names()) == tables
        downgrade(url, "base")
        get_engine(url).dispose()
        assert set(inspect(get_engine(url)).get_table_names()) <= {"alembic_version"}


def test_the_models_match_the_migrated_schema():
    import intake.models  # noqa: F401
    import intake.models_plans  # noqa: F401
    import intake.models_referrals  # noqa: F401

    with scratch_database("schema") as url:
        with get_engine(url).connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": False})
            diff = compare_metadata(ctx, SQLModel.metadata)
        assert not diff, "models and migrations differ (make a migration):\n" + "\n".join(map(str, diff))


def _run(url: str, extra: dict, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "KARTLEGGING_DEMO": "1", **extra}
    return subprocess.run(main_py_argv(*args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_a_restore_without_the_erasure_register_is_refused_unless_asked_for(database_url, tmp_path):
    from intake.models import AuditEntry

    with scratch_database("restore") as url:
        populate(url)
        erased = _case_ids(url)[-1]
        backup = tmp_path / "before-the-erasure.bak"
        main(url, "backup", str(backup))
        main(url, "erase-case", str(erased), "--reason", "Deltakeren ba om sletting", "--by", "leder.lene")
        if postgres_url():
            extra = {}
            with get_engine(url).begin() as conn:  # the ledger lost (as only an administrator could)
                conn.execute(text("DROP SCHEMA kartlegging_ledger CASCADE"))
        else:
            extra = {"KARTLEGGING_ERASURE_REGISTER_PATH": str(tmp_path / "not-there" / "erasures.jsonl")}
        get_engine(url).dispose()
        refused = _run(url, extra, "restore", str(backup))
        assert refused.returncode == 1 and "the erasure register" in refused.stderr
        assert erased not in _case_ids(url)  # nothing was restored
        allowed = _run(url, extra, "restore", str(backup), "--without-erasure-register")
        assert allowed.returncode == 0, allowed.stderr
        assert "WITHOUT the erasure register" in allowed.stderr
        assert erased in _case_ids(url)  # as the operator was told
        with new_session(get_engine(url)) as db:
            last = db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert last.action == "anchor-reset" and "without the erasure register" in last.detail
