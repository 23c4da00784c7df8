"""The printed plan: for every participant language a persona-like plan renders to a tagged PDF whose extracted text holds
the Norwegian and the translated texts in the right script, with no missing glyph; free text is escaped."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import re

import pytest
from pypdf import PdfReader

from intake.plan.document import NorwegianGoal, PlanDocument, PlanElement
from intake.plan import render
from intake.plan.render import MissingGlyphError, PlanRenderError, render_plan_html, render_plan_pdf
from intake.plan.texts import plan_texts
from tests.personas import AHMAD, AMAL, YONAS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# Persona, participant language, end goal, Norwegian goal, months, elements (the persona's expected proposals).
PERSONAS = {
    "amal": (AMAL, "work", NorwegianGoal("B1", "B1", "B1", "B2"), 12,
             ["NOR-TRAINING", "NOR-TEST", "SOCIAL-STUDIES", "LIFE-SKILLS", "PARENTING", "CAREER-GUIDANCE",
              "HE-RECOGNITION", "AUTHORISATION", "NOR-B2", "CHILDCARE", "ELECTRONIC-ID"]),
    "yonas": (YONAS, "upper_secondary", NorwegianGoal("B1", "B1", "B1", "B1"), 36,
              ["NOR-TRAINING", "SOCIAL-STUDIES", "LIFE-SKILLS", "CAREER-GUIDANCE", "UPPER-SECONDARY", "LITERACY",
               "DIGITAL-SKILLS", "ELECTRONIC-ID"]),
    "ahmad": (AHMAD, "work", NorwegianGoal("B1", "B1", "B1", "B1"), 24,
              ["NOR-TRAINING", "SOCIAL-STUDIES", "LIFE-SKILLS", "PARENTING", "CAREER-GUIDANCE", "PRIOR-LEARNING",
               "AUTHORISATION", "WORK-PRACTICE", "CHILDCARE", "DRIVING-LICENCE", "DIGITAL-SKILLS", "ELECTRONIC-ID"]),
}
# Each participant language with the persona whose plan it prints (Amal reads Arabic, Yonas Tigrinya, Ahmad Dari).
LANGUAGES = {"ar": "amal", "ti": "yonas", "prs": "ahmad", "en": "amal", "uk": "amal", "so": "ahmad", "nn": "yonas"}
# A word of a heading in each language's own script, as it must come out of the PDF.
SCRIPT_WORDS = {
    "ar": ["خطة", "الاندماج", "التواقيع"],  # "integration plan", "signatures"
    "prs": ["پلان", "ادغام", "امضاها"],
    "ti": ["መደብ", "ምውህሃድ", "ፊርማታት"],
    "uk": ["Інтеграційний", "Підписи"],
    "en": ["Integration", "Signatures"],
    "so": ["Qorshaha", "Saxiixyada"],
    "nn": ["Underskrifter", "Karriererettleiing"],
}


def persona_plan(name: str, language: str, **changes) -> PlanDocument:
    answers, end_goal, goal, months, codes = PERSONAS[name]
    start = dt.date(2027, 1, 4)
    end = dt.date(start.year + (start.month - 1 + months) // 12, (start.month - 1 + months) % 12 + 1, 1)
    elements = [PlanElement(code, "", "Voksenopplæringen" if code.startswith("NOR") else "Kommunen", start,
                            end if i % 3 else None, ("planned", "ongoing", "completed")[i % 3],
                            "Avtalt i samtale med tolk." if i == 1 else "")
                for i, code in enumerate(codes)]
    elements.append(PlanElement(None, "Svømmekurs for voksne", "Bydelshuset", start, None, "planned",
                                month_precision=True))
    doc = PlanDocument(
        participant_name=answers["participant.name"],
        birth_date=dt.date.fromisoformat(answers["participant.birth_date"]),
        duf_number=answers["participant.duf_number"],
        municipality_name="Drammen kommune",
        caseworker_name="Kari Nordmann",
        caseworker_phone="32 04 00 00",
        caseworker_email="kari.nordmann@drammen.kommune.no",
        plan_date=dt.date(2026, 11, 20),
        version=1,
        ruleset_version="2021-01-01",
        end_goal=end_goal,
        norwegian_goal=goal,
        long_term_goal=answers["goals.long_term"],
        duration_months=months,
        start_date=start,
        end_date=end,
        norwegian_hours=550,
        elements=tuple(elements),
        language=language,
        career_guidance_summary="Motivert, god til å lære. Vil raskt ut i arbeid.",
        career_guidance_recommendation="Anbefaler praksis i et relevant yrke etter seks måneder.",
    )
    return dataclasses.replace(doc, **changes)


def tokens(text: str) -> set[str]:
    """Words, with the zero-width non-joiner removed: it shapes Persian words but is not kept in the PDF's text."""
    return set(re.findall(r"\w+", text.replace("\u200c", "")))


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def rendered() -> dict[str, tuple[PlanDocument, bytes, str]]:
    """Every language rendered once for the module; each render's WeasyPrint warnings are kept beside it."""
    out = {}
    logger = logging.getLogger("weasyprint")
    for language, persona in LANGUAGES.items():
        records: list[logging.LogRecord] = []
        handler = logging.Handler(logging.WARNING)
        handler.emit = records.append  # type: ignore[method-assign]
        logger.addHandler(handler)
        try:
            doc = persona_plan(persona, language)
            pdf = render_plan_pdf(doc)
        finally:
            logger.removeHandler(handler)
        assert not records, [r.getMessage() for r in records]
        out[language] = (doc, pdf, pdf_text(pdf))
    return out


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_pdf_holds_both_languages(rendered, language):
    doc, pdf, text = rendered[language]
    words = tokens(text)
    no, tr = plan_texts("nb"), plan_texts(language)

    def has(phrase: str) -> bool:
        return tokens(phrase) <= words

    for word in SCRIPT_WORDS[language]:
        assert word in words, word
    # the appeal, in Norwegian and in the participant's language
    assert "tre uker" in text
    assert has(tr.fill("appeal.deadline", appeal_weeks=tr.weeks(3)))
    assert has(no["headings.appeal"]) and has(tr["headings.appeal"])
    # who decides the appeal, in both languages
    for t in (no, tr):
        assert has(t.fill("appeal.where", body=doc.appeal_body, authority="Statsforvalteren"))
    # signature labels
    for key in ("signatures.participant", "signatures.caseworker", "signatures.place_date", "signatures.signature"):
        assert has(no[key]) and has(tr[key]), key
    # the end goal and every element title, both languages; the caseworker's own element as written
    assert has(no[f"end_goals.{doc.end_goal}.title"]) and has(tr[f"end_goals.{doc.end_goal}.title"])
    for element in doc.elements:
        if element.code:
            assert has(no[f"elements.{element.code}.title"]), element.code
            assert has(tr[f"elements.{element.code}.title"]), (language, element.code)
        else:
            assert has(element.title)
    # data, printed once
    for value in (doc.participant_name, doc.duf_number, "20.11.2026", doc.long_term_goal, doc.caseworker_name):
        assert has(value), value
    assert "Side 1 av" in text


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_pdf_is_tagged_with_languages(rendered, language):
    _, pdf, _ = rendered[language]
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "nb"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    xmp = root["/Metadata"].get_object().get_data()
    assert b"pdfuaid:part" in xmp and b"Integreringsplan" in xmp
    # The translated blocks carry their own /Lang, so a screen reader switches voice.
    langs = set()

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict):
            if "/Lang" in node:
                langs.add(str(node["/Lang"]))
            kids = node.get("/K")
            if kids is not None:
                kids = kids.get_object()
                for kid in kids if isinstance(kids, list) else [kids]:
                    walk(kid)

    walk(root["/StructTreeRoot"])
    assert {"nb", language} <= langs


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_only_the_bundled_fonts_are_embedded(rendered, language):
    """No system font filled in: the same PDF comes out on any machine where scripts/setup ran."""
    _, pdf, _ = rendered[language]
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[1])
    assert names and all(name.startswith("Plan-") for name in names), names
    expected = {"ar": "Plan-Arabic", "prs": "Plan-Arabic", "ti": "Plan-Ethiopic", "uk": "Plan-Sans-Cyrillic"}
    if language in expected:
        assert expected[language] in names


