"""Password rules (#12 item 15): at least 12 characters and not a common or easily guessed one (zxcvbn), said at the
field in the administrator's form, at the command line and on the change page; a first password from an administrator
(a new user, a reset) must be changed at the first login, and nothing else opens until it is. The demo's `demo` is the
one exception, in demo mode only."""

from __future__ import annotations

import os
import secrets
import subprocess

import pytest
from sqlmodel import select

from intake.config import ROOT, get_settings
from intake.models import User
from intake.security import hash_password
from tests.conftest import PASSWORD, unique
from tests.days import main_py_argv
from tests.web.pages import Page

GOOD = "blåbær-sykkel-fyrtårn-7"
TOO_SHORT = "kort-passor"  # 11 characters
COMMON = ("password1234", "qwertyuiop12", "123456789012", "iloveyou1234")
SHORT_MESSAGE = "Passordet må ha minst 12 tegn."
COMMON_MESSAGE = "Passordet er for lett å gjette"


def _form(c, path, **values):
    return c.post(path, data={"_csrf": c.csrf, **values})


def _fresh(db, user_id: int) -> User:
    db.expire_all()
    return db.get(User, user_id)


def _change(c, current: str, new: str, repeat: str | None = None):
    return _form(c, "/account/password", current_password=current, new_password=new,
                 repeat_password=new if repeat is None else repeat)


@pytest.mark.parametrize("bad, message", [(TOO_SHORT, SHORT_MESSAGE), *((p, COMMON_MESSAGE) for p in COMMON)])
def test_the_change_page_refuses_a_short_or_common_password_at_the_field(logged_in, caseworker, db, bad, message):
    c = logged_in(caseworker)
    r = _change(c, PASSWORD, bad)
    assert r.status_code == 422
    assert any(message in m for m in Page(r).field_errors("f-new_password"))
    assert _fresh(db, caseworker.id).password_hash == caseworker.password_hash


def test_the_change_page_takes_a_long_uncommon_password(logged_in, caseworker, client):
    c = logged_in(caseworker)
    assert _change(c, PASSWORD, GOOD).status_code == 200
    assert client.post("/login", data={"username": caseworker.username, "password": GOOD}).status_code == 303


def _new_user(admin, org, username: str | None = None, **extra):
    return _form(admin, "/admin/users/new", full_name="Vera Veileder", username=username or unique("vera").lower(),
                 role="caseworker", organisation_id=str(org.id), **extra)


def test_the_administrators_form_checks_a_chosen_first_password_at_the_field(logged_in, make_user, drammen, db):
    admin = logged_in(make_user("admin", drammen))
    for bad, message in ((TOO_SHORT, SHORT_MESSAGE), (COMMON[0], COMMON_MESSAGE)):
        r = _new_user(admin, drammen, password=bad)
        assert r.status_code == 422
        assert any(message in m for m in Page(r).field_errors("f-password"))
        assert any(href == "#f-password" for _m, href in Page(r).summary())
    r = _new_user(admin, drammen, password=GOOD)
    assert r.status_code == 200 and Page(r).text("code.password") == GOOD


def _login(client, username: str, password: str):
    return client.post("/login", data={"username": username, "password": password})


def _logged_in_as(app, username: str, password: str):
    from fastapi.testclient import TestClient

    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    c = TestClient(app, follow_redirects=False, client=(address, 50000))
    r = _login(c, username, password)
    assert r.status_code == 303
    return c, r


