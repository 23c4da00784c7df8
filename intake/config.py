"""Settings, read once from the environment (pydantic-settings)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[1]


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
    # time: one process per CPU lets saves from several caseworkers run side by side.
    workers: int = Field(1, ge=1, le=64, validation_alias=AliasChoices("KARTLEGGING_WORKERS"))
    # Start the PDF worker process (WeasyPrint, fonts) when the server starts, so the first "Fastsett plan" after a
    # start does not wait for it. Off in the test suite, which starts the app many times.
    pdf_warmup: bool = Field(True, validation_alias=AliasChoices("KARTLEGGING_PDF_WARMUP"))
    # Retention: `main.py purge` deletes completed or closed cases untouched for this many years.
    purge_years: int = Field(5, ge=1, validation_alias=AliasChoices("KARTLEGGING_PURGE_YEARS"))
    # Kept outside the database, so that someone who can change the database cannot rewrite them too
    # (intake/audit_anchor.py, intake/erasures.py). Put them where the database's administrators cannot write.
    audit_anchor_path: Path = Field(ROOT / "data" / "audit-anchor.json",
                                    validation_alias=AliasChoices("KARTLEGGING_AUDIT_ANCHOR_PATH"))
    # The erasure register; by default `erasures.jsonl` beside the anchor file.
    erasure_register: Path | None = Field(None, validation_alias=AliasChoices("KARTLEGGING_ERASURE_REGISTER_PATH"))

    @property
    def erasure_register_path(self) -> Path:
        return self.erasure_register or self.audit_anchor_path.parent / "erasures.jsonl"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
