"""The administrator's pages: organisations, users (create, deactivate, reset password), API tokens. Administrators act
across organisations, except on API tokens, which they see and revoke only for their own organisation's users (a
token reads that organisation's cases); everything here needs the `admin.manage` permission."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlmodel import col, select

from .. import access, i18n, oidc
from ..admin import (KINDS, MIN_PASSWORD, ROLES, NewUser, create_organisation, create_user, issue_token, link_sso,
                     organisation_tokens, reset_password, revoke_token, set_active, unlink_sso, without_password)
from ..domain.reference import tables
from ..models import Organisation, User
from ..security import TOKEN_DAYS, TOKEN_MAX_DAYS, token_live
from .deps import CurrentUser, LongRequest, ObjectId, PostedForm, SessionDep
from .templates import render_page

router = APIRouter(prefix="/admin", include_in_schema=False)
MAX_FIELD = 10_000  # longer posted values are cut here; the field checks then report them as too long


async def form_values(form: PostedForm) -> dict[str, str]:
    """A posted form as one string per field (the last one), for pages whose fields are all single-valued."""
    return {k: v[:MAX_FIELD] for k, v in form.multi_items() if isinstance(v, str) and not k.startswith("_")}


FormValues = Annotated[dict[str, str], Depends(form_values)]


def _orgs(db) -> list[Organisation]:
    return list(db.exec(select(Organisation).order_by(Organisation.name)).all())


def _counties() -> list[tuple[str, str]]:
    return [(code, row["name"]) for code, row in sorted(tables()["counties"].items())]


@router.get("")
def admin_home(user: CurrentUser, db: SessionDep):
    access.require(db, user, "admin.manage")
    return RedirectResponse("/admin/users", status_code=303)


def _organisations_page(request, db, values=None, errors=(), created=None, status_code=200):
    return render_page(request, "admin/organisations.html", {
        "organisations": _orgs(db), "values": values or {}, "errors": list(errors),
        "kinds": [(k, i18n.translate(v)) for k, v in KINDS.items()], "counties": _counties(), "created": created}, status_code=status_code)


@router.get("/organisations")
def organisations(request: Request, user: CurrentUser, db: SessionDep):
    access.require(db, user, "admin.manage")
    return _organisations_page(request, db, created=request.query_params.get("created"))


@router.post("/organisations")
def organisation_create(request: Request, user: CurrentUser, db: SessionDep, values: FormValues):
    access.require(db, user, "admin.manage")
    org, errors = create_organisation(db, user, name=values.get("name", ""), kind=values.get("kind", ""),
                                      municipality_number=values.get("municipality_number", ""),
                                      county_code=values.get("county_code", ""))
    if errors:
        return _organisations_page(request, db, values, errors, status_code=422)
    return RedirectResponse(f"/admin/organisations?created={org.id}", status_code=303)


@router.get("/users")
def users(request: Request, user: CurrentUser, db: SessionDep):
    access.require(db, user, "admin.manage")
    rows = db.exec(select(User, Organisation).join(Organisation, col(User.organisation_id) == Organisation.id)
                   .order_by(Organisation.name, User.username)).all()
    return render_page(request, "admin/users.html", {"rows": rows, "role_labels": access.ROLE_LABELS,
                                                     "sso": bool(oidc.providers())})


def _new_user_page(request, db, values=None, errors=(), status_code=200):
    return render_page(request, "admin/user_new.html", {
        "values": values or {}, "errors": list(errors), "organisations": [(o.id, o.name) for o in _orgs(db)],
        "roles": [(r, i18n.translate(access.ROLE_LABELS[r])) for r in ROLES], "sso": bool(oidc.providers()),
        "min_length": MIN_PASSWORD}, status_code=status_code)


@router.get("/users/new")
def user_new(request: Request, user: CurrentUser, db: SessionDep):
    access.require(db, user, "admin.manage")
    return _new_user_page(request, db)


@router.post("/users/new", dependencies=[LongRequest])
def user_create(request: Request, user: CurrentUser, db: SessionDep, values: FormValues):
    access.require(db, user, "admin.manage")
    org_id = values.get("organisation_id", "")
    data = NewUser(username=values.get("username", ""), full_name=values.get("full_name", ""),
                   role=values.get("role", ""), organisation_id=access.form_id(org_id), email=values.get("email", ""), phone=values.get("phone", ""))
    sso = values.get("login") == "sso" and oidc.providers()
    # a first password the administrator chose (checked as any password is), else one made for them; never with SSO
    chosen = values.get("password", "") if not sso else ""
    created, password, errors = create_user(db, user, data, chosen or None)
    if errors:
        return _new_user_page(request, db, values, errors, status_code=422)
    if sso:
        without_password(db, created)  # found at the first single sign-on login by e-mail, or linked on its page
        return RedirectResponse(f"/admin/users/{created.id}/sso?created=1", status_code=303)
    return render_page(request, "admin/password_shown.html", {"subject": created, "password": password, "new": True})


def _target(db, user_id: int) -> User:
    target = db.get(User, access.known_id(user_id))
    if target is None:
        raise access.NotFound()
    return target


@router.post("/users/{user_id}/deactivate")
def user_deactivate(request: Request, user_id: ObjectId, user: CurrentUser, db: SessionDep):
    access.require(db, user, "admin.manage")
    errors = set_active(db, user, _target(db, user_id), False)
    if errors:
        return render_page(request, "errors/error.html", {"status": 422, "message": errors[0].message}, status_code=422)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/activate")
def user_activate(user_id: ObjectId, user: CurrentUser, db: SessionDep):
    access.require(db, user, "admin.manage")
    set_active(db, user, _target(db, user_id), True)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/password", dependencies=[LongRequest])
def user_reset_password(request: Request, user_id: ObjectId, user: CurrentUser, db: SessionDep):
    access.require(db, user, "admin.manage")
    target = _target(db, user_id)
    password = reset_password(db, user, target)
    return render_page(request, "admin/password_shown.html", {"subject": target, "password": password, "new": False})


def _sso_page(request, db, target, values=None, errors=(), created=False, status_code=200):
    providers = oidc.providers()
    linked = next((p for p in providers.values() if p.issuer == target.oidc_issuer), None)
    return render_page(request, "admin/user_sso.html", {
        "subject": target, "linked": linked, "providers": [(p.name, p.label) for p in providers.values()],
        "values": values or {}, "errors": list(errors), "created": created}, status_code=status_code)


@router.get("/users/{user_id}/sso")
def user_sso(request: Request, user_id: ObjectId, user: CurrentUser, db: SessionDep):
    access.require(db, user, "admin.manage")
    return _sso_page(request, db, _target(db, user_id), created=request.query_params.get("created") == "1")


@router.post("/users/{user_id}/sso")
def user_sso_link(request: Request, user_id: ObjectId, user: CurrentUser, db: SessionDep, values: FormValues):
    """Link the user to the subject the provider gives them (e.g. from an "Innlogging avvist" entry of the log)."""
    access.require(db, user, "admin.manage")
    target = _target(db, user_id)
    provider = oidc.providers().get(values.get("provider", ""))
    errors = link_sso(db, user, target, provider.issuer if provider else "", values.get("subject", ""))
    if errors:
        return _sso_page(request, db, target, values, errors, status_code=422)
    return RedirectResponse(f"/admin/users/{target.id}/sso", status_code=303)


@router.post("/users/{user_id}/sso/unlink")
def user_sso_unlink(user_id: ObjectId, user: CurrentUser, db: SessionDep):
    access.require(db, user, "admin.manage")
    target = _target(db, user_id)
    unlink_sso(db, user, target)
    return RedirectResponse(f"/admin/users/{target.id}/sso", status_code=303)


def _tokens_page(request, db, user, values=None, errors=(), revoked=False, status_code=200):
    users = db.exec(select(User).where(User.organisation_id == user.organisation_id, User.active == True)  # noqa: E712
                    .order_by(User.full_name)).all()
    return render_page(request, "admin/tokens.html", {
        "tokens": organisation_tokens(db, user.organisation_id), "live": token_live,
        "organisation": db.get(Organisation, user.organisation_id),
        "users": [(u.id, f"{u.full_name} ({u.username})") for u in users],
        "values": values or {"days": str(TOKEN_DAYS)}, "errors": list(errors), "max_days": TOKEN_MAX_DAYS,
        "revoked": revoked}, status_code=status_code)


@router.get("/tokens")
def tokens(request: Request, user: CurrentUser, db: SessionDep):
    """"API-nøkler": the tokens of the administrator's own organisation's users, a form for a new one."""
    access.require(db, user, "admin.manage")
    return _tokens_page(request, db, user, revoked=request.query_params.get("revoked") == "1")


@router.post("/tokens")
def token_create(request: Request, user: CurrentUser, db: SessionDep, values: FormValues):
    access.require(db, user, "admin.manage")
    user_id = values.get("user_id", "")
    subject = db.get(User, int(user_id)) if user_id.isdigit() and len(user_id) < 10 else None
    if subject is not None and subject.organisation_id != user.organisation_id:
        subject = None  # another organisation's user is not among the choices: as if none was chosen
    token, errors = issue_token(db, user, subject, values.get("name", ""), values.get("days", ""))
    if errors:
        return _tokens_page(request, db, user, values, errors, status_code=422)
    return render_page(request, "admin/token_shown.html", {"subject": subject, "name": values.get("name", "").strip(),
                                                           "token": token})


@router.post("/tokens/{token_id}/revoke")
def token_revoke(token_id: ObjectId, user: CurrentUser, db: SessionDep):
    access.require(db, user, "admin.manage")
    if not revoke_token(db, user, token_id, user.organisation_id):
        raise access.NotFound()
    return RedirectResponse("/admin/tokens?revoked=1", status_code=303)
