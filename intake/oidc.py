"""Single sign-on with OpenID Connect: the authorization code flow with PKCE (Authlib), the ID token's checks, and
finding the provider's user among ours (by the stored subject, or by e-mail, then linked), with role and organisation
from an administrator or from configured claims. The providers are settings (intake/config.py, README "Single sign-on").

A login under way is a row (`OidcLogin`) named by its `state`, which is also in a cookie of the browser that started it:
the callback needs both, and the row is used once, so a callback URL replayed or planted in another browser fails.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx2
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from sqlmodel import Session, col, delete, func, select

from . import audit, clock
from .admin import ROLES_BY_KIND, USERNAME
from .config import OidcProvider, get_settings
from .domain.messages import N_, Message
from .models import Organisation, OidcLogin, OidcSession, User, UserSession

LOGIN_TIMEOUT = dt.timedelta(minutes=10)  # from the login button to the provider's answer
METADATA_TTL = 3600  # seconds a provider's discovery document and keys are kept
HTTP_TIMEOUT = 10
LEEWAY = 60  # seconds of clock difference allowed between the provider and us (exp, iat)


class LoginFailed(Exception):
    """The login could not be completed (state, provider answer, token checks); `message` is shown, `reason` audited."""

    def __init__(self, message: Message, reason: str):
        super().__init__(reason)
        self.message = message
        self.reason = reason


class Refused(Exception):
    """The provider vouched for the person, but they may not use Kartlegging (unknown, inactive, other organisation)."""

    def __init__(self, message: Message, reason: str):
        super().__init__(reason)
        self.message = message
        self.reason = reason


def providers() -> dict[str, OidcProvider]:
    return get_settings().oidc_providers


# --- the provider's discovery document and keys, kept for an hour ---------------------------------------------------

_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_cache_lock = threading.Lock()


def _get_json(url: str, force: bool = False) -> dict[str, Any]:
    with _cache_lock:
        found = _cache.get(url)
    if found and not force and time.monotonic() - found[0] < METADATA_TTL:
        return found[1]
    with httpx2.Client(timeout=HTTP_TIMEOUT) as http:
        response = http.get(url)
        response.raise_for_status()
        data = response.json()
    with _cache_lock:
        _cache[url] = (time.monotonic(), data)
    return data


def metadata(provider: OidcProvider) -> dict[str, Any]:
    try:
        meta = _get_json(provider.issuer.rstrip("/") + "/.well-known/openid-configuration")
    except Exception as exc:
        raise LoginFailed(N_("Innloggingstjenesten svarer ikke. Prøv igjen om litt."), f"discovery: {exc}") from exc
    if meta.get("issuer") != provider.issuer:  # OpenID Connect Discovery 1.0 § 4.3
        raise LoginFailed(N_("Innloggingstjenesten er feil satt opp. Si fra til administratoren."),
                          f"discovery names issuer {meta.get('issuer')!r}")
    return meta


def _keys(meta: dict[str, Any], force: bool = False) -> KeySet:
    return KeySet.import_key_set(_get_json(meta["jwks_uri"], force=force))


# --- starting a login ------------------------------------------------------------------------------------------------

def _client(provider: OidcProvider, redirect_uri: str) -> OAuth2Client:
    return OAuth2Client(client_id=provider.client_id, client_secret=provider.client_secret or None,
                        scope=provider.scopes, redirect_uri=redirect_uri, code_challenge_method="S256",
                        token_endpoint_auth_method="client_secret_basic" if provider.client_secret else "none",
                        timeout=HTTP_TIMEOUT)


def begin(db: Session, provider: OidcProvider, redirect_uri: str, next_path: str) -> tuple[str, str]:
    """The provider's authorization URL to send the browser to, and the state to keep in its cookie."""
    meta = metadata(provider)
    db.exec(delete(OidcLogin).where(col(OidcLogin.created_at) < clock.now() - LOGIN_TIMEOUT))
    pending = OidcLogin(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                        code_verifier=generate_token(64), provider=provider.name, next_path=next_path)
    db.add(pending)
    db.commit()
    with _client(provider, redirect_uri) as client:
        url, _ = client.create_authorization_url(meta["authorization_endpoint"], state=pending.state,
                                                 nonce=pending.nonce, code_verifier=pending.code_verifier)
    return url, pending.state


# --- the provider's answer --------------------------------------------------------------------------------------------

@dataclass
class Answer:
    provider: OidcProvider
    claims: dict[str, Any]
    id_token: str
    next_path: str


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def _take_pending(db: Session, state: str, cookie_state: str | None) -> OidcLogin:
    """The login under way that this answer belongs to, removed so it is used once."""
    if not state or not cookie_state or not secrets.compare_digest(state.encode(), cookie_state.encode()):
        raise LoginFailed(N_("Innloggingen kunne ikke fullføres. Start innloggingen på nytt."),
                          "state does not match this browser's")
    pending = db.get(OidcLogin, state)
    if pending is None:
        raise LoginFailed(N_("Innloggingen kunne ikke fullføres. Start innloggingen på nytt."), "unknown state")
    db.delete(pending)
    db.commit()
    if clock.now() - _aware(pending.created_at) > LOGIN_TIMEOUT:
        raise LoginFailed(N_("Innloggingen tok for lang tid. Start innloggingen på nytt."), "state expired")
    return pending


