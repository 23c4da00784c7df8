"""Logging in: throttling per user and per address, idle and absolute session expiry, Secure cookies, passwords."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from fastapi.testclient import TestClient

from intake.models import UserSession
from intake.security import token_digest
from intake.web.deps import SESSION_COOKIE
from tests.conftest import PASSWORD
from tests.web.pages import Page


def _client(app, address: str | None = None) -> TestClient:
    # Each test comes from its own address, so throttling one never blocks the logins of another.
    address = address or f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    return TestClient(app, follow_redirects=False, client=(address, 50000))


def _login(c: TestClient, username: str, password: str):
    return c.post("/login", data={"username": username, "password": password})


def _address() -> str:
    return f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"


def _refused(r, seconds: int) -> None:
    """The login was refused for now: 429, Retry-After, the wait said at the field, no session."""
    assert r.status_code == 429
    assert r.headers["Retry-After"] == str(seconds)
    assert f"For mange mislykkede forsøk. Vent {seconds} sekunder og prøv igjen." in Page(r).text("main")
    assert SESSION_COOKIE not in r.cookies


@pytest.fixture
def still_clock(time_machine):
    """The clock stands still (it moves only when the test shifts it), so the waits can be asserted to the second."""
    time_machine.move_to(dt.datetime.now(dt.timezone.utc), tick=False)
    return time_machine


def test_failures_from_one_address_slow_it_down_with_growing_delays(app, make_user, drammen, still_clock):
    victim = make_user("caseworker", drammen)
    with _client(app) as c:
        for i in range(11):  # ten are free, the eleventh starts the delays
            assert _login(c, f"gjett-{secrets.token_hex(3)}-{i}", "feil passord").status_code == 422
        _refused(_login(c, victim.username, PASSWORD), 1)  # even the right password waits, unchecked
        still_clock.shift(dt.timedelta(seconds=1))
        assert _login(c, "gjett-igjen", "feil passord").status_code == 422
        _refused(_login(c, victim.username, PASSWORD), 2)  # the delay doubles with each failure
        still_clock.shift(dt.timedelta(seconds=1))
        _refused(_login(c, victim.username, PASSWORD), 1)
        still_clock.shift(dt.timedelta(seconds=1))
        assert _login(c, victim.username, PASSWORD).status_code == 303
    with _client(app) as elsewhere:  # the address was slowed down, not the user
        assert _login(elsewhere, victim.username, PASSWORD).status_code == 303


def test_an_attacker_elsewhere_slows_down_guesses_but_cannot_lock_the_user_out(app, make_user, drammen, still_clock):
    victim = make_user("caseworker", drammen)
    office = _address()
    with _client(app, office) as c:
        assert _login(c, victim.username, PASSWORD).status_code == 303  # the office is known to the user now
    # Guesses from many addresses (so no address is slowed down): after five, the account's delay grows to a minute
    waits = []
    for _ in range(12):
        with _client(app) as attacker:
            r = _login(attacker, victim.username, "feil passord")
            if r.status_code == 429:
                waits.append(int(r.headers["Retry-After"]))
                still_clock.shift(dt.timedelta(seconds=waits[-1]))
                r = _login(attacker, victim.username, "feil passord")
            assert r.status_code == 422
    assert waits == [2, 4, 8, 16, 32, 60]  # growing, capped at a minute (at most 60 guesses an hour)
    with _client(app) as new_place:
        _refused(_login(new_place, victim.username, PASSWORD), 60)
    with _client(app, office) as c:  # from where the user works, no wait at all
        assert _login(c, victim.username, PASSWORD).status_code == 303


def test_failed_logins_are_audited_and_kept_after_a_success(app, make_user, drammen, db):
    from sqlmodel import select

    from intake.models import AuditEntry, LoginAttempt

    user = make_user("caseworker", drammen)
    with _client(app) as c:
        for _ in range(2):
            assert _login(c, user.username, "feil passord").status_code == 422
        assert _login(c, "ingen-slik-" + user.username, "feil passord").status_code == 422
        assert _login(c, user.username, PASSWORD).status_code == 303
    failed = db.exec(select(AuditEntry).where(AuditEntry.action == "login-failed", AuditEntry.object_type == "user",
                                              AuditEntry.object_id == str(user.id))).all()
    assert len(failed) == 2 and all(e.organisation_id == drammen.id for e in failed)  # in the leader's log
    assert all(e.detail.startswith("address=10.") for e in failed)
    unknown = db.exec(select(AuditEntry).where(AuditEntry.action == "login-failed",
                                               AuditEntry.detail.contains("unknown user name"))).all()
    assert unknown and not any(user.username in e.detail for e in unknown)  # the typed name is not written down
    attempts = db.exec(select(LoginAttempt).where(LoginAttempt.username == user.username)).all()
    assert sorted(a.succeeded for a in attempts) == [False, False, True]  # not deleted by the success


def test_a_deactivated_user_cannot_log_in(app, make_user, drammen, db):
    user = make_user("caseworker", drammen)
    user.active = False
    db.add(user)
    db.commit()
    with _client(app) as c:
        assert _login(c, user.username, PASSWORD).status_code == 422


def _age_session(db, client, *, idle: dt.timedelta = dt.timedelta(0), age: dt.timedelta = dt.timedelta(0)):
    session = db.get(UserSession, token_digest(client.cookies[SESSION_COOKIE]))
    now = dt.datetime.now(dt.timezone.utc)
    session.last_seen_at = now - idle
    session.created_at = now - age
    db.add(session)
    db.commit()


@pytest.mark.parametrize("idle, age, alive", [
    (dt.timedelta(minutes=29), dt.timedelta(hours=7, minutes=59), True),
    (dt.timedelta(minutes=31), dt.timedelta(minutes=31), False),  # idle too long
    (dt.timedelta(minutes=1), dt.timedelta(hours=8, minutes=1), False),  # active, but logged in too long ago
], ids=["fresh", "idle-30-min", "absolute-8-h"])
def test_sessions_expire_after_30_minutes_idle_or_8_hours_in_all(logged_in, caseworker, db, idle, age, alive):
    c = logged_in(caseworker)
    _age_session(db, c, idle=idle, age=age)
    r = c.get("/cases")
    if alive:
        assert r.status_code == 200
    else:
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        db.expire_all()
        assert db.get(UserSession, token_digest(c.cookies[SESSION_COOKIE])) is None  # gone for good, not just refused
        assert c.get("/api/v1/cases/1").status_code == 401


def test_an_expired_session_gets_htmx_to_the_login_page(logged_in, caseworker, db):
    c = logged_in(caseworker)
    _age_session(db, c, idle=dt.timedelta(hours=1))
    r = c.post("/cases/new", headers={"HX-Request": "true", "X-CSRF-Token": c.csrf})
    assert r.status_code == 401 and r.headers["HX-Redirect"] == "/login"


def test_a_page_tells_the_timeout_warning_how_long_the_login_has_left(logged_in, caseworker, db):
    c = logged_in(caseworker)
    _age_session(db, c, idle=dt.timedelta(seconds=50), age=dt.timedelta(hours=7))
    page = Page(c.get("/cases"))
    body = page.all("body")[0]
    # The idle limit less the 50 s since the last use (the session is touched at most once a minute), and the hour
    # left of the 8.
    assert abs(int(body.get("data-session-left")) - (30 * 60 - 50)) <= 5
    assert int(body.get("data-session-idle")) == 30 * 60
    assert abs(int(body.get("data-session-end")) - 60 * 60) <= 5
    _age_session(db, c, idle=dt.timedelta(seconds=50), age=dt.timedelta(hours=7, minutes=50))
    assert abs(int(Page(c.get("/cases")).all("body")[0].get("data-session-left")) - 10 * 60) <= 5  # the 8 hours first
    assert page.all("dialog#session-warning") and "Du blir snart logget ut" in page.text("dialog#session-warning")


def test_fortsett_a_jobbe_starts_the_idle_limit_again_and_needs_the_forms_token(logged_in, caseworker, db):
    c = logged_in(caseworker)
    _age_session(db, c, idle=dt.timedelta(minutes=28), age=dt.timedelta(hours=1))
    assert c.post("/session/extend").status_code == 403  # no CSRF token: refused, and not extended
    r = c.post("/session/extend", headers={"X-CSRF-Token": c.csrf, "Accept": "application/json"})
    assert r.status_code == 200 and abs(r.json()["seconds_left"] - 30 * 60) <= 5
    _age_session(db, c, idle=dt.timedelta(minutes=29, seconds=50), age=dt.timedelta(hours=7, minutes=58))
    r = c.post("/session/extend", headers={"X-CSRF-Token": c.csrf})
    assert abs(r.json()["seconds_left"] - 2 * 60) <= 5  # the 8 hours in all are not moved
    _age_session(db, c, idle=dt.timedelta(minutes=31), age=dt.timedelta(hours=1))
    r = c.post("/session/extend", headers={"X-CSRF-Token": c.csrf, "Accept": "application/json"})
    assert r.status_code == 401 and r.json()["detail"] == "Ikke innlogget."  # the page's script then says so


@pytest.mark.parametrize("secure", [True, False])
def test_the_session_cookie_is_secure_when_configured_and_always_httponly(app, make_user, drammen, monkeypatch,
                                                                          secure):
    from intake.config import get_settings

    user = make_user("caseworker", drammen)
    if secure:
        monkeypatch.setenv("KARTLEGGING_SECURE_COOKIES", "1")
    else:
        monkeypatch.delenv("KARTLEGGING_SECURE_COOKIES", raising=False)
    get_settings.cache_clear()
    try:
        with _client(app) as c:
            r = _login(c, user.username, PASSWORD)
    finally:
        get_settings.cache_clear()
    cookie = r.headers["set-cookie"].lower()
    assert r.status_code == 303
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert ("; secure" in cookie) is secure


def test_a_session_is_stored_by_its_cookies_hash_and_the_hash_logs_nobody_in(app, caseworker, db):
    # A copy of the database (a backup) holds no live session (#12 item 17).
    with _client(app) as c:
        assert _login(c, caseworker.username, PASSWORD).status_code == 303
        cookie = c.cookies[SESSION_COOKIE]
        assert c.get("/cases").status_code == 200
    db.expire_all()
    assert db.get(UserSession, cookie) is None
    stored = db.get(UserSession, token_digest(cookie))
    assert stored.user_id == caseworker.id and cookie not in (stored.id, stored.csrf_token)
    with _client(app) as thief:
        thief.cookies.set(SESSION_COOKIE, stored.id)
        assert thief.get("/cases").status_code == 303  # to the login page
    with _client(app) as owner:
        owner.cookies.set(SESSION_COOKIE, cookie)
        assert owner.get("/cases").status_code == 200  # the session itself lives on


def test_logging_out_ends_the_session_on_the_server(logged_in, caseworker, db):
    c = logged_in(caseworker)
    sid = c.cookies[SESSION_COOKIE]
    assert c.post("/logout", data={"_csrf": c.csrf}).status_code == 303
    db.expire_all()
    assert db.get(UserSession, token_digest(sid)) is None


# --- one's own password ----------------------------------------------------------------------------------------


def _change(c, current, new, repeat=None):
    return c.post("/account/password", data={"_csrf": c.csrf, "current_password": current, "new_password": new,
                                             "repeat_password": new if repeat is None else repeat})


@pytest.mark.parametrize("current, new, repeat, field, message", [
    ("feil passord", "et helt nytt passord", None, "current_password", "Passordet du har nå er feil."),
    (PASSWORD, "for kort", None, "new_password", "Passordet må ha minst 12 tegn."),
    (PASSWORD, "et helt nytt passord", "et annet nytt passord", "repeat_password", "Passordene er ikke like"),
    (PASSWORD, "x" * 10_000, None, "new_password", "høyst 500 tegn"),
], ids=["wrong-current", "too-short", "not-repeated", "too-long"])
def test_a_bad_password_change_is_explained_at_the_field(logged_in, caseworker, current, new, repeat, field, message):
    c = logged_in(caseworker)
    r = _change(c, current, new, repeat)
    assert r.status_code == 422
    page = Page(r)
    assert any(message in m for m in page.field_errors(f"f-{field}"))
    assert page.summary()


def test_changing_the_password_ends_every_other_session(app, logged_in, caseworker):
    here, elsewhere = logged_in(caseworker), logged_in(caseworker)
    r = _change(here, PASSWORD, "et helt nytt og langt passord")
    assert r.status_code == 200 and "Passordet er endret" in Page(r).text("main")
    assert here.get("/cases").status_code == 200  # this session goes on
    assert elsewhere.get("/cases").status_code == 303  # the other one is logged out
    with _client(app) as c:
        assert _login(c, caseworker.username, PASSWORD).status_code == 422
        assert _login(c, caseworker.username, "et helt nytt og langt passord").status_code == 303
