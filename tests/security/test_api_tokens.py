"""API tokens (#12 item 8): named, expiring (90 days unless said), listed and revoked at the command line and on the
administrator's page "API-nøkler"; made and revoked in the audit log; revoked as their user is deactivated or given a
new password; refused (401) once expired or revoked. An administrator sees only their own organisation's tokens."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess

from sqlmodel import select

from intake.config import ROOT
from intake.models import ApiToken, AuditEntry
from intake.security import create_api_token, token_digest
from tests.days import main_py_argv
from tests.web.pages import Page


def _form(c, path, **values):
    return c.post(path, data={"_csrf": c.csrf, **values})


def _reads(client, token: str, case) -> int:
    """The status of reading the case with the token (200: it works; 401: refused)."""
    return client.get(f"/api/v1/cases/{case.id}", headers={"Authorization": f"Bearer {token}"}).status_code


def _audit(db, action: str, token_id: int) -> list[AuditEntry]:
    db.expire_all()
    return list(db.exec(select(AuditEntry).where(AuditEntry.action == action, AuditEntry.object_type == "api_token",
                                                 AuditEntry.object_id == str(token_id))))


def _row(db, token: str) -> ApiToken:
    db.expire_all()
    return db.exec(select(ApiToken).where(ApiToken.token_hash == token_digest(token))).one()


def test_an_administrator_makes_a_named_token_shown_once_lists_it_and_revokes_it(logged_in, make_user, drammen,
                                                                                 caseworker, make_case, client, db):
    admin = logged_in(make_user("admin", drammen))
    case = make_case(caseworker)
    page = Page(admin.get("/admin/users"))
    assert "/admin/tokens" in page.links()
    form = Page(admin.get("/admin/tokens"))
    assert form.form("form[action='/admin/tokens']")["days"] == ["90"]  # the default lifetime, in the form

    r = _form(admin, "/admin/tokens", user_id=str(caseworker.id), name="Fagsystemet", days="90")
    assert r.status_code == 200
    token = Page(r).text("code.token")
    assert token.startswith("kt_") and "Fagsystemet" in Page(r).text("h1, p")
    assert _reads(client, token, case) == 200
    row = _row(db, token)
    assert row.name == "Fagsystemet" and row.user_id == caseworker.id
    assert (row.expires_at.replace(tzinfo=dt.timezone.utc) - row.created_at.replace(tzinfo=dt.timezone.utc)).days == 90
    [made] = _audit(db, "create", row.id)
    assert made.user_id == admin.user.id and "Fagsystemet" in made.detail

    listing = admin.get("/admin/tokens")
    table = Page(listing).text("table")
    assert "Fagsystemet" in table and caseworker.username in table and "Virker" in table
    assert token not in listing.text  # shown once, at creation only

    r = _form(admin, f"/admin/tokens/{row.id}/revoke")
    assert r.status_code == 303
    assert _reads(client, token, case) == 401
    assert "Trukket tilbake" in Page(admin.get("/admin/tokens?revoked=1")).text("table")
    [revoked] = _audit(db, "revoke", row.id)
    assert revoked.user_id == admin.user.id
    # and the leader reads both in words in the organisation's audit log
    log = Page(logged_in(make_user("leader", drammen)).get(f"/audit?user={admin.user.id}")).text("table.audit")
    assert "API-nøkkel" in log and "Trukket tilbake" in log and "Opprettet" in log


def test_the_token_form_says_at_the_field_what_is_wrong(logged_in, make_user, drammen, caseworker, db):
    admin = logged_in(make_user("admin", drammen))
    before = db.exec(select(ApiToken)).all()
    r = _form(admin, "/admin/tokens", user_id="", name="", days="400")
    assert r.status_code == 422
    page = Page(r)
    assert page.field_errors("f-user_id") and page.field_errors("f-name")
    assert any("1 til 365" in m for m in page.field_errors("f-days"))
    r = _form(admin, "/admin/tokens", user_id=str(caseworker.id), name="X", days="0")
    assert any("1 til 365" in m for m in Page(r).field_errors("f-days"))
    assert len(db.exec(select(ApiToken)).all()) == len(before)


def test_a_token_expires_after_its_days_and_by_default_after_90(caseworker, make_case, client, db, time_machine):
    case = make_case(caseworker)
    short = create_api_token(db, caseworker, name="kort", days=1)
    usual = create_api_token(db, caseworker, name="vanlig")
    assert _reads(client, short, case) == _reads(client, usual, case) == 200
    time_machine.shift(dt.timedelta(days=1, minutes=1))
    assert _reads(client, short, case) == 401
    assert _reads(client, usual, case) == 200
    time_machine.shift(dt.timedelta(days=88, hours=23))
    assert _reads(client, usual, case) == 200
    time_machine.shift(dt.timedelta(hours=1))
    r = client.get(f"/api/v1/cases/{case.id}", headers={"Authorization": f"Bearer {usual}"})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"


def test_deactivating_a_user_or_resetting_their_password_revokes_their_tokens(logged_in, make_user, drammen,
                                                                              make_case, client, db):
    admin = logged_in(make_user("admin", drammen))
    worker, other = make_user("caseworker", drammen), make_user("caseworker", drammen)
    case = make_case(worker)
    theirs, kept = create_api_token(db, worker, name="a"), create_api_token(db, other, name="b")
    assert _form(admin, f"/admin/users/{worker.id}/deactivate").status_code == 303
    assert _form(admin, f"/admin/users/{worker.id}/activate").status_code == 303
    assert _reads(client, theirs, case) == 401  # active again, but the token stays revoked
    assert _audit(db, "revoke", _row(db, theirs).id)

    again = create_api_token(db, worker, name="c")
    assert _reads(client, again, case) == 200
    assert _form(admin, f"/admin/users/{worker.id}/password").status_code == 200
    assert _reads(client, again, case) == 401
    assert _row(db, kept).revoked_at is None  # another user's token is left alone


def test_an_administrator_sees_and_revokes_only_their_own_organisations_tokens(logged_in, make_user, drammen, bergen,
                                                                               caseworker, make_case, client, db):
    case = make_case(caseworker)
    token = create_api_token(db, caseworker, name="Drammens fagsystem")
    row = _row(db, token)
    bergen_admin = logged_in(make_user("admin", bergen))
    page = bergen_admin.get("/admin/tokens")
    assert page.status_code == 200 and "Drammens fagsystem" not in page.text and caseworker.username not in page.text
    assert _form(bergen_admin, f"/admin/tokens/{row.id}/revoke").status_code == 404
    assert _reads(client, token, case) == 200 and _row(db, token).revoked_at is None
    # nor make one for another organisation's user
    r = _form(bergen_admin, "/admin/tokens", user_id=str(caseworker.id), name="Lånt", days="5")
    assert r.status_code == 422 and Page(r).field_errors("f-user_id")
    # and the page is the administrators' only
    worker = logged_in(caseworker)
    assert worker.get("/admin/tokens").status_code == 403
    assert _form(worker, f"/admin/tokens/{row.id}/revoke").status_code == 403


def _main(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(main_py_argv(*args), cwd=ROOT, env=dict(os.environ), capture_output=True, text=True,
                          timeout=300)


def test_the_command_line_makes_lists_and_revokes_tokens(database_url, caseworker, make_case, client, db):
    case = make_case(caseworker)
    made = _main("create-token", caseworker.username, "--name", "Integrasjon", "--days", "30")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    assert _reads(client, token, case) == 200
    row = _row(db, token)
    assert row.name == "Integrasjon"
    assert (row.expires_at.replace(tzinfo=dt.timezone.utc) - row.created_at.replace(tzinfo=dt.timezone.utc)).days == 30
    assert "by=cli:" in _audit(db, "create", row.id)[0].detail

    listed = _main("list-tokens", "--user", caseworker.username)
    line = next(li for li in listed.stdout.splitlines() if li.startswith(f"{row.id}\t"))
    assert re.search(rf"{caseworker.username}\tIntegrasjon\t.*\tlive$", line) and token not in listed.stdout

    done = _main("revoke-token", str(row.id))
    assert done.returncode == 0, done.stderr
    assert _reads(client, token, case) == 401
    assert "by=cli:" in _audit(db, "revoke", row.id)[0].detail
    assert _main("list-tokens", "--user", caseworker.username).stdout.count("\trevoked ") == 1
    assert _main("revoke-token", "99999999").returncode == 1
    unnamed = _main("create-token", caseworker.username)  # a token must be named
    assert unnamed.returncode == 2 and "--name" in unnamed.stderr
    too_long = _main("create-token", caseworker.username, "--name", "X", "--days", "366")
    assert too_long.returncode == 1 and "days" in too_long.stderr
