"""The plan's fixed texts per language, loaded from `rules/plan_texts/<language>.yaml` and checked against `nb.yaml`.

Every language file must have exactly the keys of the Norwegian bokmål file under `texts`, each a non-empty string with the
same {placeholders}; anything else is refused with a message naming the file and the key, so a translation cannot silently
lose a sentence of the plan.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import yaml

PLAN_TEXTS_DIR = Path(__file__).resolve().parents[2] / "rules" / "plan_texts"
REFERENCE_LANGUAGE = "nb"
_TOP_KEYS = ("language", "name", "dir", "source", "translator", "texts")
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class PlanTextsError(ValueError):
    """A plan texts file is wrong; the message names every file and key at fault."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("plan texts: " + "; ".join(problems))


@dataclass(frozen=True)
class PlanTexts:
    language: str  # the file's code, also used for the HTML lang attribute (BCP 47: "prs" is Dari)
    name: str  # the language's name in its own script
    dir: str  # "ltr" or "rtl"
    source: str
    translator: str
    texts: Mapping[str, Any]  # read-only nested mapping; templates read it as t.headings.goals

    def __getitem__(self, dotted: str) -> str:
        node: Any = self.texts
        for part in dotted.split("."):
            node = node[part]
        if not isinstance(node, str):
            raise KeyError(dotted)
        return node

    def fill(self, dotted: str, **values: str) -> str:
        """The text at `dotted` with its placeholders filled (values are inserted as they are; templates escape)."""
        return self[dotted].format_map(values)

    def weeks(self, n: int) -> str:
        """How this language writes "n weeks" in running text."""
        phrase = self.texts["weeks"].get(str(n))
        if phrase is None:
            raise KeyError(f"{self.language}: no phrase for {n} weeks under `weeks`")
        return phrase

    def either(self, words: list[str]) -> str:
        """"a, b or c" in this language."""
        if len(words) < 2:
            return "".join(words)
        return f"{', '.join(words[:-1])} {self.texts['format']['or']} {words[-1]}"

    def number(self, value: float) -> str:
        text = f"{value:g}"
        return text.replace(".", self.texts["format"]["decimal_separator"])


def _freeze(node: Any) -> Any:
    if isinstance(node, dict):
        return MappingProxyType({str(k): _freeze(v) for k, v in node.items()})
    return node


def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    """Leaves by dotted key ("elements.NOR-TEST.title")."""
    if isinstance(node, Mapping):
        out: dict[str, Any] = {}
        for key, value in node.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: node}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _read(path: Path) -> tuple[dict[str, Any] | None, list[str]]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return None, [f"{path.name}: cannot be read ({exc})"]
    if not isinstance(data, dict):
        return None, [f"{path.name}: must be a mapping with the keys {', '.join(_TOP_KEYS)}"]
    problems = [f"{path.name}: missing key `{key}`" for key in _TOP_KEYS if key not in data]
    problems += [f"{path.name}: unknown key `{key}`" for key in data if key not in _TOP_KEYS]
    if data.get("language") != path.stem:
        problems.append(f"{path.name}: `language` must be {path.stem!r} (the file name), not {data.get('language')!r}")
    if data.get("dir") not in ("ltr", "rtl"):
        problems.append(f"{path.name}: `dir` must be ltr or rtl")
    for key in ("name", "source", "translator"):
        if key in data and not (isinstance(data[key], str) and data[key].strip()):
            problems.append(f"{path.name}: `{key}` must be a non-empty text")
    if not isinstance(data.get("texts"), dict):
        problems.append(f"{path.name}: `texts` must be a mapping")
    return data, problems


def load_plan_texts(directory: Path = PLAN_TEXTS_DIR) -> dict[str, PlanTexts]:
    """All languages in `directory`, reference first; raises PlanTextsError naming every file and key at fault."""
    reference_path = directory / f"{REFERENCE_LANGUAGE}.yaml"
    if not reference_path.exists():
        raise PlanTextsError([f"{reference_path}: the reference file is missing"])
    paths = [reference_path] + sorted(p for p in directory.glob("*.yaml") if p != reference_path)
    problems: list[str] = []
    loaded: dict[str, dict[str, Any]] = {}
    for path in paths:
        if not _LANGUAGE_CODE.fullmatch(path.stem):
            problems.append(f"{path.name}: the file name must be a language code (2–3 lower-case letters)")
            continue
        data, found = _read(path)
        problems += found
        if data is not None and not found:
            loaded[path.stem] = data
    if REFERENCE_LANGUAGE not in loaded:
        raise PlanTextsError(problems)

    reference = _flatten(loaded[REFERENCE_LANGUAGE]["texts"])
    for language, data in loaded.items():
        name = f"{language}.yaml"
        leaves = _flatten(data["texts"])
        for key in reference:
            if key not in leaves:
                problems.append(f"{name}: missing key `texts.{key}`")
        for key, value in leaves.items():
            if key not in reference:
                problems.append(f"{name}: unknown key `texts.{key}` (not in {REFERENCE_LANGUAGE}.yaml)")
            elif not isinstance(value, str) or not value.strip():
                problems.append(f"{name}: `texts.{key}` must be a non-empty text")
            else:
                try:
                    got, want = _placeholders(value), _placeholders(reference[key])
                except ValueError as exc:
                    problems.append(f"{name}: `texts.{key}` has a broken placeholder ({exc})")
                    continue
                if got != want:
                    problems.append(f"{name}: `texts.{key}` must use the placeholders {sorted(want) or 'none'}, "
                                    f"not {sorted(got) or 'none'}")
    if problems:
        raise PlanTextsError(problems)
    return {
        language: PlanTexts(language=language, name=data["name"].strip(), dir=data["dir"], source=data["source"].strip(),
                            translator=data["translator"].strip(), texts=_freeze(data["texts"]))
        for language, data in loaded.items()
    }


@lru_cache(maxsize=1)
def _all() -> Mapping[str, PlanTexts]:
    return MappingProxyType(load_plan_texts())


def plan_texts(language: str) -> PlanTexts:
    """The fixed texts in `language`; KeyError for a language without a file."""
    try:
        return _all()[language]
    except KeyError:
        raise KeyError(f"no plan texts for language {language!r}; have {', '.join(PLAN_LANGUAGES)}") from None


# Loaded at import: a broken texts file stops the app at start, not at the first print.
PLAN_LANGUAGES: tuple[str, ...] = tuple(_all())
ELEMENT_CODES: frozenset[str] = frozenset(_all()[REFERENCE_LANGUAGE].texts["elements"])
