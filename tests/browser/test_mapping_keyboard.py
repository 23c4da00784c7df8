"""A caseworker maps a participant with the keyboard only, and what is typed survives without pressing save.

Every action goes through the keyboard (tests/browser/keyboard.py): Tab/Shift+Tab to move, typing, arrows and Space
for radios and checkboxes, type-ahead for selects, Enter for buttons. Locators only wait for and read the page.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from intake.domain.questionnaire import default_questionnaire
from intake.web.forms import display
from intake.web.templates import dom_id
from tests.browser.keyboard import WAIT_MS, Keyboard, date_field_order
from tests.browser.pages import summary_row
from tests.personas import YONAS

QUESTIONNAIRE = default_questionnaire()


@pytest.fixture(scope="session")
def date_order(browser) -> str:
    return date_field_order(browser)


@pytest.fixture
def kb(page, date_order) -> Keyboard:
    return Keyboard(page, date_order)


def keyboard_login(kb: Keyboard, base_url: str, username: str = "veileder", password: str = "demo") -> None:
    kb.page.goto(f"{base_url}/login")
    kb.type_text("#f-username", username)
    kb.type_text("#f-password", password)
    kb.page.keyboard.press("Enter")
    kb.page.wait_for_url(lambda url: urlparse(url).path != "/login", timeout=WAIT_MS)


def new_case(kb: Keyboard, base_url: str) -> str:
    """Start a new mapping from the case list; returns the case's URL."""
    if urlparse(kb.page.url).path != "/cases":
        kb.page.goto(f"{base_url}/cases")
    kb.press('form[action="/cases/new"] button')
    kb.page.wait_for_url(re.compile(r"/cases/\d+/sections/participant$"), timeout=WAIT_MS)
    return re.sub(r"/sections/participant$", "", kb.page.url)


def wait_for_path(page, path: str) -> None:
    try:
        page.wait_for_url(lambda url: urlparse(url).path == path, timeout=WAIT_MS)
    except Exception as exc:
        summary = page.locator(".error-summary, .notice, .conflict")
        shown = summary.all_inner_texts() if summary.count() else []
        raise AssertionError(f"expected {path}, still on {page.url}; the page says: {shown}") from exc


def focus_moves_to(page, selector: str) -> None:
    page.wait_for_function("(sel) => !!document.activeElement && document.activeElement.matches(sel)", arg=selector,
                           timeout=WAIT_MS)


