"""Renders a PlanDocument's documents (the plan, and the integration contract beside it) as HTML (the browser's print
view) and as tagged PDF/UA-1 with WeasyPrint.

Fonts come from npm (`@fontsource/*` in package.json, installed by scripts/setup): Noto Sans for Latin and Cyrillic,
Vazirmatn for Arabic script (Arabic, Dari), Noto Sans Ethiopic for Tigrinya. A glyph missing from them fails the render
instead of printing a blank box.

Why Vazirmatn and not Noto Naskh/Sans Arabic: the Noto Arabic fonts draw many letters from shared dotless shapes plus
dot glyphs, and a PDF maps each glyph to one character only, so text copied or read aloud from the PDF came out wrong
(خطة extracted as نطة). Vazirmatn has a glyph per letter form: the Arabic and Dari text extracts as written
(tests/plan/test_render.py checks it).
"""

from __future__ import annotations

import atexit
import datetime as dt
import gc
import json
import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from ..domain.text import neutralise
from .document import NORWEGIAN_FORMS, PlanDocument, PlanElement
from .texts import ELEMENT_CODES, PLAN_LANGUAGES, PlanTexts, plan_texts

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIR = ROOT / "templates" / "plan"
FONTSOURCE_DIR = ROOT / "node_modules" / "@fontsource"
# Where the web app serves node_modules/@fontsource for the browser's print view.
FONT_URL_PREFIX = "/static/vendor/fontsource"


class PlanRenderError(RuntimeError):
    """The plan cannot be printed correctly: an invalid document, a missing glyph, or fonts that would not load."""


class MissingGlyphError(PlanRenderError):
    """WeasyPrint drew .notdef (a blank box): the bundled fonts lack a character the plan uses."""


# --- fonts ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FontFile:
    family: str  # the family name the CSS uses
    package: str  # npm package under node_modules/@fontsource
    subset: str  # fontsource's subset name; its unicode range comes from the package's unicode.json
    weight: int

    def file_name(self, flavour: str) -> str:
        return f"{self.package}-{self.subset}-{self.weight}-normal.{flavour}"

    @property
    def path(self) -> Path:
        """The WOFF 1 file, for WeasyPrint: it decodes WOFF 1 about ten times faster than WOFF 2 (fontTools rebuilds
        WOFF 2 glyph tables in Python), which is paid once per process when the fonts are loaded."""
        return FONTSOURCE_DIR / self.package / "files" / self.file_name("woff")


# One family per subset file. WeasyPrint 70 keys embedded fonts by family, weight and style, so two files of one family
# (fontsource's Latin and Cyrillic halves of Noto Sans, told apart only by unicode-range) would share one embedded font
# and Cyrillic would print with Latin glyphs. The CSS lists the families in fallback order instead.
FONT_FILES: tuple[FontFile, ...] = tuple(
    FontFile(family, package, subset, weight)
    for family, package, subset in (
        ("Plan Sans", "noto-sans", "latin"),
        ("Plan Sans Latin Ext", "noto-sans", "latin-ext"),
        ("Plan Sans Cyrillic", "noto-sans", "cyrillic"),
        ("Plan Sans Cyrillic Ext", "noto-sans", "cyrillic-ext"),
        ("Plan Arabic", "vazirmatn", "arabic"),
        ("Plan Ethiopic", "noto-sans-ethiopic", "ethiopic"),
    )
    for weight in (400, 700)
)


def _unicode_range(font: FontFile) -> str:
    ranges = json.loads((FONTSOURCE_DIR / font.package / "unicode.json").read_text())
    return ranges[font.subset]


def font_face_css(url_for: Callable[[FontFile], str], flavour: str) -> str:
    rules = []
    for font in FONT_FILES:
        rules.append(
            "@font-face {\n"
            f'  font-family: "{font.family}";\n'
            f"  font-weight: {font.weight};\n"
            "  font-style: normal;\n"
            f'  src: url("{url_for(font)}") format("{flavour}");\n'
            f"  unicode-range: {_unicode_range(font)};\n"
            "}\n")
    return "".join(rules)


def _check_fonts() -> None:
    missing = [str(font.path) for font in FONT_FILES if not font.path.is_file()]
    if missing:
        raise PlanRenderError("the plan's fonts are not installed (run scripts/setup, which runs npm ci); missing: "
                              + ", ".join(missing))


# --- HTML -------------------------------------------------------------------------------------------------------------

# finalize: every value printed without the controls that reorder text (intake/domain/text.py), so what is printed is
# what was typed, even from a value stored before they were refused.
_env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(["html"], default=True),
                   undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False, finalize=neutralise)