def test_rtl_blocks_have_dir_and_lang():
    html = render_plan_html(persona_plan("ahmad", "prs"), for_print=False)
    assert html.startswith("<!DOCTYPE html>") and '<html lang="nb">' in html and "<title>Integreringsplan" in html
    assert 'class="tr" lang="prs" dir="rtl"' in html
    assert 'class="no" lang="nb"' in html
    assert "@font-face" in html and 'font-family: "Plan Sans"' in html  # the print view brings its CSS, unescaped
    assert "&#34;" not in html.split("</style>")[0]
    # reading order: Norwegian before the translation in every pair
    assert html.index('lang="nb">Slik klager du') < html.index('lang="prs" dir="rtl">چطور اعتراض کنید')


def test_plan_in_nynorsk_alone():
    doc = persona_plan("yonas", "nn", norwegian_form="nn")
    html = render_plan_html(doc, for_print=True)
    assert '<html lang="nn">' in html and 'class="tr"' not in html
    text = pdf_text(render_plan_pdf(doc))
    assert "tre veker" in text and "Slik klagar du" in text
    # one language: no word of a translation beside it
    nn = plan_texts("nn")
    assert tokens(nn["signatures.intro_norwegian_only"]) <= tokens(text)
    assert not tokens(nn["document.binding"]) <= tokens(text)
    assert "eit språk deltakaren forstår" not in " ".join(text.split())


