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
    # Retention: `main.py purge` deletes completed or closed cases untouched for this many years.
    purge_years: int = Field(5, ge=1, validation_alias=AliasChoices("KARTLEGGING_PURGE_YEARS"))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
