"""Logging in and out: Argon2 passwords, the session cookie, throttling, and what an unauthenticated request gets."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlmodel import select

from intake.models import UserSession
from intake.security import token_digest
from intake.web.deps import SESSION_COOKIE
from tests.conftest import PASSWORD
from tests.web.pages import HTMX, Page


@pytest.fixture
def fresh_client(app):
    """A client from its own address, so throttling by address in one test never touches another."""
    from fastapi.testclient import TestClient

    with TestClient(app, follow_redirects=False, client=(f"10.{uuid.uuid4().int % 250}.0.{uuid.uuid4().int % 250}",
                                                         50000)) as c:
        yield c


def login(c, username, password=PASSWORD, next_=None):
    data = {"username": username, "password": password}
    if next_ is not None:
        data["next"] = next_
    return c.post("/login", data=data)


def test_login_page_is_a_plain_form(fresh_client):
    page = Page(fresh_client.get("/login"))
    form = page.one("form")
    assert form.get("method") == "post" and form.get("action") == "/login"
    assert page.has("input[name=username]") and page.has("input[type=password][name=password]")


def test_login_sets_a_httponly_samesite_session_cookie(fresh_client, caseworker):
    r = login(fresh_client, caseworker.username)
    assert r.status_code == 303 and r.headers["location"] == "/cases"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    parts = {p.strip().split("=")[0].lower(): p.strip() for p in cookie.split(";")}
    assert "httponly" in parts
    assert parts["samesite"].lower() in ("samesite=lax", "samesite=strict")
    assert parts["path"] == "Path=/"
    assert "expires" not in parts and "max-age" not in parts  # ends with the browser
    assert fresh_client.get("/cases").status_code == 200


def test_the_cookie_holds_only_a_random_session_id(fresh_client, caseworker, db):
    login(fresh_client, caseworker.username)
    sid = fresh_client.cookies[SESSION_COOKIE]
    assert caseworker.username not in sid and str(caseworker.id) != sid and len(sid) >= 32
    assert db.get(UserSession, token_digest(sid)).user_id == caseworker.id


def test_user_names_are_not_case_sensitive(fresh_client, caseworker):
    assert login(fresh_client, caseworker.username.upper()).status_code == 303


def test_passwords_are_stored_as_argon2(caseworker):
    assert caseworker.password_hash.startswith("$argon2id$")
    assert PASSWORD not in caseworker.password_hash


@pytest.mark.parametrize("username, password", [("right", "wrong"), ("nobody-here", PASSWORD)])
def test_wrong_password_or_user_gets_the_same_error_and_keeps_the_user_name(fresh_client, caseworker, username,
                                                                             password):
    name = caseworker.username if username == "right" else username
    r = login(fresh_client, name, password)
    assert r.status_code == 422
    page = Page(r)
    assert page.field_errors("f-password") == ["Feil brukernavn eller passord."]
    assert page.summary() == [("Feil brukernavn eller passord.", "#f-password")]
    assert page.value("username") if False else page.one("input[name=username]").get("value") == name
    assert page.one("input[name=password]").get("value") in (None, "")  # a password is never sent back
    assert SESSION_COOKIE not in r.headers.get("set-cookie", "")


def test_empty_fields_are_errors_at_the_fields(fresh_client):
    page = Page(login(fresh_client, "", ""))
    assert page.field_errors("f-username") == ["Skriv brukernavnet ditt."]
    assert page.field_errors("f-password") == ["Skriv passordet ditt."]


def test_failures_slow_the_user_name_down_with_a_429(fresh_client, caseworker, app, time_machine):
    time_machine.move_to(dt.datetime.now(dt.timezone.utc), tick=False)
    for _ in range(6):
        assert login(fresh_client, caseworker.username, "feil").status_code == 422
    r = login(fresh_client, caseworker.username)  # even the right password waits
    assert r.status_code == 429 and r.headers["Retry-After"] == "2"
    assert "For mange mislykkede forsøk. Vent 2 sekunder og prøv igjen." in Page(r).text("main")
    assert SESSION_COOKIE not in r.headers.get("set-cookie", "")
    # another address the user has never logged in from waits too: the guesses may come from anywhere
    from fastapi.testclient import TestClient
    with TestClient(app, follow_redirects=False, client=("10.250.250.250", 1)) as other:
        assert login(other, caseworker.username).status_code == 429
    time_machine.shift(dt.timedelta(seconds=2))
    assert login(fresh_client, caseworker.username).status_code == 303


def test_a_success_clears_earlier_failures(fresh_client, caseworker):
    for _ in range(4):
        login(fresh_client, caseworker.username, "feil")
    assert login(fresh_client, caseworker.username).status_code == 303
    for _ in range(4):
        login(fresh_client, caseworker.username, "feil")
    assert login(fresh_client, caseworker.username).status_code == 303


def test_an_inactive_user_cannot_log_in(fresh_client, caseworker, db):
    caseworker.active = False
    db.add(caseworker)
    db.commit()
    assert login(fresh_client, caseworker.username).status_code == 422


def test_login_goes_to_the_page_asked_for_but_never_off_site(fresh_client, caseworker):
    assert login(fresh_client, caseworker.username, next_="/cases?q=amal").headers["location"] == "/cases?q=amal"
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        assert login(fresh_client, caseworker.username, next_=evil).headers["location"] == "/cases"


def test_logout_ends_the_session(fresh_client, caseworker, db):
    login(fresh_client, caseworker.username)
    sid = fresh_client.cookies[SESSION_COOKIE]
    csrf = db.get(UserSession, token_digest(sid)).csrf_token
    page = Page(fresh_client.get("/cases"))
    assert page.one("form[action='/logout'] input[name=_csrf]").get("value") == csrf
    r = fresh_client.post("/logout", data={"_csrf": csrf})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert f'{SESSION_COOKIE}=""' in r.headers["set-cookie"] or "Max-Age=0" in r.headers["set-cookie"]
    db.expire_all()
    assert db.get(UserSession, token_digest(sid)) is None
    # the old cookie is worthless now, even if a copy was kept
    fresh_client.cookies.set(SESSION_COOKIE, sid)
    assert fresh_client.get("/cases").status_code == 303


def test_unauthenticated_pages_redirect_to_login_and_back(client):
    r = client.get("/cases/123/sections/goals?return=check")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/cases/123/sections/goals?return=check"
    assert client.get("/cases").headers["location"] == "/login?next=/cases"
    r = client.post("/cases/123/sections/goals", data={"goals.short_term": "x"})
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_unauthenticated_htmx_requests_get_hx_redirect(client):
    r = client.post("/cases/123/sections/goals", data={"goals.short_term": "x"}, headers=HTMX)
    assert r.status_code == 401
    assert r.headers["HX-Redirect"] == "/login"
    assert r.text == ""  # nothing to swap into the page


def test_unauthenticated_api_requests_get_401_json(client):
    r = client.get("/api/v1/cases/1")
    assert r.status_code == 401
    assert r.json() == {"detail": "Ikke innlogget."}
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert client.get("/api/v1/cases/1", headers={"Authorization": "Bearer kt_nonsense"}).status_code == 401


def test_a_forged_cookie_is_not_a_session(client):
    client.cookies.set(SESSION_COOKIE, "x" * 43)
    assert client.get("/cases").status_code == 303


def _age_session(db, sid, *, idle=None, age=None):
    session = db.get(UserSession, token_digest(sid))
    now = dt.datetime.now(dt.timezone.utc)
    if idle is not None:
        session.last_seen_at = now - idle
    if age is not None:
        session.created_at = now - age
        session.last_seen_at = now
    db.add(session)
    db.commit()


def test_a_session_idle_for_30_minutes_ends(fresh_client, caseworker, db):
    login(fresh_client, caseworker.username)
    sid = fresh_client.cookies[SESSION_COOKIE]
    _age_session(db, sid, idle=dt.timedelta(minutes=29))
    assert fresh_client.get("/cases").status_code == 200
    _age_session(db, sid, idle=dt.timedelta(minutes=31))
    assert fresh_client.get("/cases").status_code == 303


def test_a_session_ends_after_8_hours_even_when_in_use(fresh_client, caseworker, db):
    login(fresh_client, caseworker.username)
    sid = fresh_client.cookies[SESSION_COOKIE]
    _age_session(db, sid, age=dt.timedelta(hours=8, minutes=1))
    assert fresh_client.get("/cases").status_code == 303
    db.expire_all()
    assert db.exec(select(UserSession).where(UserSession.id == token_digest(sid))).first() is None


@pytest.mark.parametrize("case", ["wrong-password", "unknown-user", "inactive-user"])
def test_every_failed_login_computes_one_password_hash(fresh_client, caseworker, db, monkeypatch, case):
    """User names cannot be found by timing: an unknown or inactive user name costs the same Argon2 work as a wrong
    password (the dummy hash is really verified), so the answer takes as long either way."""
    from intake import security

    calls = []
    real_verify = security._hasher.verify
    monkeypatch.setattr(security._hasher, "verify", lambda pw, h: calls.append(h) or real_verify(pw, h))
    if case == "inactive-user":
        caseworker.active = False
        db.add(caseworker)
        db.commit()
    name = "nobody-" + caseworker.username if case == "unknown-user" else caseworker.username
    password = "feil-passord-her" if case == "wrong-password" else PASSWORD
    assert login(fresh_client, name, password).status_code == 422
    assert len(calls) == 1
    assert calls[0].startswith("$argon2id$")  # a real Argon2 hash, the dummy one for an unknown user
