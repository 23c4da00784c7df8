"""Passwords (Argon2 via pwdlib), API tokens, login sessions with idle and absolute expiry, login throttling."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from pwdlib import PasswordHash
from sqlmodel import Session, col, delete, func, select

from . import clock
from .models import ApiToken, LoginAttempt, User, UserSession

_hasher = PasswordHash.recommended()
# A hash to verify against when the user does not exist, so timing does not reveal which user names exist.
_DUMMY_HASH = _hasher.hash("not-a-password")

MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20
THROTTLE_WINDOW = dt.timedelta(minutes=15)


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
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(db: Session, user: User) -> str:
    token = "kt_" + secrets.token_urlsafe(32)
    db.add(ApiToken(user_id=user.id, token_hash=token_digest(token)))
    db.commit()
    return token


def user_for_token(db: Session, token: str) -> User | None:
    row = db.exec(select(ApiToken).where(ApiToken.token_hash == token_digest(token),
                                         ApiToken.revoked == False)).first()  # noqa: E712
    if row is None:
        return None
    user = db.get(User, row.user_id)
    return user if user and user.active else None


def create_session(db: Session, user: User) -> UserSession:
    session = UserSession(id=secrets.token_urlsafe(32), user_id=user.id, csrf_token=secrets.token_urlsafe(32))
    db.add(session)
    db.commit()
    return session


def load_session(db: Session, session_id: str, *, idle: dt.timedelta, absolute: dt.timedelta) -> tuple[User, UserSession] | None:
    """The live session and its user, or None when missing, idle too long or too old (then it is deleted)."""
    # One query for both (every request passes here).
    found = db.exec(select(UserSession, User).join(User, User.id == UserSession.user_id)
                    .where(UserSession.id == session_id)).first()
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


def login_throttled(db: Session, username: str, address: str) -> bool:
    since = clock.now() - THROTTLE_WINDOW
    by_user = db.exec(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.username == username.lower(), col(LoginAttempt.at) > since)).one()
    by_address = db.exec(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.address == address, col(LoginAttempt.at) > since)).one()
    return by_user >= MAX_FAILURES_PER_USER or by_address >= MAX_FAILURES_PER_ADDRESS


def record_failed_login(db: Session, username: str, address: str) -> None:
    db.add(LoginAttempt(username=username.lower()[:100], address=address[:64]))
    db.commit()


def clear_failed_logins(db: Session, username: str) -> None:
    db.exec(delete(LoginAttempt).where(LoginAttempt.username == username.lower()))
    db.commit()
