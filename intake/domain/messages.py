"""User-facing messages made in Python (validation errors and the like), said in bokmål now and in the reader's
language when shown.

A `Message` is a `str` whose value is the bokmål text, so the JSON API, logs and tests read it as before; it also keeps
its catalogue key and parameters, so `intake.i18n.translate` can say it in nynorsk or English at display time.
"""

from __future__ import annotations

from typing import Any, Mapping


class Message(str):
    msgid: str  # the bokmål text with {placeholders}: the key in locale/*/LC_MESSAGES/messages.po
    params: Mapping[str, Any]  # values; a {"nb": …, "nn": …, "en": …} mapping is picked per language
    texts: Mapping[str, str] | None  # a text from the rules files, already in every language (no catalogue)
    lower_first: bool  # said inside a sentence: its first letter lower-cased, in every language

    def __reduce__(self):  # a Message survives pickling (copies of answers, worker processes) as a Message
        return (_rebuild, (str(self), self.msgid, dict(self.params), self.texts, self.lower_first))


def _rebuild(text: str, msgid: str, params: Mapping[str, Any], texts: Mapping[str, str] | None,
             lower: bool = False) -> Message:
    m = Message(text)
    m.msgid, m.params, m.texts, m.lower_first = msgid, params, texts, lower
    return m


def in_language(value: Any, lang: str) -> Any:
    """A per-language text in `lang` (bokmål when it has none), a list as "a, b, c"; anything else as it is."""
    if isinstance(value, Mapping):
        return value.get(lang) or value.get("nb", "")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(in_language(v, lang)) for v in value)
    return value


def lower_first(message: Message) -> Message:
    """A label put inside a sentence ("Skriv {what}." with "Begrunnelsen" → "Skriv begrunnelsen.")."""
    return _rebuild(message[:1].lower() + message[1:], message.msgid, message.params, message.texts, True)


def N_(msgid: str, **params: Any) -> Message:
    """Mark a message for the catalogue (pybabel extracts N_) and format it in bokmål; translated when shown."""
    text = msgid.format(**{k: in_language(v, "nb") for k, v in params.items()}) if params else msgid
    return _rebuild(text, msgid, params, None)


def from_texts(texts: Mapping[str, str]) -> Message:
    """A message the rules files already give in nb/nn/en (e.g. a cross-field check's message)."""
    return _rebuild(texts["nb"], texts["nb"], {}, dict(texts))