def test_a_first_password_from_an_administrator_must_be_changed_before_anything_else(app, logged_in, make_user,
                                                                                     drammen, make_case, db):
    admin = logged_in(make_user("admin", drammen))
    username = unique("vera").lower()
    r = _new_user(admin, drammen, username)
    first = Page(r).text("code.password")
    user = db.exec(select(User).where(User.username == username)).one()
    case = make_case(make_user("caseworker", drammen))

    c, r = _logged_in_as(app, username, first)
    assert r.headers["location"] == "/account/password"
    for path in ("/cases", "/", f"/cases/{case.id}", "/admin/users"):
        assert c.get(path).headers.get("location") == "/account/password", path
    assert c.get(f"/api/v1/cases/{case.id}").status_code == 403  # the API with the login's cookie too
    assert c.get("/cases", headers={"HX-Request": "true"}).headers["HX-Redirect"] == "/account/password"
    page = c.get("/account/password")
    csrf = Page(page).one("form[action='/logout'] input[name=_csrf]").get("value")
    assert "midlertidig passord fra en administrator" in Page(page).text("main")
    assert not Page(page).all("nav.header-nav a")  # no menu leads anywhere else meanwhile
    assert c.post("/cases/new", data={"_csrf": csrf}).headers.get("location") == "/account/password"

    r = c.post("/account/password", data={"_csrf": csrf, "current_password": first, "new_password": GOOD,
                                          "repeat_password": GOOD})
    assert r.status_code == 200 and not _fresh(db, user.id).must_change_password
    assert c.get("/cases").status_code == 200

    # A reset gives a temporary password again
    r = _form(admin, f"/admin/users/{user.id}/password")
    again = Page(r).text("code.password")
    assert _fresh(db, user.id).must_change_password
    c, r = _logged_in_as(app, username, again)
    assert r.headers["location"] == "/account/password" and c.get("/cases").status_code == 303
    csrf = Page(c.get("/account/password")).one("form[action='/logout'] input[name=_csrf]").get("value")
    logout = c.post("/logout", data={"_csrf": csrf})
    assert logout.status_code == 303  # logging out works meanwhile


def _main(*args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(main_py_argv(*args), cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=300, input=stdin)


def test_the_command_line_checks_a_given_first_password_and_it_must_be_changed(database_url, app, drammen, db):
    args = ("--name", "Kari Karriere", "--role", "caseworker", "--org", str(drammen.id), "--password-stdin")
    for bad, message in ((TOO_SHORT, SHORT_MESSAGE), (COMMON[1], COMMON_MESSAGE)):
        done = _main("create-user", unique("kari").lower(), *args, stdin=bad + "\n")
        assert done.returncode == 1 and f"password: {message}" in done.stderr
    username = unique("kari").lower()
    done = _main("create-user", username, *args, stdin=GOOD + "\n")
    assert done.returncode == 0, done.stderr
    assert GOOD not in done.stdout
    c, r = _logged_in_as(app, username, GOOD)
    assert r.headers["location"] == "/account/password"
    made = _main("create-user", unique("kari").lower(), *args[:-1])  # a password made for them: the same
    assert made.returncode == 0
    assert db.exec(select(User).where(User.username == username)).one().must_change_password


@pytest.fixture
def outside_demo_mode(monkeypatch):
    monkeypatch.setenv("KARTLEGGING_DEMO", "0")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def _weak_user(db, org, password: str) -> User:
    user = User(username=unique("gammel").lower(), full_name="Gammel Bruker", role="caseworker",
                organisation_id=org.id, password_hash=hash_password(password))
    db.add(user)
    db.commit()
    return user


def test_the_demo_password_works_as_it_is_in_demo_mode_only(app, drammen, db, outside_demo_mode):
    # Outside demo mode, a password below the rules (the demo's `demo`, one set before the rules) must be changed
    user = _weak_user(db, drammen, "demo")
    c, r = _logged_in_as(app, user.username, "demo")
    assert r.headers["location"] == "/account/password" and c.get("/cases").status_code == 303
    assert _main("seed-demo", KARTLEGGING_DEMO="0").returncode == 2  # and there are no demo users to seed


def test_in_demo_mode_the_demo_password_is_not_forced_to_change(app, drammen, db):
    user = _weak_user(db, drammen, "demo")
    c, r = _logged_in_as(app, user.username, "demo")
    assert r.headers["location"] != "/account/password" and c.get("/cases").status_code == 200