def _date(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


def _period(element: PlanElement) -> str:
    fmt = "%m.%Y" if element.month_precision else "%d.%m.%Y"
    start = element.start.strftime(fmt)
    end = element.end.strftime(fmt) if element.end else ""
    return f"{start}–{end}"


def _check(doc: PlanDocument) -> None:
    problems = doc.problems(element_codes=ELEMENT_CODES, languages=PLAN_LANGUAGES)
    if problems:
        # The app checks what a caseworker can mend before it gets here (intake/plans/fixing.py fix_problems); this names
        # the document's fields, for the log and as the last word.
        raise PlanRenderError("; ".join(f"{p.field}: {p.message}" for p in problems))


def _context(doc: PlanDocument) -> dict:
    no = plan_texts(doc.norwegian_form)
    tr = None if doc.language == doc.norwegian_form else plan_texts(doc.language)

    def say(t: PlanTexts, key: str, **values) -> str:
        """A text in `t`'s language with its placeholders filled; a value may be a function of the language."""
        return t.fill(key, appeal_weeks=t.weeks(doc.appeal_weeks), holiday_weeks=t.weeks(doc.holiday_weeks),
                      body=doc.appeal_body, authority=doc.appeal_authority,
                      **{k: v(t) if callable(v) else v for k, v in values.items()})

    def allowed_goals(t: PlanTexts) -> str:
        return t.either([t[f"end_goals.{g}.title"].lower() for g in doc.allowed_end_goals])

    def main_rule_goal(t: PlanTexts) -> str:
        return t[f"end_goals.{doc.end_goal_main_rule}.title"].lower() if doc.end_goal_main_rule else ""

    def guiding_levels(t: PlanTexts) -> str:
        goal = doc.guiding_norwegian_goal
        return ", ".join(f"{t[f'skills.{skill}'].lower()} {level}" for skill, level in goal.items()) if goal else ""

    return {"doc": doc, "no": no, "tr": tr, "say": say, "date": _date, "period": _period, "number": no.number,
            "party_of": _party_of,
            "allowed_goals": allowed_goals, "guiding_levels": guiding_levels, "main_rule_goal": main_rule_goal,
            "duty_keys": lambda name: list(no.texts["contract"][name])}


@lru_cache(maxsize=1)
def _parties() -> dict[str, str]:
    """A generic responsible party ("Kommunen", "Vaksenopplæringa") by its Norwegian name in either written form."""
    return {text.casefold(): key for form in NORWEGIAN_FORMS
            for key, text in plan_texts(form).texts["responsible_parties"].items()}


def _party_of(responsible: str) -> str | None:
    """The key of the generic party the caseworker's words name exactly (then the plan translates it), else None: a
    named office or person ("Voksenopplæringen i Drammen") is printed as written."""
    return _parties().get(" ".join(responsible.split()).casefold())


@lru_cache(maxsize=1)
def _browser_css() -> str:
    return (font_face_css(lambda f: f"{FONT_URL_PREFIX}/{f.package}/files/{f.file_name('woff2')}", "woff2")
            + (TEMPLATE_DIR / "plan.css").read_text(encoding="utf-8")
            + (TEMPLATE_DIR / "plan-screen.css").read_text(encoding="utf-8"))


# The documents printed from one fixed version: the plan, and the integration contract beside it (§ 16).
DOCUMENTS = {"plan": "plan.html", "contract": "contract.html"}


def render_html(doc: PlanDocument, document: str = "plan", *, for_print: bool, draft_notice: str | None = None,
                draft_notice_lang: str = "nb") -> str:
    """One of the version's documents (`DOCUMENTS`) as one HTML page. for_print: the markup WeasyPrint renders (its
    CSS is passed separately); otherwise a page for the browser, with the print CSS inline and fonts served from
    FONT_URL_PREFIX. draft_notice: a line above it, in draft_notice_lang, saying that this is a draft, not the
    decision (the draft view; never in a fixed version)."""
    _check(doc)
    # The CSS is our own file, not user input: inserted as it is (autoescaping would break its quotes).
    inline_css = None if for_print else Markup(_browser_css())
    return _env.get_template(DOCUMENTS[document]).render(**_context(doc), inline_css=inline_css,
                                                         draft_notice=draft_notice,
                                                         draft_notice_lang=draft_notice_lang)


def render_plan_html(doc: PlanDocument, **options) -> str:
    return render_html(doc, "plan", **options)


def render_contract_html(doc: PlanDocument, **options) -> str:
    return render_html(doc, "contract", **options)


# --- PDF --------------------------------------------------------------------------------------------------------------


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _weasyprint_log() -> Iterator[_Collect]:
    """Collect WeasyPrint's warnings while it renders, whatever level the app gives its loggers."""
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    level = logger.level
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _raise_on(records: list[logging.LogRecord]) -> None:
    messages = [r.getMessage() for r in records]
    notdef = [m for m in messages if ".notdef glyph" in m]
    if notdef:
        raise MissingGlyphError("; ".join(notdef))
    fatal = [m for r, m in zip(records, messages) if r.levelno >= logging.ERROR or "cannot be loaded" in m]
    if fatal:
        raise PlanRenderError("WeasyPrint: " + "; ".join(fatal))


def _tag_languages() -> None:
    """Give each tagged element whose HTML element has its own `lang` a /Lang entry, so a screen reader switches voice
    for the translated half of the plan (PDF/UA-1 asks that every change of language be marked). WeasyPrint 70 sets
    only the document's /Lang; this wraps its tag builder (a private function, hence the guard and the test)."""
    import pydyf
    from weasyprint.formatting_structure import boxes
    from weasyprint.pdf import tags

    original = getattr(tags, "_build_box_tree", None)
    if original is None or getattr(original, "kartlegging_lang", False):
        return

    def build(box, parent, *args, **kwargs):
        lang = None
        element = getattr(box, "element", None)
        if (element is not None and not isinstance(box, (boxes.PageBox, boxes.MarginBox))
                and getattr(box, "element_tag", None) not in ("html", "body")):
            lang = element.get("lang")
        for struct in original(box, parent, *args, **kwargs):
            if lang and "Lang" not in struct:
                struct["Lang"] = pydyf.String(lang)
            yield struct

    build.kartlegging_lang = True  # type: ignore[attr-defined]
    tags._build_box_tree = build


class _Renderer:
    """WeasyPrint's parsed CSS and font configuration, built once per process: parsing @font-face rules decodes every
    font file, which would otherwise be paid on each plan."""

    def __init__(self) -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        _check_fonts()
        _tag_languages()
        self.font_config = FontConfiguration()
        css = font_face_css(lambda f: f.path.as_uri(), "woff") + (TEMPLATE_DIR / "plan.css").read_text(encoding="utf-8")
        with _weasyprint_log() as log:
            self.css = CSS(string=css, font_config=self.font_config)
        _raise_on(log.records)
        self.lock = threading.Lock()

    def pdf(self, html: str) -> bytes:
        from weasyprint import HTML

        # One render at a time per process: the font configuration is shared, and WeasyPrint is no faster in threads.
        with self.lock, _weasyprint_log() as log:
            pdf = HTML(string=html, base_url=str(TEMPLATE_DIR)).write_pdf(
                stylesheets=[self.css], font_config=self.font_config, pdf_variant="pdf/ua-1")
        _raise_on(log.records)
        return pdf


_renderer: _Renderer | None = None
_renderer_lock = threading.Lock()


def _get_renderer() -> _Renderer:
    global _renderer
    with _renderer_lock:
        if _renderer is None:
            _renderer = _Renderer()
            atexit.register(_drop_renderer)
        return _renderer


def _drop_renderer() -> None:
    """Let the renderer go while the interpreter still stands: WeasyPrint's FontConfiguration removes its temporary
    font folder in `__del__`, which fails with "Exception ignored … TypeError" when it runs during shutdown."""
    global _renderer
    _renderer = None
    gc.collect()


def warm_up() -> None:
    """Import WeasyPrint, load the fonts and the CSS, and lay out a line in each of the plan's languages (its own
    script, direction and translated title), so that the first plan of a worker process is as fast as the next."""
    lines = "".join(f'<p lang="{code}" dir="{t.dir}">{t.name}: {t["document.title"]}</p>'
                    for code, t in ((code, plan_texts(code)) for code in PLAN_LANGUAGES))
    _get_renderer().pdf(f'<!DOCTYPE html><html lang="nb"><head><title>-</title></head><body>{lines}</body></html>')


def renderer_ready() -> bool:
    """Whether this process has its renderer (fonts and CSS) loaded already."""
    return _renderer is not None


def render_pdf(doc: PlanDocument, document: str = "plan") -> bytes:
    """One of the version's documents as a tagged PDF/UA-1 in Norwegian and the participant's language. Raises
    PlanRenderError."""
    return _get_renderer().pdf(render_html(doc, document, for_print=True))


def render_plan_pdf(doc: PlanDocument) -> bytes:
    return render_pdf(doc, "plan")


def render_contract_pdf(doc: PlanDocument) -> bytes:
    return render_pdf(doc, "contract")


def render_documents(doc: PlanDocument) -> dict[str, bytes]:
    """Every document of a version as a PDF, by its name in `DOCUMENTS` (one task for the PDF worker)."""
    return {document: render_pdf(doc, document) for document in DOCUMENTS}
