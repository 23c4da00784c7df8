"""What typed text may hold, one check for every field that takes it, in two strengths.

- Everywhere: text that UTF-8 cannot hold (a lone surrogate, which JSON's "\\ud800" can carry) is refused, since no
  page, API answer or PDF could show it, and so are the controls that change the order text is shown in (bidi
  embeddings, overrides and isolates: "faktura\\u202Egnp.exe" would print as "fakturaexe.png") and control characters.
- A name or identifier (`NAME`: one line) also refuses line breaks, tabs and every invisible formatting character
  (zero-width space and joiners, direction marks, soft hyphen): a name that looks the same must be the same.
- Free text (`FREE`) keeps line breaks and tabs, and the invisible characters that some scripts need to be written
  right (the zero-width joiners of Persian and Indic scripts, direction marks): they change no character's order.

`scrub` reads a stored value defensively (what was stored before a check existed); `neutralise` takes the order
controls out of text as it is shown, so what is printed is what was typed, even from an old value.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from .messages import N_, Message

NAME, FREE = "name", "free"

# Embeddings and overrides (LRE, RLE, PDF, LRO, RLO) and isolates (LRI, RLI, FSI, PDI): they reorder what follows.
ORDER_CONTROLS = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A))
_ORDER_CONTROLS_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")
_FREE_CONTROLS = frozenset("\t\n\r")

_WHAT = {
    "order": {"nb": "et usynlig tegn som endrer tekstretningen", "nn": "eit usynleg teikn som endrar tekstretninga",
              "en": "an invisible character that changes the text direction"},
    "control": {"nb": "et kontrolltegn", "nn": "eit kontrollteikn", "en": "a control character"},
    "line": {"nb": "et linjeskift eller tabulatortegn", "nn": "eit linjeskift eller tabulatorteikn",
             "en": "a line break or tab"},
    "invisible": {"nb": "et usynlig tegn", "nn": "eit usynleg teikn", "en": "an invisible character"},
}


def encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _refused(ch: str, kind: str) -> str | None:
    """Why `ch` may not stand in text of this kind (a key of _WHAT), or None."""
    if ord(ch) in ORDER_CONTROLS:
        return "order"
    category = unicodedata.category(ch)
    if category == "Cc":
        if ch in _FREE_CONTROLS:
            return "line" if kind == NAME else None
        return "control"
    if kind == NAME and category in ("Cf", "Zl", "Zp"):
        return "invisible"
    return None


@functools.cache
def refused_pattern(kind: str = FREE) -> str:
    """A regular expression (JSON Schema's `pattern`) that matches exactly the text `text_error` lets through, apart
    from the lone surrogates no JSON text decodes to a str without: one character class of every refused one."""
    ranges: list[list[int]] = []
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF or not _refused(chr(code), kind):
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    body = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
    return f"^[^{body}]*$"


def text_error(text: str, kind: str = FREE) -> Message | None:
    """Why this typed text cannot be stored, or None. The message names the character's code (U+202E), since it is
    most often one that cannot be seen."""
    if not encodable(text):
        return N_("Teksten inneholder et ufullstendig tegn som ikke kan lagres. Skriv teksten på nytt.")
    if text.isprintable():
        # The common case, without a look at each character: printable text holds no control (Cc), no format
        # character (Cf: the order controls among them) and no line or paragraph separator.
        return None
    for ch in text:
        what = _refused(ch, kind)
        if what:
            return N_("Teksten inneholder {what} ({code}), som ikke kan brukes her. Skriv teksten på nytt uten det.",
                      what=_WHAT[what], code=f"U+{ord(ch):04X}")
    return None


def scrub(value: Any) -> Any:
    """A stored value (strings, lists, dicts) with every character that UTF-8 cannot hold replaced by U+FFFD."""
    if isinstance(value, str):
        if encodable(value):
            return value
        return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in value)
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    return value


def neutralise(value: Any) -> Any:
    """A value as a template shows it, without the controls that reorder text (Jinja's `finalize` for pages and the
    printed plan): text stored before they were refused is shown in the order it was typed."""
    if isinstance(value, str) and _ORDER_CONTROLS_RE.search(value):
        return value.__class__(_ORDER_CONTROLS_RE.sub("", value))  # markup stays markup
    return value