def finish(db: Session, params: dict[str, str], cookie_state: str | None, redirect_uri: str) -> Answer:
    """Check the provider's answer against the login under way, exchange the code (with the PKCE verifier) and check
    the ID token. Raises LoginFailed."""
    pending = _take_pending(db, params.get("state", ""), cookie_state)
    provider = providers().get(pending.provider)
    if provider is None:
        raise LoginFailed(N_("Innloggingstjenesten er ikke lenger satt opp."), f"provider {pending.provider} gone")
    if params.get("error"):
        raise LoginFailed(N_("Innloggingstjenesten avbrøt innloggingen. Prøv igjen."),
                          f"provider error {params['error'][:100]}")
    if params.get("iss") and params["iss"] != provider.issuer:  # RFC 9207: the answer is from another provider
        raise LoginFailed(N_("Innloggingen kunne ikke fullføres. Start innloggingen på nytt."), "iss does not match")
    if not params.get("code"):
        raise LoginFailed(N_("Innloggingen kunne ikke fullføres. Start innloggingen på nytt."), "no code")
    meta = metadata(provider)
    try:
        with _client(provider, redirect_uri) as client:
            token = client.fetch_token(meta["token_endpoint"], grant_type="authorization_code", code=params["code"],
                                       code_verifier=pending.code_verifier)
    except Exception as exc:
        raise LoginFailed(N_("Innloggingen kunne ikke fullføres. Start innloggingen på nytt."),
                          f"token endpoint: {str(exc)[:200]}") from exc
    if "id_token" not in token:
        raise LoginFailed(N_("Innloggingen kunne ikke fullføres. Start innloggingen på nytt."), "no ID token")
    claims = check_id_token(token["id_token"], meta, provider.client_id, pending.nonce,
                            access_token=token.get("access_token"))
    return Answer(provider=provider, claims=claims, id_token=token["id_token"], next_path=pending.next_path)


def check_id_token(id_token: str, meta: dict[str, Any], client_id: str, nonce: str,
                   access_token: str | None = None, keys: KeySet | None = None) -> dict[str, Any]:
    """The ID token's claims once its signature (the provider's keys), issuer, audience, expiry, issue time, nonce and
    access token hash are checked (OpenID Connect Core § 3.1.3.7). Raises LoginFailed."""
    registry = JWSRegistry(algorithms=meta.get("id_token_signing_alg_values_supported") or ["RS256"])
    try:
        try:
            decoded = jwt.decode(id_token, keys or _keys(meta), registry=registry)
        except InvalidKeyIdError:  # the provider has rolled its keys since we read them
            decoded = jwt.decode(id_token, _keys(meta, force=True), registry=registry)
        options = {"iss": {"essential": True, "value": meta["issuer"]},
                   "aud": {"essential": True, "value": client_id},
                   "sub": {"essential": True}, "exp": {"essential": True}, "iat": {"essential": True},
                   "nonce": {"essential": True, "value": nonce}}
        params = {"nonce": nonce, "client_id": client_id}
        if access_token:
            params["access_token"] = access_token
        claims = CodeIDToken(decoded.claims, decoded.header, options, params)
        claims.validate(now=int(clock.now().timestamp()), leeway=LEEWAY)
        if claims["iat"] > clock.now().timestamp() + LEEWAY:
            raise LoginFailed(N_("Innloggingen kunne ikke fullføres. Start innloggingen på nytt."),
                              "ID token issued in the future")
    except LoginFailed:
        raise
    except (JoseError, ValueError, KeyError) as exc:
        raise LoginFailed(N_("Innloggingen kunne ikke fullføres. Start innloggingen på nytt."),
                          f"ID token refused: {type(exc).__name__} {str(exc)[:200]}") from exc
    return dict(claims)


# --- whose login it is ----------------------------------------------------------------------------------------------

UNKNOWN = N_("Du er ikke registrert som bruker av Kartlegging. Be administratoren i virksomheten din om å gi deg "
             "tilgang, og oppgi e-postadressen din.")


def _values(claim: Any) -> list[str]:
    if isinstance(claim, str):
        return [claim]
    if isinstance(claim, list):
        return [v for v in claim if isinstance(v, str)]
    return []


def mapped_role(provider: OidcProvider, claims: dict[str, Any]) -> str | None:
    """The role the configured claim gives (the first of the mapping's values the person has), or None."""
    if not provider.role_claim:
        return None
    have = set(_values(claims.get(provider.role_claim)))
    return next((role for value, role in provider.roles.items() if value in have), None)


