"""Passwords (Argon2 via pwdlib), API tokens (named, expiring, revocable), login sessions with idle and absolute expiry, login throttling
(growing delays per address and per account, never a lockout)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass

from pwdlib import PasswordHash
from sqlalchemy import bindparam
from sqlmodel import Session, col, delete, func, select

from . import audit, clock
from .models import ApiToken, Case, LoginAttempt, User, UserSession

_hasher = PasswordHash.recommended()
# A hash to verify against when the user does not exist, so timing does not reveal which user names exist.
_DUMMY_HASH = _hasher.hash("not-a-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    try:
        return _hasher.verify(password, password_hash)
    except Exception:  # a malformed stored hash is a failed login, never a crash
        return False


def token_digest(token: str) -> str:
    """What is stored of a secret the user holds (an API token, a session cookie): its SHA-256, never the secret."""
    return hashlib.sha256(token.encode()).hexdigest()


TOKEN_DAYS = 90  # an API token's lifetime unless its maker says otherwise
TOKEN_MAX_DAYS = 365


def create_api_token(db: Session, user: User, *, name: str = "", days: int = TOKEN_DAYS, actor: User | None = None,
                     by: str = "") -> str:
    """A new API token for `user`, valid for `days` days, audited as made by `actor` (None: the command line, `by`
    saying who ran it). Returns the token, which is shown this once: only its digest is kept."""
    token = "kt_" + secrets.token_urlsafe(32)
    now = clock.now()
    row = ApiToken(user_id=user.id, token_hash=token_digest(token), name=name, created_at=now,
                   expires_at=now + dt.timedelta(days=days))
    db.add(row)
    db.flush()
    audit.record(db, actor, "create", "api_token", row.id,
                 f"user={user.username} expires={row.expires_at.date().isoformat()}" + (f" by={by}" if by else "")
                 + (f" name={name}" if name else ""), organisation_id=user.organisation_id)
    db.commit()
    return token


def token_live(row: ApiToken, now: dt.datetime | None = None) -> bool:
    """The token (or a row of its `revoked_at` and `expires_at`) is neither revoked nor expired."""
    return row.revoked_at is None and _aware(row.expires_at) > (now or clock.now())


def revoke_api_token(db: Session, row: ApiToken, actor: User | None, why: str = "") -> bool:
    """Revoke the token (in the caller's transaction), audited; False if it was revoked already."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = clock.now()
    db.add(row)
    user = db.get(User, row.user_id)
    audit.record(db, actor, "revoke", "api_token", row.id, f"user={user.username}" + (f" {why}" if why else ""),
                 organisation_id=user.organisation_id)
    return True


def revoke_user_tokens(db: Session, user: User, actor: User | None, why: str) -> int:
    """Revoke every token of `user` that still works (as the user is deactivated or given a new password), in the
    caller's transaction; how many."""
    rows = db.exec(select(ApiToken).where(ApiToken.user_id == user.id, col(ApiToken.revoked_at).is_(None))).all()
    return sum(revoke_api_token(db, row, actor, why) for row in rows if token_live(row))


def user_for_token(db: Session, token: str, *, case_id: int | None = None) -> User | None:
    """The token's user, if the token is known, neither expired nor revoked, and its user active. `case_id`: the case
    the request names is read by the same query, into the session (where `access.load_case` finds it without a query
    of its own; it still decides whether the user may see it)."""
    # One query for the token and its user: every API request passes here. A token is a high-entropy random secret,
    # so its SHA-256 is looked up directly (no slow hash needed).
    params = {"token_hash": token_digest(token)}
    if case_id is None:
        found = db.exec(_TOKEN_AND_USER, params=params).first()
    else:
        found = db.exec(_TOKEN_USER_AND_CASE, params={**params, "case_id": case_id}).first()
        if found is not None:
            # Held for the session's life: its identity map keeps an object only while something refers to it
            db.info["read_with_token"] = found[3]
    if found is None:
        return None
    user = found[2]
    return user if token_live(found) and user.active else None


# Built once. Of the token, only what says whether it is live (its row as an object would cost more than the query).
_TOKEN_AND_USER = (select(ApiToken.revoked_at, ApiToken.expires_at, User).join(User, User.id == ApiToken.user_id)
                   .where(ApiToken.token_hash == bindparam("token_hash")))
_TOKEN_USER_AND_CASE = (select(ApiToken.revoked_at, ApiToken.expires_at, User, Case)
                        .join(User, User.id == ApiToken.user_id)
                        .outerjoin(Case, Case.id == bindparam("case_id"))
                        .where(ApiToken.token_hash == bindparam("token_hash")))


def create_session(db: Session, user: User) -> tuple[UserSession, str]:
    """A new login session and the value for its cookie. The row is keyed by the value's SHA-256, as API tokens are
    (#12 item 17): a copy of the database holds no value that logs anyone in."""
    cookie = secrets.token_urlsafe(32)
    session = UserSession(id=token_digest(cookie), user_id=user.id, csrf_token=secrets.token_urlsafe(32))
    db.add(session)
    db.commit()
    return session, cookie


def load_session(db: Session, cookie: str, *, idle: dt.timedelta, absolute: dt.timedelta) -> tuple[User, UserSession] | None:
    """The live session of the cookie's value and its user, or None when missing, idle too long or too old (then it
    is deleted)."""
    # One query for both (every request passes here).
    found = db.exec(select(UserSession, User).join(User, User.id == UserSession.user_id)
                    .where(UserSession.id == token_digest(cookie))).first()
    if found is None:
        return None
    session, user = found
    now = clock.now()
    if now > min(session_ends(session, idle=idle, absolute=absolute)):
        db.delete(session)
        db.commit()
        return None
    if not user.active:
        return None
    # Touch at most once a minute: a write per request would make every read a write.
    if now - _aware(session.last_seen_at) > dt.timedelta(minutes=1):
        touch_session(db, session)
    return user, session


def session_ends(session: UserSession, *, idle: dt.timedelta,
                 absolute: dt.timedelta) -> tuple[dt.datetime, dt.datetime]:
    """When the session ends unless it is used again (the idle limit from its last use), and when it ends in any case
    (the absolute limit from its start)."""
    return _aware(session.last_seen_at) + idle, _aware(session.created_at) + absolute


def seconds_until(moment: dt.datetime) -> int:
    return max(0, int((moment - clock.now()).total_seconds()))


def session_seconds_left(session: UserSession, *, idle: dt.timedelta, absolute: dt.timedelta) -> int:
    """Seconds until the session ends unless it is used again: the idle limit from its last use, capped by its age."""
    return seconds_until(min(session_ends(session, idle=idle, absolute=absolute)))


def touch_session(db: Session, session: UserSession) -> None:
    """Count the session as used now (the idle limit starts again)."""
    session.last_seen_at = clock.now()
    db.add(session)
    db.commit()


def end_session(db: Session, session_id: str) -> None:
    db.exec(delete(UserSession).where(UserSession.id == session_id))
    db.commit()


def end_all_sessions(db: Session, user_id: int) -> None:
    db.exec(delete(UserSession).where(UserSession.user_id == user_id))
    db.commit()


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), given.encode())


