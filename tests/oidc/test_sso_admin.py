"""The administrator's side of single sign-on: a user made to log in only through the provider, linking a person the
provider refused to their user, and unlinking."""

from __future__ import annotations

import uuid

from sqlmodel import select

from intake.models import AuditEntry, User
from tests.conftest import PASSWORD


def test_an_administrator_makes_a_user_without_password_who_gets_in_by_email(client, logged_in, sso, sso_browser,
                                                                           oidc_provider, db, make_org, make_user):
    org = make_org()
    admin = logged_in(make_user("admin", org))
    sso()
    username = f"sso-{uuid.uuid4().hex[:8]}"
    email = f"{username}@drammen.example.no"
    form = admin.get("/admin/users/new")
    assert "Med innloggingstjenesten, uten passord" in form.text
    made = admin.post("/admin/users/new", data={"_csrf": admin.csrf, "full_name": "Siri Saksbehandler",
                                                "username": username, "organisation_id": str(org.id),
                                                "role": "caseworker", "email": email, "login": "sso"})
    assert made.status_code == 303
    assert "har ikke noe passord" in admin.get(made.headers["location"]).text
    user = db.exec(select(User).where(User.username == username)).one()

    # No password works for this user ...
    refused = client.post("/login", data={"username": username, "password": PASSWORD})
    assert refused.status_code == 422
    # ... but the provider's verified e-mail does, and links the user.
    sub = oidc_provider.account(f"p-{uuid.uuid4().hex[:10]}", email=email, email_verified=True)
    assert sso_browser.login(client, sub).headers["location"] == "/cases"
    db.refresh(user)
    assert user.oidc_subject == sub


def test_an_administrator_links_a_refused_person_by_the_subject_in_the_log(client, logged_in, sso, sso_browser,
                                                                           oidc_provider, db, make_org, make_user):
    org = make_org()
    admin = logged_in(make_user("admin", org))
    user = make_user("caseworker", org)
    sub = oidc_provider.account(f"p-{uuid.uuid4().hex[:10]}")  # the provider gives no e-mail
    sso()
    assert sso_browser.login(client, sub).status_code == 403
    db.expire_all()
    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "login-refused")
                    .order_by(AuditEntry.id.desc())).first()
    assert f"subject={sub}" in entry.detail

    page = admin.get(f"/admin/users/{user.id}/sso")
    assert page.status_code == 200 and "ikke koblet" in page.text
    linked = admin.post(f"/admin/users/{user.id}/sso", data={"_csrf": admin.csrf, "provider": "test", "subject": sub})
    assert linked.status_code == 303
    assert sso_browser.login(client, sub).headers["location"] == "/cases"
    assert client.get("/cases").status_code == 200

    # The same subject cannot go to a second user: the error is at the field, what was typed is kept.
    other = make_user("caseworker", org)
    again = admin.post(f"/admin/users/{other.id}/sso", data={"_csrf": admin.csrf, "provider": "test", "subject": sub})
    assert again.status_code == 422
    assert f"allerede koblet til brukeren {user.username}" in again.text and f'value="{sub}"' in again.text

    # Unlinking ends the user's sessions, and the provider's person is a stranger again.
    assert admin.post(f"/admin/users/{user.id}/sso/unlink", data={"_csrf": admin.csrf}).status_code == 303
    assert client.get("/cases").status_code == 303
    assert sso_browser.login(client, sub).status_code == 403