def mapped_organisation(provider: OidcProvider, claims: dict[str, Any]) -> int | None:
    if provider.organisation is not None:
        return provider.organisation
    if provider.organisation_claim:
        have = _values(claims.get(provider.organisation_claim))
        return next((org for value, org in provider.organisations.items() if value in have), None)
    return None


def _email(provider: OidcProvider, claims: dict[str, Any]) -> str | None:
    email = claims.get("email")
    if provider.email_matching == "off" or not isinstance(email, str) or "@" not in email:
        return None
    if provider.email_matching == "verified" and claims.get("email_verified") is not True:
        return None
    return email.strip().lower()


def _new_username(db: Session, claims: dict[str, Any]) -> str:
    wanted = claims.get("preferred_username") or (claims.get("email") or "").split("@")[0] or "sso"
    base = re.sub(r"[^a-z0-9._-]", "", str(wanted).lower())[:80].strip("._-") or "sso"
    base = base if USERNAME.fullmatch(base) else f"sso-{base}"[:80]
    name, n = base, 1
    while db.exec(select(User.id).where(User.username == name)).first() is not None:
        n += 1
        name = f"{base}-{n}"
    return name


def find_user(db: Session, provider: OidcProvider, claims: dict[str, Any]) -> User:
    """Our user for the provider's person: by the stored subject, else by e-mail (then the subject is stored), else
    made from the claims where role and organisation are mapped. Role and organisation follow the claims where they are
    configured. Every change is audited; raises Refused (audited by the caller)."""
    issuer, subject = claims["iss"], str(claims["sub"])
    user = db.exec(select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject)).first()
    email = _email(provider, claims)
    if user is None and email:
        found = db.exec(select(User).where(func.lower(User.email) == email)).all()
        if len(found) == 1 and found[0].oidc_subject is None:
            user = found[0]
            user.oidc_issuer, user.oidc_subject = issuer, subject
            db.add(user)
            audit.record(db, user, "link-sso", "user", user.id, f"provider={provider.name} by=email")
    role, org_id = mapped_role(provider, claims), mapped_organisation(provider, claims)
    if user is None:
        if not (role and org_id is not None and provider.role_claim):
            raise Refused(UNKNOWN, "unknown")
        org = db.get(Organisation, org_id)
        if org is None or role not in ROLES_BY_KIND[org.kind]:
            raise Refused(UNKNOWN, f"role {role} does not fit organisation {org_id}")
        name = claims.get("name") or email or subject
        user = User(username=_new_username(db, claims), full_name=str(name)[:200], email=email, role=role,
                    organisation_id=org.id, password_hash="", oidc_issuer=issuer, oidc_subject=subject)
        db.add(user)
        db.flush()
        audit.record(db, user, "create", "user", user.id, f"username={user.username} role={role} via=sso "
                     f"provider={provider.name}", organisation_id=org.id)
        return user
    if not user.active:
        raise Refused(N_("Brukeren din i Kartlegging er deaktivert. Kontakt administratoren i virksomheten din."),
                      f"inactive user {user.username}")
    if provider.organisation is not None and user.organisation_id != provider.organisation:
        raise Refused(UNKNOWN, f"user {user.username} belongs to another organisation")
    if provider.role_claim:
        if role is None:
            raise Refused(N_("Du har ingen rolle i Kartlegging hos innloggingstjenesten. Kontakt administratoren i "
                             "virksomheten din."), f"no role claim for {user.username}")
        org = db.get(Organisation, user.organisation_id)
        if role != user.role and role in ROLES_BY_KIND[org.kind]:
            audit.record(db, user, "update", "user", user.id, f"role {user.role}->{role} via=sso")
            user.role = role
            db.add(user)
    return user


def remember_session(db: Session, session_id: str, answer: Answer) -> None:
    """Keep the session's provider and ID token for logout; drop those of sessions that have ended."""
    db.exec(delete(OidcSession).where(col(OidcSession.session_id).not_in(select(UserSession.id))))
    db.add(OidcSession(session_id=session_id, provider=answer.provider.name, id_token=answer.id_token))
    db.commit()


def end_session_url(db: Session, session_id: str, post_logout_redirect_uri: str) -> str | None:
    """Where to send the browser so the provider ends its session too (RP-Initiated Logout), if the session came from
    a provider that offers it. The session's row goes."""
    row = db.get(OidcSession, session_id)
    if row is None:
        return None
    db.delete(row)
    db.commit()
    provider = providers().get(row.provider)
    if provider is None:
        return None
    try:
        endpoint = metadata(provider).get("end_session_endpoint")
    except LoginFailed:
        return None
    if not endpoint:
        return None
    return add_params_to_uri(endpoint, {"id_token_hint": row.id_token, "client_id": provider.client_id,
                                        "post_logout_redirect_uri": post_logout_redirect_uri})
