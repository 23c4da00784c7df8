"""Enter in a field saves the section and never works a row's button: a browser submits a form on Enter by "clicking"
its first submit button, which on a section with rows was "Fjern språk 1" (the row and what was typed in it went)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DEFAULT_TIMEOUT_MS, login
from tests.browser.pages import start_case
from tests.personas import AMAL


@pytest.fixture
def no_js_page(browser):
    context = browser.new_context(java_script_enabled=False, locale="nb-NO")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield context.new_page()
    context.close()


def two_languages(page) -> tuple[dict, dict]:
    first, second = AMAL["participant.languages"]
    page.select_option("#f-participant-languages-0-language", first["language"])
    page.check(f"#f-participant-languages-0-level-{first['level']}")
    page.get_by_role("button", name="Legg til språk").click()
    page.locator("#f-participant-languages-row-1").wait_for()
    page.select_option("#f-participant-languages-1-language", second["language"])
    page.check(f"#f-participant-languages-1-level-{second['level']}")
    return first, second


def assert_rows_kept(page, first: dict, second: dict) -> None:
    assert page.locator("#f-participant-languages-row-1").count() == 1, "a language row was removed"
    assert page.locator("#f-participant-languages-0-language").input_value() == first["language"]
    assert page.locator("#f-participant-languages-1-language").input_value() == second["language"]


def test_enter_in_a_field_saves_and_keeps_every_row(page, live_server):
    login(page, live_server, "veileder")
    case_path = start_case(page, live_server)
    first, second = two_languages(page)
    page.wait_for_function("() => !document.querySelector('.htmx-request')")

    page.fill("#f-participant-name", "Amal Hassan")
    page.press("#f-participant-name", "Enter")
    page.locator("#save-status", has_text="Lagret").wait_for()
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    assert_rows_kept(page, first, second)
    assert page.locator("#f-participant-name").input_value() == "Amal Hassan"

    # and it was stored: the page opened anew shows the name and both languages
    page.goto(f"{live_server}{case_path}/sections/participant")
    assert page.locator("#f-participant-name").input_value() == "Amal Hassan"
    assert_rows_kept(page, first, second)


def test_enter_in_a_field_saves_and_keeps_every_row_without_javascript(no_js_page, live_server):
    page = no_js_page
    login(page, live_server, "veileder")
    case_path = start_case(page, live_server)
    first, second = two_languages(page)

    page.fill("#f-participant-name", "Amal Hassan")
    with page.expect_navigation():
        page.press("#f-participant-name", "Enter")
    assert_rows_kept(page, first, second)
    page.goto(f"{live_server}{case_path}/sections/participant")
    assert page.locator("#f-participant-name").input_value() == "Amal Hassan"
    assert_rows_kept(page, first, second)
