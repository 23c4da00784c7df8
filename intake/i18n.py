"""The web UI's languages: bokmål (the source text), nynorsk and English from the catalogues in locale/.

The catalogues are read from their .po files at start-up and compiled in memory (no .mo files to build or commit).
The language of the request being served is a context variable, set by `LanguageMiddleware` (intake/app.py): the
`lang` cookie for pages, Accept-Language for the JSON API, bokmål when neither names a language we have.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any, Mapping

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from .config import ROOT
from .domain.messages import Message, in_language
from .domain.text import scrub

LOCALE_DIR = ROOT / "locale"
DEFAULT = "nb"
# Each language named in itself, as the language switch shows it.
LANGUAGES = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}
COOKIE = "lang"

_current: ContextVar[str] = ContextVar("language", default=DEFAULT)


@lru_cache(maxsize=None)
def translations(lang: str) -> NullTranslations:
    """The catalogue for `lang`; bokmål is the source text itself."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == DEFAULT or not path.exists():
        return NullTranslations()
    with path.open("rb") as f:
        catalog = read_po(f, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def current() -> str:
    return _current.get()


def set_current(lang: str):
    """Make `lang` the language of what runs from here on in this context; returns the token to reset it."""
    return _current.set(lang if lang in LANGUAGES else DEFAULT)


@contextmanager
def language(lang: str):
    """Run a block in `lang` (e.g. a document that is always in bokmål), then go back to the request's language."""
    token = set_current(lang)
    try:
        yield
    finally:
        _current.reset(token)


def from_cookie(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT


def from_accept_language(header: str | None) -> str:
    """The best of our languages in an Accept-Language header ("no" and "nb" are bokmål); bokmål if none is named."""
    best, best_q = DEFAULT, 0.0
    for part in (header or "").split(","):
        tag, _, q = part.strip().partition(";q=")
        code = tag.strip().lower().replace("_", "-").split("-")[0]
        code = {"no": "nb", "nob": "nb", "nno": "nn", "eng": "en"}.get(code, code)
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        if code in LANGUAGES and weight > best_q:
            best, best_q = code, weight
    return best


def gettext(text: str, lang: str | None = None) -> str:
    return translations(lang or current()).gettext(text)


def ngettext(singular: str, plural: str, n: int, lang: str | None = None) -> str:
    return translations(lang or current()).ngettext(singular, plural, n)


def _(msgid: str, **params: Any) -> str:
    """A message from Python code in the current language, formatted with `params` ({name} placeholders)."""
    text = gettext(msgid)
    return text.format(**params) if params else text


def translate(value: Any, lang: str | None = None) -> str:
    """Anything the UI shows, in `lang` (default: the current language): a Message, a per-language mapping from the
    rules files (bokmål when the language is missing), or a plain string looked up in the catalogue."""
    lang = lang or current()
    if value is None:
        return ""
    if isinstance(value, Message):
        if lang == DEFAULT:
            return str(value)
        if value.texts is not None:
            text = in_language(value.texts, lang)
        else:
            params = {k: ", ".join(translate(x, lang) for x in v) if isinstance(v, (list, tuple))
                      else translate(v, lang) if isinstance(v, (Message, Mapping)) else v
                      for k, v in value.params.items()}
            text = gettext(value.msgid, lang).format(**params)
        return text[:1].lower() + text[1:] if value.lower_first else text
    if isinstance(value, Mapping):
        return in_language(value, lang)
    if isinstance(value, str):
        return gettext(value, lang)
    return str(value)


def error_dict(error: Any, lang: str | None = None) -> dict[str, str]:
    """A FieldError for the JSON API, its message in `lang` (default: the request's, from Accept-Language)."""
    # An unknown question id is echoed back: as text UTF-8 can hold, whatever the request sent.
    return {"field": scrub(error.field), "message": scrub(translate(error.message, lang))}