def test_the_rule_set_version_is_in_the_norwegian_footer_not_in_the_translated_facts(rendered):
    doc, _pdf, text = rendered["ar"]
    html = render_plan_html(doc, for_print=True)
    facts = html[html.index('<section class="facts">'):html.index("</section>")]
    assert doc.ruleset_version not in facts and "Regelverk" not in facts
    assert f"Regelverk {doc.ruleset_version}" in " ".join(text.split())


def test_script_in_a_name_is_text():
    name = "<script>alert(1)</script>"
    doc = persona_plan("amal", "ar", participant_name=name, long_term_goal='Bli sykepleier & "lære" <b>norsk</b>')
    html = render_plan_html(doc, for_print=False)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;norsk&lt;/b&gt;" in html
    text = pdf_text(render_plan_pdf(doc))
    assert name in text
    assert '<b>norsk</b>' in text


def test_missing_glyph_fails_the_render():
    # Tangut: in none of the bundled fonts (nor on a plain server).
    doc = persona_plan("amal", "en", long_term_goal="Mål: \U00017000\U00017001")
    with pytest.raises(MissingGlyphError, match=r"\.notdef"):
        render_plan_pdf(doc)


def test_invalid_document_is_refused():
    doc = persona_plan("amal", "en", end_goal="recognition", duf_number="123",
                       elements=(PlanElement("NOT-A-CODE", "", "Kommunen", dt.date(2027, 1, 1)),))
    with pytest.raises(PlanRenderError) as error:
        render_plan_html(doc, for_print=True)
    message = str(error.value)
    assert "end_goal" in message and "duf_number" in message and "elements[0].code" in message


def test_document_problems_are_values():
    doc = persona_plan("yonas", "ti", hours_per_week=40.0, start_date=dt.date(2031, 1, 1))
    fields = {p.field for p in doc.problems()}
    assert {"hours_per_week", "end_date"} <= fields
    assert persona_plan("yonas", "ti").problems() == []
    assert persona_plan("yonas", "ti", appeal_body="").appeal_body == "Drammen kommune"


def _boxes_past_the_right_margin(doc: PlanDocument) -> list[str]:
    """Boxes whose border edge lies right of the page's content edge, by page (WeasyPrint's layout tree: not public
    API, read here only to measure)."""
    from weasyprint import HTML
    from weasyprint.formatting_structure import boxes

    from intake.plan import render

    renderer = render._get_renderer()
    document = HTML(string=render_plan_html(doc, for_print=True), base_url=str(render.TEMPLATE_DIR)).render(
        stylesheets=[renderer.css], font_config=renderer.font_config)
    out = []
    for number, page in enumerate(document.pages, 1):
        page_box = page._page_box
        edge = page_box.content_box_x() + page_box.width
        for child in page_box.children:
            if isinstance(child, boxes.MarginBox):
                continue
            for box in child.descendants():
                right = box.border_box_x() + box.border_width()
                if right > edge + 0.5:  # px; half a pixel for rounding
                    text = getattr(box, "text", "") or getattr(box, "element_tag", "")
                    out.append(f"page {number}: {type(box).__name__} {text!r} ends {right - edge:.1f}px past")
    return out


@pytest.mark.parametrize("language", ["ar", "uk", "en", "ti", "nb"])
def test_nothing_runs_past_the_right_margin(language):
    # The elements table's columns add up to 100 % and the cells' padding came on top: the status and responsible
    # columns ran 12 mm past the margin, almost off an A4 sheet.
    assert _boxes_past_the_right_margin(persona_plan(LANGUAGES.get(language, "amal"), language)) == []