def autosaves_done(page) -> None:
    """Wait until no autosave is in flight (htmx marks the form with `htmx-request` while one is)."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')", timeout=WAIT_MS)
    assert "Lagret" in page.locator("#save-status").inner_text()


def test_caseworker_completes_yonas_mapping_with_the_keyboard_only(kb, live_server):
    page = kb.page
    keyboard_login(kb, live_server)
    case_url = new_case(kb, live_server)
    case_path = urlparse(case_url).path
    sections = QUESTIONNAIRE.sections

    for i, section in enumerate(sections):
        assert urlparse(page.url).path == f"{case_path}/sections/{section.id}"
        if section.id == "participant":
            answer_participant_showing_follow_ups_and_rows(kb, section)
        else:
            kb.answer_section(section, YONAS)
        kb.press('button[name="_action"][value="continue"]')
        following = f"{case_path}/sections/{sections[i + 1].id}" if i + 1 < len(sections) else f"{case_path}/check"
        wait_for_path(page, following)

    # Check answers: every answer Yonas gave is shown as the caseworker would read it.
    assert page.locator("h1").inner_text().startswith("Se over svarene")
    for section in sections:
        for q in section.questions:
            if q.id in YONAS:
                shown = summary_row(page, section.id, q.label["nb"]).inner_text()
                assert display(q, YONAS[q.id]) in shown, f"{q.id} is not shown as answered"

    kb.press('form[action$="/complete"] button')
    page.wait_for_url(lambda url: urlparse(url).path == case_path and "completed=1" in url, timeout=WAIT_MS)
    statuses = page.locator(".task-list .task .tag").all_inner_texts()
    assert statuses == ["Fullført"] * len(sections)
    assert "Kartleggingen er fullført" in page.locator(".panel-success").inner_text()
    assert page.locator("dl.summary-list dd").first.inner_text().startswith("Kartlegging fullført")


def answer_participant_showing_follow_ups_and_rows(kb: Keyboard, section) -> None:
    """The first section by hand, to watch a follow-up appear and a repeat row come and go."""
    page = kb.page
    interpreter_language = f"#q-{dom_id('participant.interpreter_language')}"
    languages = QUESTIONNAIRE.by_id["participant.languages"]
    after = ("participant.interpreter_language", "participant.interpreter_used", "participant.interpreter_qualification",
             "participant.prior_mapping")
    before = {k: v for k, v in YONAS.items() if k.startswith("participant.") and k not in (
        "participant.interpreter_needed", *after)}
    kb.answer_section(section, before)

    # A second language row is added in place, and removed again.
    assert kb.row_count(languages) == 1
    kb.add_row(languages)
    assert kb.row_count(languages) == 2
    assert page.locator("#f-participant-languages-row-1 legend").first.inner_text() == "Språk 2"
    focus_moves_to(page, "#f-participant-languages-1-language")  # the new row's first field, ready to answer
    kb.press(f'button[name="_action"][value="remove:{languages.id}:1"]')
    page.locator("#f-participant-languages-row-1").wait_for(state="detached", timeout=WAIT_MS)
    assert kb.row_count(languages) == 1
    focus_moves_to(page, f'button[value="add:{languages.id}"]')  # not lost with the button that was removed

    # The interpreter language is asked only once an interpreter is needed.
    assert page.locator(interpreter_language).count() == 0
    kb.answer(QUESTIONNAIRE.by_id["participant.interpreter_needed"], "participant.interpreter_needed", True)
    kb.wait_visible(interpreter_language)
    kb.answer_section(section, {k: YONAS[k] for k in after})


def test_autosaved_answers_come_back_in_a_new_browser(kb, live_server, browser, date_order):
    page = kb.page
    keyboard_login(kb, live_server)
    case_url = new_case(kb, live_server)
    section = QUESTIONNAIRE.section("participant")
    typed = {k: YONAS[k] for k in ("participant.name", "participant.birth_date", "participant.residence_basis",
                                   "participant.languages", "participant.interpreter_needed",
                                   "participant.interpreter_language")}
    kb.answer_section(section, typed)
    kb.focus("[name='participant.prior_mapping']")  # leave the last field
    autosaves_done(page)
    # No save button pressed: the browser is simply closed.
    url = page.url
    page.context.close()

    context = browser.new_context(locale="nb-NO")
    try:
        again = Keyboard(context.new_page(), date_order)
        keyboard_login(again, live_server)
        again.page.goto(url)
        p = again.page
        assert p.locator("#f-participant-name").input_value() == YONAS["participant.name"]
        assert p.locator("#f-participant-birth_date").input_value() == YONAS["participant.birth_date"]
        # eight residence bases: a select (more than seven choices are not radios)
        assert p.locator("#f-participant-residence_basis").input_value() == "refugee"
        assert p.locator("#f-participant-languages-0-language-select").input_value() == "ti"  # behind its autocomplete
        assert p.locator("#f-participant-languages-0-level-native").is_checked()
        assert p.locator("#f-participant-interpreter_needed-true").is_checked()
        assert p.locator("#f-participant-interpreter_language-select").input_value() == "ti"
        assert case_url in url
    finally:
        context.close()


def test_a_follow_up_goes_away_with_its_answer_when_the_trigger_changes_back(kb, live_server):
    page = kb.page
    keyboard_login(kb, live_server)
    new_case(kb, live_server)
    needed = QUESTIONNAIRE.by_id["participant.interpreter_needed"]
    language = QUESTIONNAIRE.by_id["participant.interpreter_language"]
    follow_up = f"#q-{dom_id(language.id)}"

    kb.answer(needed, needed.id, True)
    kb.wait_visible(follow_up)
    kb.answer(language, language.id, "ti")
    kb.answer(needed, needed.id, False)  # moving off the select saves it; "Nei" hides it again
    page.locator(follow_up).wait_for(state="detached", timeout=WAIT_MS)
    autosaves_done(page)

    page.reload()
    assert page.locator(f"#{dom_id(needed.id)}-false").is_checked()
    assert page.locator(follow_up).count() == 0
    # Asked again, the question starts empty: the hidden answer was not kept.
    kb.answer(needed, needed.id, True)
    kb.wait_visible(follow_up)
    assert page.locator(f"#{dom_id(language.id)}").input_value() == ""
