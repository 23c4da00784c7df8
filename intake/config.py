"""Settings, read once from the environment (pydantic-settings)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[1]


class OidcProvider(BaseModel):
    """One OpenID Connect provider that staff log in with (intake/oidc.py; README "Single sign-on")."""

    name: str = Field("sso", pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")  # in the login link's path: /login/sso/NAME
    label: str = "jobbkonto"  # the login page's button: "Logg inn med LABEL", e.g. "Drammen kommunes konto"
    issuer: str  # discovery is read from ISSUER/.well-known/openid-configuration
    client_id: str
    client_secret: str = ""  # empty: a public client (PKCE only)
    scopes: str = "openid email profile"
    # The organisation (id) every user of this provider belongs to; None: any organisation (a shared provider).
    organisation: int | None = None
    # How a user not yet linked to the provider's subject is found by e-mail: "verified" (the provider says the
    # address is verified), "any" (the provider checks addresses itself), or "off".
    email_matching: str = Field("verified", pattern="^(verified|any|off)$")
    # Role from a claim (a string or a list, e.g. groups): claim value -> role. Empty: the administrator assigns roles.
    role_claim: str = ""
    roles: dict[str, str] = {}
    # Organisation from a claim (claim value -> organisation id), for a provider shared by several organisations.
    organisation_claim: str = ""
    organisations: dict[str, int] = {}

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, roles: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(roles.values()) - {"caseworker", "counsellor", "leader", "centre_leader", "admin"})
        if unknown:
            raise ValueError(f"unknown role(s) {unknown}: use caseworker, counsellor, leader, centre_leader or admin")
        return roles


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = Field(f"sqlite:///{ROOT / 'data' / 'kartlegging.db'}",
                              validation_alias=AliasChoices("DATABASE_URL"))
    # Demo and test mode: synthetic national ids (month + 40/80) are accepted. Never on in production.
    demo: bool = Field(False, validation_alias=AliasChoices("KARTLEGGING_DEMO"))
    session_idle_minutes: int = Field(30, validation_alias=AliasChoices("KARTLEGGING_SESSION_IDLE_MINUTES"))
    session_max_hours: int = Field(8, validation_alias=AliasChoices("KARTLEGGING_SESSION_MAX_HOURS"))
    # Secure cookies when served over HTTPS (set behind a TLS-terminating proxy).
    secure_cookies: bool = Field(False, validation_alias=AliasChoices("KARTLEGGING_SECURE_COOKIES"))
    max_body_bytes: int = Field(1_000_000, validation_alias=AliasChoices("KARTLEGGING_MAX_BODY_BYTES"))
    # Server processes for `main.py serve`. A process's routes run in its thread pool, but Python runs one thread at a
    # time: one process per CPU (the default) lets saves from several caseworkers run side by side.
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=64,
                         validation_alias=AliasChoices("KARTLEGGING_WORKERS"))
    # Requests one server process works on at once; the others wait their turn (intake/concurrency.py). 0: no limit.
    # Default: 1 on SQLite, whose work is all CPU in this process; 8 on PostgreSQL, where a request also waits for
    # the database server.
    concurrent_requests: int | None = Field(None, ge=0, le=1000, validation_alias=AliasChoices("KARTLEGGING_CONCURRENT_REQUESTS"))
    # Long requests (fixing a plan, exports, PDFs, the leaders' figures, password checks) worked on at once besides
    # those, in a line of their own. 0: no limit. Default: 1 on SQLite, 4 on PostgreSQL.
    concurrent_long_requests: int | None = Field(None, ge=0, le=1000, validation_alias=AliasChoices("KARTLEGGING_CONCURRENT_LONG_REQUESTS"))
    # The Bearer token a Prometheus scraper sends to /metrics; without it /metrics does not exist (404).
    metrics_token: SecretStr | None = Field(None, validation_alias=AliasChoices("KARTLEGGING_METRICS_TOKEN"))
    # Start the PDF worker process (WeasyPrint, fonts) when the server starts, so the first "Fastsett plan" after a
    # start does not wait for it. Off in the test suite, which starts the app many times.
    pdf_warmup: bool = Field(True, validation_alias=AliasChoices("KARTLEGGING_PDF_WARMUP"))
    # How much lower the PDF worker's CPU priority is than its server's (the `nice` increment, 0–19): a caseworker's
    # save goes before a plan being rendered when both want the CPU. 0: the same priority.
    pdf_worker_nice: int = Field(5, ge=0, le=19, validation_alias=AliasChoices("KARTLEGGING_PDF_WORKER_NICE"))
    # Retention: `main.py purge` deletes completed or closed cases untouched for this many years.
    purge_years: int = Field(5, ge=1, validation_alias=AliasChoices("KARTLEGGING_PURGE_YEARS"))
    # Kept outside the database, so that someone who can change the database cannot rewrite them too
    # (intake/audit_anchor.py, intake/erasures.py). Put them where the database's administrators cannot write.
    audit_anchor_path: Path = Field(ROOT / "data" / "audit-anchor.json",
                                    validation_alias=AliasChoices("KARTLEGGING_AUDIT_ANCHOR_PATH"))
    # Where the anchor and the erasure register live (intake/ledger.py): "auto" is the PostgreSQL schema
    # kartlegging_ledger on PostgreSQL and the files below on SQLite; "file" the files on PostgreSQL too.
    ledger: Literal["auto", "file"] = Field("auto", validation_alias=AliasChoices("KARTLEGGING_LEDGER"))
    # The key of the audit chain's HMAC (intake/audit.py), kept outside the database: entries written since the anchor
    # last moved cannot be rewritten and chained again without it. Earlier keys, comma-separated, to verify old entries.
    audit_key: SecretStr | None = Field(None, validation_alias=AliasChoices("KARTLEGGING_AUDIT_KEY"))
    audit_old_keys: SecretStr | None = Field(None, validation_alias=AliasChoices("KARTLEGGING_AUDIT_OLD_KEYS"))
    # How often each server moves the audit anchor (seconds; once across instances); 0: only cron and shutdown.
    anchor_interval_seconds: int = Field(60, ge=0, validation_alias=AliasChoices("KARTLEGGING_ANCHOR_INTERVAL_SECONDS"))
    # How often the servers run the retention purge (hours; once across instances); 0 (default): cron runs `purge`.
    purge_interval_hours: int = Field(0, ge=0, validation_alias=AliasChoices("KARTLEGGING_PURGE_INTERVAL_HOURS"))
    # The erasure register; by default `erasures.jsonl` beside the anchor file.
    erasure_register: Path | None = Field(None, validation_alias=AliasChoices("KARTLEGGING_ERASURE_REGISTER_PATH"))

    # Single sign-on (README "Single sign-on"): one provider from KARTLEGGING_OIDC_* and/or a JSON list of providers.
    oidc_issuer: str = Field("", validation_alias=AliasChoices("KARTLEGGING_OIDC_ISSUER"))
    oidc_client_id: str = Field("", validation_alias=AliasChoices("KARTLEGGING_OIDC_CLIENT_ID"))
    oidc_client_secret: str = Field("", validation_alias=AliasChoices("KARTLEGGING_OIDC_CLIENT_SECRET"))
    oidc_label: str = Field("jobbkonto", validation_alias=AliasChoices("KARTLEGGING_OIDC_LABEL"))
    oidc_scopes: str = Field("openid email profile", validation_alias=AliasChoices("KARTLEGGING_OIDC_SCOPES"))
    oidc_organisation: int | None = Field(None, validation_alias=AliasChoices("KARTLEGGING_OIDC_ORGANISATION"))
    oidc_email_matching: str = Field("verified", validation_alias=AliasChoices("KARTLEGGING_OIDC_EMAIL_MATCHING"))
    oidc_role_claim: str = Field("", validation_alias=AliasChoices("KARTLEGGING_OIDC_ROLE_CLAIM"))
    oidc_roles: dict[str, str] = Field({}, validation_alias=AliasChoices("KARTLEGGING_OIDC_ROLES"))
    oidc_more: list[OidcProvider] = Field([], validation_alias=AliasChoices("KARTLEGGING_OIDC_PROVIDERS"))
    # The address users reach the app at (https://kartlegging.kommune.no), for the provider's redirect; empty: the
    # request's own (behind a proxy, start uvicorn with --proxy-headers).
    public_url: str = Field("", validation_alias=AliasChoices("KARTLEGGING_PUBLIC_URL"))

    @property
    def oidc_providers(self) -> dict[str, OidcProvider]:
        providers = list(self.oidc_more)
        if self.oidc_issuer:
            providers.insert(0, OidcProvider(
                name="sso", label=self.oidc_label, issuer=self.oidc_issuer, client_id=self.oidc_client_id,
                client_secret=self.oidc_client_secret, scopes=self.oidc_scopes, organisation=self.oidc_organisation,
                email_matching=self.oidc_email_matching, role_claim=self.oidc_role_claim, roles=self.oidc_roles))
        return {p.name: p for p in providers}

    @property
    def request_limit(self) -> int:
        if self.concurrent_requests is not None:
            return self.concurrent_requests
        return 1 if self.database_url.startswith("sqlite") else 8

    @property
    def long_request_limit(self) -> int:
        if self.concurrent_long_requests is not None:
            return self.concurrent_long_requests
        return 1 if self.database_url.startswith("sqlite") else 4

    @property
    def erasure_register_path(self) -> Path:
        return self.erasure_register or self.audit_anchor_path.parent / "erasures.jsonl"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
