"""Stored data (SQLModel tables). The schema itself comes only from the Alembic migrations in `migrations/`."""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from . import clock


class Organisation(SQLModel, table=True):
    """A municipality (kommune) or a county career centre (karrieresenter)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)  # municipality | career_centre
    municipality_number: Optional[str] = Field(default=None, max_length=4)  # for municipalities
    county_code: str = Field(max_length=2, index=True)
    created_at: dt.datetime = Field(default_factory=clock.now)


class User(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_user_oidc_subject"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, unique=True, index=True)
    full_name: str = Field(max_length=200)
    email: Optional[str] = Field(default=None, max_length=200)
    phone: Optional[str] = Field(default=None, max_length=40)
    password_hash: str = Field(max_length=300)
    role: str = Field(max_length=20)  # caseworker | counsellor | leader | centre_leader | admin
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    active: bool = True
    created_at: dt.datetime = Field(default_factory=clock.now)
    # Single sign-on: the provider's issuer and the user's subject there (unique together), once linked.
    oidc_issuer: Optional[str] = Field(default=None, max_length=300)
    oidc_subject: Optional[str] = Field(default=None, max_length=255)
    # A temporary password an administrator made (new user, reset): nothing but changing it works until it is changed.
    must_change_password: bool = False


class UserSession(SQLModel, table=True):
    """A server-side login session. The cookie holds a random value; the row holds only its SHA-256
    (intake/security.py), so a copy of the database (a backup) holds no cookie that logs anyone in."""

    __tablename__ = "user_session"
    id: str = Field(primary_key=True, max_length=64)  # sha256 hex of the cookie's value
    user_id: int = Field(foreign_key="user.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=clock.now)
    last_seen_at: dt.datetime = Field(default_factory=clock.now)


class OidcLogin(SQLModel, table=True):
    """A single sign-on login under way: what the callback checks (state, nonce, PKCE verifier), used once."""

    __tablename__ = "oidc_login"
    state: str = Field(primary_key=True, max_length=64)
    nonce: str = Field(max_length=64)
    code_verifier: str = Field(max_length=128)
    provider: str = Field(max_length=40)
    next_path: str = Field(default="/cases", max_length=2000)
    created_at: dt.datetime = Field(default_factory=clock.now, index=True)


class OidcSession(SQLModel, table=True):
    """A login session that came from single sign-on: its provider and ID token, for the provider's logout."""

    __tablename__ = "oidc_session"
    session_id: str = Field(primary_key=True, max_length=64)  # user_session.id (the cookie's hash)
    provider: str = Field(max_length=40)
    id_token: str = Field(default="", sa_column=Column(Text, nullable=False))


class ApiToken(SQLModel, table=True):
    """A bearer token for the API, acting as its user. Only its SHA-256 is kept; the token is shown once, as it is made.
    It works until it expires or is revoked (by an administrator, or as its user is deactivated or given a new
    password)."""

    __tablename__ = "api_token"
    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)  # sha256 of the token; the token is shown once
    name: str = Field(default="", max_length=100)  # what it is for ("Fagsystemet"), as its maker named it
    created_at: dt.datetime = Field(default_factory=clock.now)
    expires_at: dt.datetime
    revoked_at: Optional[dt.datetime] = None


class Case(SQLModel, table=True):
    """A participant's mapping. Answers are the spec's JSON form; drafts keep typed text that did not validate."""

    # What the leaders' figures (intake/figures.py) count over, within one organisation. Each holds every column its
    # figures read, so SQLite and PostgreSQL answer from the index alone (docs/BENCHMARKS.md, "Leaders' pages")
    __table_args__ = (Index("ix_case_org_deadline", "organisation_id", "decision_deadline", "first_fixed_at"),
                      Index("ix_case_org_mapping_date", "organisation_id", "mapping_date", "first_fixed_at", "status"),
                      Index("ix_case_org_completed_at", "organisation_id", "completed_at", "settlement_date"),
                      # Plans fixed in a period; and the open cases (first_fixed_at NULL) by deadline
                      Index("ix_case_org_first_fixed", "organisation_id", "first_fixed_at", "decision_deadline",
                            "settlement_date", "norwegian_goal"),
                      Index("ix_case_org_created_by", "organisation_id", "created_by_id", "first_fixed_at",
                            "completed_at"))
    id: Optional[int] = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    participant_name: str = Field(default="", max_length=200, index=True)  # copied from answers, for list and search
    duf_number: Optional[str] = Field(default=None, max_length=12, index=True)
    decision_deadline: Optional[dt.date] = None
    # Copied from the answers on every save, for the leaders' figures (intake/figures.py)
    settlement_date: Optional[dt.date] = None
    norwegian_goal: Optional[str] = Field(default=None, max_length=10)  # "B1", or a range over the skills "A2–B1"
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    drafts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # {section_id: {"version": int, "completed": bool}}: per-section optimistic locking and task-list state
    sections: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 1  # bumped by every save; guards read-modify-write of the row
    status: str = Field(default="in_progress", max_length=20)  # in_progress | completed
    mapping_date: dt.date = Field(default_factory=clock.today)
    completed_at: Optional[dt.datetime] = None
    completed_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    # When the plan's first version was fixed (intake/plans/fixing.py `store_version`); None: no fixed plan
    first_fixed_at: Optional[dt.datetime] = None
    created_by_id: Optional[int] = Field(default=None, foreign_key="user.id", index=True)
    created_at: dt.datetime = Field(default_factory=clock.now)
    updated_at: dt.datetime = Field(default_factory=clock.now)


class AuditEntry(SQLModel, table=True):
    """Append-only record of every read and change of a case; entries are chained by hash."""

    __tablename__ = "audit_entry"
    id: Optional[int] = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=clock.now, index=True)
    user_id: Optional[int] = Field(default=None, index=True)
    username: str = Field(default="", max_length=100)
    organisation_id: Optional[int] = Field(default=None, index=True)
    action: str = Field(max_length=40)  # read | create | update | complete | login | ...
    object_type: str = Field(max_length=40)  # case | referral | plan | user | ...
    object_id: Optional[str] = Field(default=None, max_length=40, index=True)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(default="", max_length=64)


class LoginAttempt(SQLModel, table=True):
    """Login attempts, for throttling per user name and per address (intake/security.py); a success marks the
    address as known to the user. Kept for 30 days; failed logins are also in the audit log, for good."""

    __tablename__ = "login_attempt"
    id: Optional[int] = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, index=True)
    address: str = Field(max_length=64, index=True)
    at: dt.datetime = Field(default_factory=clock.now, index=True)
    succeeded: bool = False
