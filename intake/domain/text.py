"""What typed text may hold. Text that cannot be written as UTF-8 (a lone surrogate, which JSON's "\\ud800" can
carry) is refused at its field, since no page, API answer or PDF could show it; `scrub` reads such a value defensively
where it was stored before it was refused."""

from __future__ import annotations

from typing import Any

from .messages import N_, Message


def encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def text_error(text: str) -> Message | None:
    """Why this typed text cannot be stored, or None."""
    if not encodable(text):
        return N_("Teksten inneholder et ufullstendig tegn som ikke kan lagres. Skriv teksten på nytt.")
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
