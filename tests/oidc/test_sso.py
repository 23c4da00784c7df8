"""Single sign-on against a real OpenID provider (tests/oidc/provider.mjs): who gets in, with what, and who does not."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import select

from intake.models import AuditEntry, OidcSession, User, UserSession
from intake.security import token_digest
from intake.web.deps import SESSION_COOKIE
from tests.personas import AHMAD, AMAL


def _sub() -> str:
    return f"person-{uuid.uuid4().hex[:12]}"


def _linked(db, provider, user) -> str:
    """An account at the provider, linked to `user` as an administrator links one (its subject stored)."""
    sub = provider.account(_sub())
    user.oidc_issuer, user.oidc_subject = provider.issuer, sub
    db.add(user)
    db.commit()
    return sub


def _audit(db, action: str) -> list[AuditEntry]:
    db.expire_all()
    return list(db.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all())


def test_a_linked_user_logs_in_and_sees_their_organisations_cases_only(client, sso, sso_browser, oidc_provider, db,
                                                                       make_org, make_user, make_case):
    drammen, bergen = make_org(), make_org(municipality_number="4601", county_code="46")
    user, other = make_user("caseworker", drammen), make_user("caseworker", bergen)
    make_case(user, AMAL)
    make_case(other, AHMAD)
    sub = _linked(db, oidc_provider, user)
    sso()

    login_page = client.get("/login")
    assert "Logg inn med Testkommunens konto" in login_page.text

    arrived = sso_browser.login(client, sub)
    assert arrived.status_code == 303 and arrived.headers["location"] == "/cases"
    cases = client.get("/cases")
    assert cases.status_code == 200
    assert AMAL["participant.name"] in cases.text and AHMAD["participant.name"] not in cases.text
    login = _audit(db, "login")[-1]
    assert login.user_id == user.id and "via=sso provider=test" in login.detail
    # stored by the cookie's hash, as a password login is (#12 item 17): the cookie's value is nowhere in the database
    cookie = client.cookies[SESSION_COOKIE]
    assert db.get(UserSession, cookie) is None and db.get(OidcSession, cookie) is None
    assert db.get(UserSession, token_digest(cookie)).user_id == user.id
    assert db.get(OidcSession, token_digest(cookie)).provider == "test"


def test_an_unknown_subject_is_refused_in_norwegian_and_the_refusal_is_audited(client, sso, sso_browser,
                                                                              oidc_provider, db):
    sub = oidc_provider.account(_sub(), email="ukjent@example.no", email_verified=True)
    sso()
    refused = sso_browser.login(client, sub)
    assert refused.status_code == 403
    assert "Du er ikke registrert som bruker av Kartlegging" in refused.text
    assert client.get("/cases").status_code == 303  # no session: back to the login page
    entry = _audit(db, "login-refused")[-1]
    assert entry.user_id is None and f"subject={sub}" in entry.detail and "reason=unknown" in entry.detail


def test_a_tampered_state_is_refused(client, sso, sso_browser, oidc_provider, db, make_org, make_user):
    user = make_user("caseworker", make_org())
    sub = _linked(db, oidc_provider, user)
    sso()
    start = client.get("/login/sso/test")
    location = start.headers["location"].replace("state=", "state=x")  # the provider sends it back as given
    answer = sso_browser.follow(client, location, sub)
    assert answer.status_code == 400
    assert "Innloggingen kunne ikke fullføres" in answer.text
    assert client.get("/cases").status_code == 303
    assert "state does not match" in _audit(db, "login-refused")[-1].detail


def test_a_callback_replayed_in_another_browser_is_refused(client, app, sso, sso_browser, oidc_provider, db,
                                                           make_org, make_user):
    from fastapi.testclient import TestClient

    user = make_user("caseworker", make_org())
    sub = _linked(db, oidc_provider, user)
    sso()
    start = client.get("/login/sso/test")
    with TestClient(app, follow_redirects=False) as victim:  # never started this login: no state cookie
        answer = sso_browser.follow(victim, start.headers["location"], sub)
        assert answer.status_code == 400
        assert victim.get("/cases").status_code == 303


def test_logout_ends_the_session_here_and_at_the_provider(client, sso, sso_browser, oidc_provider, db, make_org,
                                                          make_user):
    user = make_user("caseworker", make_org())
    sub = _linked(db, oidc_provider, user)
    sso()
    sso_browser.login(client, sub)
    page = client.get("/cases")
    csrf = page.text.split('name="_csrf" value="')[1].split('"')[0]

    out = client.post("/logout", data={"_csrf": csrf})
    assert out.status_code == 200 and "Du er logget ut av Kartlegging" in out.text
    assert client.get("/cases").status_code == 303  # our session is gone
    assert _audit(db, "logout")[-1].user_id == user.id
    provider_logout = out.text.split('id="provider-logout"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert provider_logout.startswith(oidc_provider.issuer) and "id_token_hint=" in provider_logout
    back = sso_browser.follow(client, provider_logout.replace("&amp;", "&"))
    assert back.status_code == 200 and "Logg inn" in back.text  # the provider sent us back to our login page

    # The provider's session has ended too: logging in again asks for the login anew.
    shown = len(sso_browser.pages)
    sso_browser.login(client, sub)
    assert any('name="login"' in p for p in sso_browser.pages[shown:])


def test_a_user_is_found_by_verified_email_and_linked(client, sso, sso_browser, oidc_provider, db, make_org,
                                                      make_user):
    user = make_user("leader", make_org())
    sub = oidc_provider.account(_sub(), email=user.email.upper(), email_verified=True)
    sso()
    assert sso_browser.login(client, sub).status_code == 303
    db.refresh(user)
    assert (user.oidc_issuer, user.oidc_subject) == (oidc_provider.issuer, sub)
    assert _audit(db, "link-sso")[-1].user_id == user.id


def test_an_unverified_email_does_not_match(client, sso, sso_browser, oidc_provider, db, make_org, make_user):
    user = make_user("caseworker", make_org())
    sub = oidc_provider.account(_sub(), email=user.email, email_verified=False)
    sso()
    assert sso_browser.login(client, sub).status_code == 403
    db.refresh(user)
    assert user.oidc_subject is None


def test_role_and_organisation_from_claims_make_the_user_at_first_login(client, sso, sso_browser, oidc_provider,
                                                                        db, make_org):
    org = make_org()
    sub = oidc_provider.account(_sub(), email=f"{uuid.uuid4().hex[:8]}@drammen.example.no", email_verified=True,
                                name="Kari Nordmann", preferred_username="kari.n", groups=["alle", "kt-leder"])
    sso(scopes="openid email profile groups", organisation=org.id, role_claim="groups",
        roles={"kt-saksbehandler": "caseworker", "kt-leder": "leader"})
    assert sso_browser.login(client, sub).status_code == 303
    user = db.exec(select(User).where(User.oidc_subject == sub)).one()
    assert (user.role, user.organisation_id, user.full_name) == ("leader", org.id, "Kari Nordmann")
    assert client.get("/cases").status_code == 200

    # The claim changes at the provider: the next login follows it.
    oidc_provider.account(sub, groups=["kt-saksbehandler"])
    client.cookies.clear()
    sso_browser.login(client, sub)
    db.refresh(user)
    assert user.role == "caseworker"


def test_without_a_mapped_role_nobody_new_gets_in(client, sso, sso_browser, oidc_provider, db, make_org):
    org = make_org()
    sub = oidc_provider.account(_sub(), groups=["alle"])
    sso(scopes="openid email profile groups", organisation=org.id, role_claim="groups",
        roles={"kt-leder": "leader"})
    assert sso_browser.login(client, sub).status_code == 403
    assert db.exec(select(User).where(User.oidc_subject == sub)).first() is None


def test_a_provider_for_one_organisation_does_not_let_in_another_organisations_user(client, sso, sso_browser,
                                                                                    oidc_provider, db, make_org,
                                                                                    make_user):
    user = make_user("caseworker", make_org(municipality_number="4601", county_code="46"))
    sub = oidc_provider.account(_sub(), email=user.email, email_verified=True)
    sso(organisation=make_org().id)
    assert sso_browser.login(client, sub).status_code == 403
    db.refresh(user)
    assert user.oidc_subject is None  # nor is the link kept


def test_an_expired_id_token_is_refused(client, sso, sso_browser, oidc_provider, db, make_org, make_user,
                                        time_machine, monkeypatch):
    from intake import oidc

    user = make_user("caseworker", make_org())
    sub = _linked(db, oidc_provider, user)
    sso()
    monkeypatch.setattr(oidc, "LOGIN_TIMEOUT", dt.timedelta(hours=3))  # only the token may run out here
    # The provider issues the token (valid for an hour) as it sends the browser back; we read it two hours later.
    app_get = client.get

    def two_hours_later(url, **kwargs):
        if url.startswith("/login/sso/callback"):
            time_machine.shift(dt.timedelta(hours=2))
        return app_get(url, **kwargs)

    monkeypatch.setattr(client, "get", two_hours_later)
    answer = sso_browser.login(client, sub)
    assert answer.status_code == 400
    assert app_get("/cases").status_code == 303
    assert "ID token refused" in _audit(db, "login-refused")[-1].detail


def test_a_shared_provider_places_a_new_user_by_the_organisation_claim(client, sso, sso_browser, oidc_provider, db,
                                                                      make_org):
    drammen, bergen = make_org(), make_org(municipality_number="4601", county_code="46")
    sub = oidc_provider.account(_sub(), name="Ola Bergen", groups=["kt-saksbehandler"], org="bergen")
    sso(scopes="openid email profile groups", role_claim="groups", roles={"kt-saksbehandler": "caseworker"},
        organisation_claim="org", organisations={"drammen": drammen.id, "bergen": bergen.id})
    assert sso_browser.login(client, sub).status_code == 303
    user = db.exec(select(User).where(User.oidc_subject == sub)).one()
    assert (user.organisation_id, user.role) == (bergen.id, "caseworker")