@dataclass(frozen=True)
class Throttle:
    """Growing delays after failed logins: `free` failures cost nothing, then each further one doubles the wait before
    the next attempt, from `first` up to `cap`. Only failures within `window` count."""

    free: int
    first: dt.timedelta
    cap: dt.timedelta
    window: dt.timedelta

    def wait(self, failures: int) -> dt.timedelta:
        if failures <= self.free:
            return dt.timedelta(0)
        return min(self.first * 2 ** min(failures - self.free - 1, 20), self.cap)


# Per address: one address guessing at many user names (or one) slows down, up to 15 minutes between tries.
ADDRESS_THROTTLE = Throttle(free=10, first=dt.timedelta(seconds=1), cap=dt.timedelta(minutes=15),
                            window=dt.timedelta(hours=1))
# Per account, counted since its last successful login: guesses from many addresses slow down to one a minute (ASVS
# 2.2.1: at most 100 failed attempts an hour on one account). Never a lockout, and never applied to an address the
# user has logged in from within KNOWN_ADDRESS_DAYS, so an attacker elsewhere cannot keep a caseworker out.
ACCOUNT_THROTTLE = Throttle(free=5, first=dt.timedelta(seconds=2), cap=dt.timedelta(minutes=1),
                            window=dt.timedelta(hours=24))
KNOWN_ADDRESS_DAYS = 30  # also how long login attempts are kept (the audit log keeps the failures for good)


def _last(db: Session, *conditions) -> tuple[int, dt.datetime | None]:
    count, last = db.exec(select(func.count(), func.max(LoginAttempt.at)).where(*conditions)).one()
    return count, _aware(last) if last else None


def login_retry_after(db: Session, username: str, address: str) -> int:
    """Seconds until this address may try to log in as `username` again (0: it may now)."""
    now = clock.now()
    username = username.lower()[:100]
    waits = []
    failures, last = _last(db, LoginAttempt.address == address[:64], LoginAttempt.succeeded == False,  # noqa: E712
                           col(LoginAttempt.at) > now - ADDRESS_THROTTLE.window)
    if last:
        waits.append(last + ADDRESS_THROTTLE.wait(failures))
    known = db.exec(select(LoginAttempt.id).where(
        LoginAttempt.username == username, LoginAttempt.address == address[:64], LoginAttempt.succeeded == True,  # noqa: E712
        col(LoginAttempt.at) > now - dt.timedelta(days=KNOWN_ADDRESS_DAYS)).limit(1)).first()
    if known is None:
        last_success = db.exec(select(func.max(LoginAttempt.id)).where(
            LoginAttempt.username == username, LoginAttempt.succeeded == True)).one()  # noqa: E712
        failures, last = _last(db, LoginAttempt.username == username, LoginAttempt.succeeded == False,  # noqa: E712
                               col(LoginAttempt.id) > (last_success or 0),
                               col(LoginAttempt.at) > now - ACCOUNT_THROTTLE.window)
        if last:
            waits.append(last + ACCOUNT_THROTTLE.wait(failures))
    return max([0] + [math.ceil((moment - now).total_seconds()) for moment in waits])


def record_login_attempt(db: Session, username: str, address: str, succeeded: bool) -> None:
    """Count the attempt for throttling (in the caller's transaction). Attempts older than KNOWN_ADDRESS_DAYS are
    removed as a login succeeds: the failures themselves stay in the audit log."""
    db.add(LoginAttempt(username=username.lower()[:100], address=address[:64], succeeded=succeeded))
    if succeeded:
        db.exec(delete(LoginAttempt).where(
            col(LoginAttempt.at) < clock.now() - dt.timedelta(days=KNOWN_ADDRESS_DAYS)))