def _first_text_on_each_page(doc: PlanDocument) -> list[tuple[int, str, list[str]]]:
    """(page, its first text, the classes of the elements around that text) for every page after the first
    (WeasyPrint's layout tree, read here only to look)."""
    from weasyprint import HTML
    from weasyprint.formatting_structure import boxes

    from intake.plan import render

    renderer = render._get_renderer()
    document = HTML(string=render_plan_html(doc, for_print=True), base_url=str(render.TEMPLATE_DIR)).render(
        stylesheets=[renderer.css], font_config=renderer.font_config)

    def first(box, around):
        if isinstance(box, boxes.TextBox) and box.text.strip():
            return box.text, around
        for child in getattr(box, "children", []):
            if not isinstance(child, boxes.MarginBox):
                found = first(child, around + [box])
                if found:
                    return found
        return None

    out = []
    for number, page in enumerate(document.pages[1:], 2):
        text, around = first(page._page_box, [])
        classes = [c for b in around if getattr(b, "element", None) is not None for c in
                   (b.element.get("class") or "").split()]
        out.append((number, text, classes))
    return out


@pytest.mark.parametrize("repeats", [33, 34, 35])
def test_a_note_never_starts_a_page_away_from_what_it_is_about(repeats):
    # With a long-term goal of this length the Tigrinya note "the text written for you is in Norwegian" was the only
    # line at the top of page 2, its text a page away.
    doc = persona_plan("yonas", "ti", long_term_goal="Bli elektriker og jobbe i Drammen. " * repeats)
    starts = _first_text_on_each_page(doc)
    assert starts and not [s for s in starts if "note-lang" in s[2]], starts


def test_an_own_element_says_in_the_participants_language_that_its_text_is_norwegian():
    doc = persona_plan("amal", "en")  # its last element is the caseworker's own "Svømmekurs for voksne"
    html = render_plan_html(doc, for_print=True)
    table = html[html.index('<table class="elements'):]
    table = table[:table.index("</table>")]
    row = table[table.rindex("<tr>"):]
    cell = row[row.index('class="c-what-tr"'):row.index('class="c-who"')]
    assert "Your own activity. The text is in Norwegian:" in cell
    assert '<strong lang="nb" dir="ltr">Svømmekurs for voksne</strong>' in cell
    assert "Other activity" not in html


def test_a_programme_of_six_months_does_not_say_it_lasts_all_year():
    doc = persona_plan("amal", "en", duration_months=6, end_date=dt.date(2027, 7, 3))
    text = " ".join(pdf_text(render_plan_pdf(doc)).split())
    assert "varer hele året" not in text and "lasts all year" not in text
    assert "Det følger ikke skolens ferier" in text and "It does not follow the school holidays" in text


@pytest.mark.parametrize("language, municipality, adult_education", [
    ("en", "The municipality", "The adult education centre"), ("ti", "ምምሕዳር ከተማ (ኮሙነ)", "ማእከል ትምህርቲ ዓበይቲ")])
def test_generic_responsible_parties_are_translated_and_named_ones_printed_as_written(language, municipality,
                                                                                      adult_education):
    doc = persona_plan("yonas", language)  # "Voksenopplæringen" and "Kommunen"; the own element "Bydelshuset"
    html = render_plan_html(doc, for_print=True)
    cells = re.findall(r'<td class="c-who">(.*?)</td>', html, re.S)
    assert cells
    assert any("Kommunen" in c and municipality in c for c in cells)
    assert any("Voksenopplæringen" in c and adult_education in c for c in cells)
    own = next(c for c in cells if "Bydelshuset" in c)
    assert 'class="tr"' not in own  # a named place is not a generic party: no translation is made up
    # in Nynorsk, the parties are known by their Nynorsk names too
    assert render._party_of("Vaksenopplæringa") == render._party_of(" voksenopplæringen ") == "adult_education"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_integration_contract_holds_the_mutual_duties_and_the_long_term_goal_in_both_languages(language):
    from intake.plan.render import render_contract_pdf

    doc = persona_plan(LANGUAGES[language], language)
    pdf = render_contract_pdf(doc)
    text = pdf_text(pdf)
    words = tokens(text)
    no, tr = plan_texts("nb"), plan_texts(language)

    def has(phrase: str) -> bool:
        return tokens(phrase) <= words

    for t in (no, tr):
        assert has(t["contract.title"]) and has(t["contract.municipality_heading"])
        assert has(t["contract.participant_heading"])
        for group in ("municipality_duties", "participant_duties"):
            for key in t.texts["contract"][group]:
                assert has(t[f"contract.{group}.{key}"]), (language, group, key)
    assert has(doc.long_term_goal) and has(doc.participant_name) and has(doc.duf_number)
    assert "§ 16" in text or "16" in words
    # the same version and date as the plan it belongs to
    assert has(no.fill("contract.plan_ref", version="1", date="20.11.2026"))
    # tagged PDF/UA, its title the contract's
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data()
    assert b"pdfuaid:part" in xmp and "Integreringskontrakt".encode() in xmp
