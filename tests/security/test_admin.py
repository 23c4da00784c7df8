"""The administrator's pages and subcommands: organisations and users are created, deactivated and given new
passwords; each change is audited, and nobody else can make them."""

from __future__ import annotations

import os
import re
import subprocess

from sqlmodel import select

from intake.config import ROOT
from intake.models import AuditEntry, Organisation, User
from tests.conftest import PASSWORD, unique
from tests.days import main_py_argv
from tests.web.pages import Page


def _form(c, path, **values):
    return c.post(path, data={"_csrf": c.csrf, **values})


def _password_shown(r) -> str:
    return Page(r).text("code.password")


def test_an_administrator_creates_an_organisation_and_a_user_who_can_log_in(logged_in, make_user, drammen, client, db):
    admin = logged_in(make_user("admin", drammen))
    name = unique("Lier kommune")
    r = _form(admin, "/admin/organisations", name=name, kind="municipality", municipality_number="3312")
    assert r.status_code == 303
    org = db.exec(select(Organisation).where(Organisation.name == name)).one()
    assert (org.county_code, org.municipality_number) == ("33", "3312")
    assert name in Page(admin.get("/admin/organisations")).text("table")

    username = unique("vera").lower()
    r = _form(admin, "/admin/users/new", full_name="Vera Veileder", username=username, role="caseworker",
              organisation_id=str(org.id), email="vera@lier.kommune.no")
    assert r.status_code == 200
    password = _password_shown(r)
    assert len(password) >= 12
    page = Page(admin.get("/admin/users"))
    assert "Programrådgiver" in page.text("table")  # roles by their Norwegian names
    login = client.post("/login", data={"username": username, "password": password})
    assert login.status_code == 303
    actions = [e.action for e in db.exec(select(AuditEntry).where(AuditEntry.user_id == admin.user.id))]
    assert actions.count("create") >= 2


def test_a_counsellor_belongs_in_a_career_centre_and_usernames_are_unique(logged_in, make_user, drammen):
    admin = logged_in(make_user("admin", drammen))
    r = _form(admin, "/admin/users/new", full_name="Kari Karriere", username=unique("kari").lower(),
              role="counsellor", organisation_id=str(drammen.id))
    assert r.status_code == 422
    assert any("Rollen passer ikke" in m for m in Page(r).field_errors("f-role"))
    r = _form(admin, "/admin/users/new", full_name="Kopi", username=admin.user.username, role="caseworker",
              organisation_id=str(drammen.id))
    assert "Brukernavnet er allerede i bruk." in Page(r).field_errors("f-username")


def test_a_deactivated_user_is_logged_out_and_cannot_log_in(logged_in, make_user, drammen, client):
    admin = logged_in(make_user("admin", drammen))
    worker = make_user("caseworker", drammen)
    session = logged_in(worker)
    assert session.get("/cases").status_code == 200
    assert _form(admin, f"/admin/users/{worker.id}/deactivate").status_code == 303
    assert session.get("/cases").status_code == 303
    assert client.post("/login", data={"username": worker.username, "password": PASSWORD}).status_code == 422
    assert _form(admin, f"/admin/users/{worker.id}/activate").status_code == 303
    assert client.post("/login", data={"username": worker.username, "password": PASSWORD}).status_code == 303


def test_an_administrator_cannot_deactivate_themself(logged_in, make_user, drammen):
    admin = logged_in(make_user("admin", drammen))
    assert _form(admin, f"/admin/users/{admin.user.id}/deactivate").status_code == 422
    assert admin.get("/admin/users").status_code == 200


def test_a_password_reset_shows_a_new_password_once_and_ends_the_users_sessions(logged_in, make_user, drammen,
                                                                                client):
    admin = logged_in(make_user("admin", drammen))
    worker = make_user("caseworker", drammen)
    session = logged_in(worker)
    r = _form(admin, f"/admin/users/{worker.id}/password")
    new = _password_shown(r)
    assert r.status_code == 200 and "no-store" in r.headers["cache-control"]
    assert session.get("/cases").status_code == 303
    assert client.post("/login", data={"username": worker.username, "password": PASSWORD}).status_code == 422
    assert client.post("/login", data={"username": worker.username, "password": new}).status_code == 303
    assert new not in admin.get("/admin/users").text


def test_nobody_but_an_administrator_can_change_users(logged_in, make_user, drammen, db):
    worker = make_user("caseworker", drammen)
    for role in ("caseworker", "leader", "counsellor"):
        c = logged_in(make_user(role, drammen))
        assert _form(c, f"/admin/users/{worker.id}/password").status_code == 403
        assert _form(c, "/admin/users/new", full_name="X", username=unique("x").lower(), role="admin",
                     organisation_id=str(drammen.id)).status_code == 403
    db.expire_all()
    assert db.get(User, worker.id).password_hash == worker.password_hash


def _main(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(main_py_argv(*args), cwd=ROOT, env=dict(os.environ), capture_output=True,
                          text=True, timeout=300)


def test_the_subcommands_create_an_organisation_and_a_user(database_url, client, db):
    name = unique("Karrieresenter Test")
    proc = _main("create-org", name, "--kind", "career_centre", "--county", "46")
    assert proc.returncode == 0, proc.stderr
    org_id = re.search(r"created organisation (\d+)", proc.stdout)[1]
    username = unique("kari").lower()
    proc = _main("create-user", username, "--name", "Kari Karriere", "--role", "counsellor", "--org", name)
    assert proc.returncode == 0, proc.stderr
    password = proc.stdout.strip().splitlines()[-1]
    user = db.exec(select(User).where(User.username == username)).one()
    assert (user.organisation_id, user.role) == (int(org_id), "counsellor")
    assert client.post("/login", data={"username": username, "password": password}).status_code == 303
    bad = _main("create-user", unique("x").lower(), "--name", "X", "--role", "caseworker", "--org", "no such org")
    assert bad.returncode == 1 and "organisation_id" in bad.stderr
