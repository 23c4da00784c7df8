"""The ledger on PostgreSQL (intake/ledger.py): once `setup-ledger` has run, the application's role can add audit
anchors and erasures but never change or remove one, and the checks run as that role. Skipped without PostgreSQL."""

from __future__ import annotations

import os
import secrets
import subprocess

import psycopg
import pytest
from sqlalchemy.engine import make_url

from intake.config import ROOT
from tests.days import main_py_argv
from tests.scratch import _admin_connection, postgres_url, scratch_database

pytestmark = pytest.mark.skipif(not postgres_url(), reason="needs KARTLEGGING_TEST_DATABASE_URL (PostgreSQL)")


def _main(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(main_py_argv(*args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_apps_role_can_add_to_the_ledger_but_never_change_it():
    with scratch_database("ledger") as admin_url:
        role = f"kt_app_{secrets.token_hex(3)}"
        with _admin_connection(admin_url) as con:
            con.execute(f"CREATE ROLE {role} LOGIN")
            for grant in (f"GRANT USAGE, CREATE ON SCHEMA public TO {role}",
                          f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}",
                          f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}"):
                con.execute(grant)
        app_url = make_url(admin_url).set(username=role).render_as_string(hide_password=False)
        try:
            done = _main(app_url, "setup-ledger", "--admin-url", admin_url)
            assert done.returncode == 0, done.stderr
            assert f"{role} may only read and add rows" in done.stdout
            first = _main(app_url, "verify-audit")
            assert first.returncode == 0 and "warning" not in first.stderr, first.stdout + first.stderr
            assert _main(app_url, "anchor-audit").returncode == 0
            libpq = make_url(app_url).set(drivername="postgresql").render_as_string(hide_password=False)
            for statement in ("UPDATE kartlegging_ledger.audit_anchor SET entry_hash = 'x'",
                              "DELETE FROM kartlegging_ledger.audit_anchor",
                              "TRUNCATE kartlegging_ledger.erasure",
                              "DROP SCHEMA kartlegging_ledger CASCADE"):
                with psycopg.connect(libpq) as con, pytest.raises(psycopg.errors.InsufficientPrivilege):
                    con.execute(statement)
            # A superuser (here the suite's own role) can rewrite anything: verify-audit says so
            warned = _main(admin_url, "verify-audit")
            assert warned.returncode == 0 and "can change or remove" in warned.stderr
        finally:
            with _admin_connection(admin_url) as con:
                con.execute(f"DROP OWNED BY {role}")
                con.execute(f"DROP ROLE {role}")
