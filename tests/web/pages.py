"""Reading HTML answers as a user (or a browser without JavaScript) would: text, errors, links, and the values a form
would submit. Built on tinyhtml5 + cssselect2 (WeasyPrint's own parser)."""

from __future__ import annotations

import re
from typing import Any, Mapping

import cssselect2
import tinyhtml5

NS = "{http://www.w3.org/1999/xhtml}"


def _tag(el) -> str:
    return el.tag.replace(NS, "")


def _text(el) -> str:
    return re.sub(r"\s+", " ", "".join(el.itertext())).strip()


class Page:
    def __init__(self, response_or_html):
        self.response = None if isinstance(response_or_html, str) else response_or_html
        self.html = response_or_html if isinstance(response_or_html, str) else response_or_html.text
        self.root = cssselect2.ElementWrapper.from_html_root(tinyhtml5.parse(self.html))

    def all(self, css: str) -> list:
        return [w.etree_element for w in self.root.query_all(css)]

    def one(self, css: str):
        found = self.all(css)
        assert len(found) == 1, f"expected one {css!r}, found {len(found)}"
        return found[0]

    def has(self, css: str) -> bool:
        return bool(self.all(css))

    def text(self, css: str = "body") -> str:
        return " ".join(_text(e) for e in self.all(css))

    def summary(self) -> list[tuple[str, str]]:
        """The error summary: (message, link target) per error (the message without the field's name before it); the
        target is None for a problem with the page as a whole, said without a link."""
        out = []
        for li in self.all("#error-summary li"):
            a = next(iter(li.iterfind(f".//{NS}a")), None)
            out.append((_text(next(iter(li.iterfind(".//*[@class='error-text']")), li)), a.get("href") if a is not None
                        else None))
        return out

    def field_errors(self, dom_id: str) -> list[str]:
        """Error messages shown at a field (by its element id, e.g. f-participant-name)."""
        return [_text(e).removeprefix("Feil:").strip() for e in self.all(f"#{dom_id}-error")]

    def links(self, css: str = "a") -> list[str]:
        return [a.get("href") for a in self.all(css)]

    def value(self, name: str) -> Any:
        return self.form().get(name, [None])[-1]

    def form(self, css: str = "form#section-form") -> dict[str, list[str]]:
        """What the form would submit without any button (a browser's successful controls)."""
        form = self.one(css) if css else self.root.etree_element
        data: dict[str, list[str]] = {}
        for w in cssselect2.ElementWrapper.from_html_root(form).query_all("input, select, textarea"):
            el = w.etree_element
            name = el.get("name")
            if not name or el.get("disabled") is not None:
                continue
            tag, kind = _tag(el), (el.get("type") or "text").lower()
            if tag == "input":
                if kind in ("submit", "button", "image", "reset", "file"):
                    continue
                if kind in ("checkbox", "radio"):
                    if el.get("checked") is not None:
                        data.setdefault(name, []).append(el.get("value", "on"))
                    continue
                data.setdefault(name, []).append(el.get("value", ""))
            elif tag == "textarea":
                data.setdefault(name, []).append("".join(el.itertext()).removeprefix("\n"))
            else:
                options = [o for o in el.iter(f"{NS}option")]
                chosen = [o for o in options if o.get("selected") is not None] or options[:1]
                for o in chosen:
                    data.setdefault(name, []).append(o.get("value", _text(o)))
        return data

    def buttons(self, css: str = "form#section-form") -> list[tuple[str, str, str]]:
        """(text, name, value) of each submit button of the form."""
        form = self.one(css)
        return [(_text(b), b.get("name"), b.get("value")) for b in form.iter(f"{NS}button")]


def form_values(questionnaire, section_id: str, answers: Mapping[str, Any]) -> dict[str, list[str]]:
    """The JSON answers of one section as a person would type them into its form (dates as `dd.mm.åååå`)."""
    section = questionnaire.section(section_id)
    out: dict[str, list[str]] = {}

    def one(q, value) -> list[str]:
        if q.type == "multi":
            return list(value)
        if q.type == "bool":
            return ["true" if value else "false"]
        if q.type == "date":
            y, m, d = value.split("-")
            return [f"{d}.{m}.{y}"]
        if q.type == "number":
            return [str(value).replace(".", ",")]
        return [str(value)]

    for q in section.questions:
        if q.id not in answers:
            continue
        if q.type == "repeat":
            for i, row in enumerate(answers[q.id]):
                for f in q.fields:
                    if f.id in row:
                        out[f"{q.id}.{i}.{f.id}"] = one(f, row[f.id])
        else:
            out[q.id] = one(q, answers[q.id])
    return out


def fill(page: Page, values: Mapping[str, list[str]], action: str = "autosave") -> dict[str, list[str]]:
    """The page's form with some fields set (only fields the page shows), and the button pressed."""
    data = page.form()
    for name, value in values.items():
        if name in data or _shown(page, name):
            data[name] = list(value)
    data["_action"] = [action]
    return data


def _shown(page: Page, name: str) -> bool:
    return any(el.get("name") == name for el in page.all("form#section-form [name]"))


HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}


def search_cases(client, term: str, **filters: str):
    """The case list's search, as its form sends it: posted, so the term is in no address (#12 item 12)."""
    return client.post("/cases", data={"_csrf": client.csrf, "q": term, **filters})
