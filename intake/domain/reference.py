"""Reference data: counties and career centres, municipalities, regulated professions, recognition countries, country
and language names.

The tables are CSV files under `rules/reference/`; country and language names come from CLDR via Babel.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from babel import Locale

# Its own path, not the questionnaire's RULES_DIR: the tables do not follow a questionnaire read from elsewhere, and
# this module imports nothing of the domain (conditions and derived read it).
REFERENCE_DIR = Path(__file__).resolve().parents[2] / "rules" / "reference"

# Languages common among participants that CLDR lacks under an ISO 639 code (Dari is prs in ISO 639-3).
EXTRA_LANGUAGES = {"prs": {"nb": "dari", "nn": "dari", "en": "Dari"}}


def read_table(name: str, key: str, directory: Path = REFERENCE_DIR) -> dict[str, dict[str, str]]:
    with (directory / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return {row[key]: row for row in csv.DictReader(f)}


@lru_cache(maxsize=1)
def tables() -> dict[str, dict[str, dict[str, str]]]:
    """Every reference table by name, each keyed by its code column."""
    return {
        "counties": read_table("counties", "code"),
        "municipalities": read_table("municipalities", "code"),
        "common_languages": read_table("common_languages", "code"),
        "regulated_professions": read_table("regulated_professions", "code"),
        "vocational_recognition_countries": read_table("vocational_recognition_countries", "country"),
        "vocational_recognition_trades": read_table("vocational_recognition_trades", "code"),
        "uvd_countries": read_table("uvd_countries", "country"),
    }


def _locale(lang: str) -> Locale:
    return Locale.parse({"nb": "nb", "nn": "nn", "en": "en"}.get(lang, lang))


@lru_cache(maxsize=8)
def countries(lang: str = "nb") -> dict[str, str]:
    """ISO 3166-1 alpha-2 code → name, sorted by name."""
    names = {code: name for code, name in _locale(lang).territories.items()
             if len(code) == 2 and code.isalpha() and code not in ("ZZ", "EU", "EZ", "UN", "QO", "XA", "XB")}
    return dict(sorted(names.items(), key=lambda kv: kv[1].casefold()))


@lru_cache(maxsize=8)
def languages(lang: str = "nb") -> dict[str, str]:
    """ISO 639-1 codes (639-3 where there is none) → name, sorted by name."""
    names = {code: name for code, name in _locale(lang).languages.items() if code.isalpha() and len(code) in (2, 3)}
    for code, labels in EXTRA_LANGUAGES.items():
        names.setdefault(code, labels.get(lang, labels["en"]))
    return dict(sorted(names.items(), key=lambda kv: kv[1].casefold()))


@lru_cache(maxsize=1)
def municipalities() -> dict[str, str]:
    """Municipality number → name (Statistics Norway's classification, rules/reference/municipalities.csv), sorted
    by name."""
    rows = tables()["municipalities"]
    return dict(sorted(((code, row["name"]) for code, row in rows.items()), key=lambda kv: kv[1].casefold()))


def municipality_name(number: str | None) -> str | None:
    """A municipality's name with its county where the name alone is ambiguous to a reader ("Drammen"), or None for a
    number the table does not hold (an old or a mistyped one)."""
    row = tables()["municipalities"].get(str(number or ""))
    return row["name"] if row else None


def common_languages(lang: str = "nb") -> dict[str, str]:
    """The languages common among new participants (rules/reference/common_languages.csv), in the file's order."""
    names = languages(lang)
    return {code: names[code] for code in tables()["common_languages"] if code in names}


def county_of(municipality: str) -> dict[str, str] | None:
    """The county row for a four-digit municipality number (its first two digits)."""
    if not (isinstance(municipality, str) and len(municipality) == 4 and municipality.isdigit()):
        return None
    return tables()["counties"].get(municipality[:2])
