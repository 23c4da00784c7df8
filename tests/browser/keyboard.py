"""A keyboard-only driver for the wizard: moves focus with Tab/Shift+Tab and answers with keys, never with clicks.

`Keyboard.focus(selector)` presses Tab (or Shift+Tab, towards the element) until `document.activeElement` matches,
with a bounded number of presses, and fails saying where focus got stuck. On top of it: typing into fields, radios
(arrow keys, Space), checkboxes (Space), selects (type-ahead), the language autocomplete (typing, arrows, Enter),
dates (digits in the order the browser shows them), buttons (Enter), and `answer_section`, which answers a section's questions from a persona's answers in page order.
Locators are used only to wait for and read elements, never to act on them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from intake.domain.questionnaire import Question, Section
from intake.web.forms import choices_for, to_text
from intake.web.templates import dom_id

# The code the select behind an autocomplete holds (named "-select" while enhanced, its own id during a swap)
SELECT_HOLDS = "([sel, v]) => (document.querySelector(sel + '-select') || document.querySelector(sel)).value === v"
MAX_PRESSES = 250  # per focus move: a section page has well under this many tab stops
WAIT_MS = 10_000  # for a follow-up question or an added row to appear after an autosave

_ACTIVE = """() => { const e = document.activeElement;
  if (!e || e === document.body) return "(nothing: document.body)";
  return e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.name ? "[name=" + e.name + "]" : "")
    + (e.value && e.type !== "text" ? "[value=" + e.value + "]" : ""); }"""

# Where is the target relative to the focused element: "here", "after", "before", or "missing".
_WHERE = """(sel) => { const t = document.querySelector(sel); if (!t) return "missing";
  const a = document.activeElement;
  if (a && a.matches(sel)) return "here";
  if (!a || a === document.body) return "after";
  return (a.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING) ? "after" : "before"; }"""


class Keyboard:
    def __init__(self, page, date_order: str):
        self.page = page
        self.date_order = date_order  # e.g. "dmy": the order the browser's date field takes its parts in

    # -- focus --------------------------------------------------------------------------------------

    def active(self) -> str:
        return self.page.evaluate(_ACTIVE)

    def is_active(self, selector: str) -> bool:
        return self.page.evaluate("(sel) => !!document.activeElement && document.activeElement.matches(sel)", selector)

    def focus(self, selector: str) -> None:
        """Tab towards the first element matching `selector` until it has focus."""
        where = self.page.evaluate(_WHERE, selector)
        if where == "missing":
            raise AssertionError(f"no element matches {selector!r} on {self.page.url} (focus is on {self.active()})")
        key = "Shift+Tab" if where == "before" else "Tab"
        for _ in range(MAX_PRESSES):
            if self.is_active(selector):
                return
            self.page.keyboard.press(key)
        raise AssertionError(f"{MAX_PRESSES} × {key} did not reach {selector!r}; focus is on {self.active()}")

    def press(self, selector: str, key: str = "Enter") -> None:
        """Focus a button or link and press it."""
        self.focus(selector)
        self.page.keyboard.press(key)

    # -- answering ----------------------------------------------------------------------------------

    def type_text(self, selector: str, text: str) -> None:
        """Replace a text field's or textarea's content with `text`."""
        self.focus(selector)
        self.page.keyboard.press("ControlOrMeta+a")
        self.page.keyboard.press("Delete")
        if text:
            self.page.keyboard.type(text)
        actual = self.page.evaluate("(sel) => document.querySelector(sel).value", selector)
        assert actual == text, f"typed {text!r} into {selector}, it holds {actual!r}"

    def type_date(self, selector: str, iso: str) -> None:
        d = dt.date.fromisoformat(iso)
        parts = {"d": f"{d.day:02d}", "m": f"{d.month:02d}", "y": f"{d.year:04d}"}
        self.focus(selector)
        self.page.keyboard.type("".join(parts[c] for c in self.date_order))
        actual = self.page.evaluate("(sel) => document.querySelector(sel).value", selector)
        assert actual == iso, f"typed the date {iso} into {selector}, it holds {actual!r}"

    def choose_radio(self, name: str, value: str) -> None:
        """Tab into the radio group, then arrow to the option (arrows check as they move) or press Space on it."""
        group = f'input[type=radio][name="{name}"]'
        target = f'{group}[value="{value}"]'
        self.focus(group)
        for _ in range(MAX_PRESSES):
            if self.is_active(target):
                break
            later = self.page.evaluate(_WHERE, target) == "after"
            self.page.keyboard.press("ArrowDown" if later else "ArrowUp")
        else:
            raise AssertionError(f"arrow keys did not reach {target}; focus is on {self.active()}")
        if not self.page.evaluate("(sel) => document.querySelector(sel).checked", target):
            self.page.keyboard.press("Space")
        assert self.page.evaluate("(sel) => document.querySelector(sel).checked", target), f"{target} is not checked"

    def set_checkbox(self, selector: str, checked: bool) -> None:
        self.focus(selector)
        if self.page.evaluate("(sel) => document.querySelector(sel).checked", selector) != checked:
            self.page.keyboard.press("Space")
        assert self.page.evaluate("(sel) => document.querySelector(sel).checked", selector) == checked

    def select(self, selector: str, value: str, label: str) -> None:
        """Pick an option of a (closed) select by typing the start of its label, as a keyboard user does."""
        self.focus(selector)
        self.page.keyboard.type(label)
        actual = self.page.evaluate("(sel) => document.querySelector(sel).value", selector)
        assert actual == value, f"typing {label!r} in {selector} chose {actual!r}, not {value!r}"

    def choose_suggestion(self, selector: str, typed: str, option: str) -> None:
        """In an autocomplete (the language lists, static/autocomplete.js): type `typed`, then move with the arrow
        keys to the suggestion `option` and choose it with Enter."""
        self.page.locator(f"{selector}[role=combobox]").wait_for(timeout=WAIT_MS)  # enhanced (deferred scripts)
        self.type_text(selector, typed)
        listbox = self.page.locator(f"{selector}__listbox")
        listbox.get_by_role("option", name=option, exact=True).wait_for(timeout=WAIT_MS)
        for _ in range(MAX_PRESSES):
            # the suggestion marked: the first as one types, or the one the arrow keys moved to
            if listbox.locator(".autocomplete__option--focused").inner_text().strip() == option:
                break
            self.page.keyboard.press("ArrowDown")
        else:
            raise AssertionError(f"the arrow keys did not reach {option!r} in {selector}")
        self.page.keyboard.press("Enter")

    def answer(self, q: Question, name: str, value: Any) -> None:
        """Give one (non-repeat) question, whose form field is called `name`, the typed answer `value`."""
        sel = f"#{dom_id(name)}"
        if q.type == "bool":
            self.choose_radio(name, "true" if value else "false")
        elif q.type == "choice" and len(choices_for(q)) <= 7:
            self.choose_radio(name, value)
        elif q.type == "language":  # an autocomplete: the hidden select holds the code
            self.choose_suggestion(sel, dict(choices_for(q))[value], dict(choices_for(q))[value])
            self.page.wait_for_function(SELECT_HOLDS, arg=[sel, value], timeout=WAIT_MS)
        elif q.type in ("choice", "cefr", "country", "language", "municipality"):
            self.select(sel, value, dict(choices_for(q))[value])
        elif q.type == "multi":
            for code, _label in choices_for(q):
                self.set_checkbox(f"#{dom_id(name)}-{code}", code in value)
        elif q.type == "date":
            self.type_date(sel, value)
        else:
            self.type_text(sel, to_text(q, value))

    def wait_visible(self, selector: str) -> None:
        self.page.locator(selector).first.wait_for(state="visible", timeout=WAIT_MS)

    def add_row(self, q: Question) -> None:
        """Press the repeat group's "Legg til …" button and wait for the new row."""
        rows = self.row_count(q)
        self.press(f'button[name="_action"][value="add:{q.id}"]')
        self.wait_visible(f"#{dom_id(q.id)}-row-{rows}")

    def row_count(self, q: Question) -> int:
        return self.page.locator(f"#{dom_id(q.id)} fieldset.repeat-row").count()

    def answer_section(self, section: Section, answers: Mapping[str, Any]) -> None:
        """Answer every question of `section` that `answers` has, in page order, waiting for follow-ups to appear."""
        for q in section.questions:
            if q.id not in answers:
                continue
            self.wait_visible(f"#q-{dom_id(q.id)}")
            if q.type != "repeat":
                self.answer(q, q.id, answers[q.id])
                continue
            for i, row in enumerate(answers[q.id]):
                if self.row_count(q) <= i:
                    self.add_row(q)
                for f in q.fields:
                    if f.id in row:
                        self.answer(f, f"{q.id}.{i}.{f.id}", row[f.id])


def date_field_order(browser) -> str:
    """The order ("dmy", "mdy", "ymd") in which this Chromium's date field takes typed digits (it follows the OS locale)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content('<input type="date" id="d">')
        page.keyboard.press("Tab")
        page.keyboard.type("01022003")  # read as 1 February (dmy) or 2 January (mdy)
        value = page.evaluate("document.getElementById('d').value")
    finally:
        context.close()
    return {"2003-02-01": "dmy", "2003-01-02": "mdy"}.get(value, "ymd")
