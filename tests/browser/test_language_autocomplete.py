"""The language lists (about 600 entries) as an accessible autocomplete (#16 item 6): npm's accessible-autocomplete
enhances the plain select. Typed part of a name and chosen with the keyboard, the language is saved by the section's
autosave, and the field is still an autocomplete after htmx has morphed the answer in (also when a row above is
removed and the rows move up). Without JavaScript the plain select is what is used."""

from __future__ import annotations

import re

from tests.browser.keyboard import Keyboard, date_field_order
from tests.browser.pages import start_case

FIRST, SECOND = "#f-participant-languages-0-language", "#f-participant-languages-1-language"


def choose(keys: Keyboard, selector: str, typed: str, option: str) -> None:
    keys.choose_suggestion(selector, typed, option)


def saved(page) -> None:
    page.locator("#save-status", has_text="Lagret").wait_for()
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def test_a_language_is_found_by_part_of_its_name_chosen_by_keyboard_and_saved(page, browser, live_server, login,
                                                                              assert_accessible):
    login(page, live_server, "veileder")
    case_path = start_case(page, live_server)
    keys = Keyboard(page, date_field_order(browser))
    field = page.locator(FIRST)
    page.locator(f"{FIRST}[role=combobox]").wait_for()  # the select is enhanced, and hidden
    assert page.locator(f"{FIRST}-select").is_hidden()

    keys.type_text(FIRST, "grin")  # the middle of "tigrinja"
    page.locator(f"{FIRST}__listbox").get_by_role("option", name="tigrinja", exact=True).wait_for()
    assert_accessible(page)  # with the suggestions open
    choose(keys, FIRST, "tigr", "tigrinja")
    saved(page)
    assert page.locator(f"{FIRST}-select").input_value() == "ti"
    # After the morph: still the autocomplete, showing the language, focus where it was
    assert field.get_attribute("role") == "combobox" and field.input_value() == "tigrinja"
    assert keys.is_active(FIRST)
    assert page.locator("select[data-autocomplete]").count() == page.locator(".autocomplete-host").count()

    # A second row is enhanced too; removing the first moves the second up, with its own language
    keys.press("button[value='add:participant.languages']")
    page.locator(SECOND).wait_for()
    assert page.locator(SECOND).get_attribute("role") == "combobox"
    choose(keys, SECOND, "dar", "dari")
    saved(page)
    assert page.locator(f"{SECOND}-select").input_value() == "prs"
    keys.press("button[value='remove:participant.languages:0']")
    page.locator("#f-participant-languages-row-1").wait_for(state="detached")
    saved(page)
    assert page.locator(FIRST).input_value() == "dari" and page.locator(f"{FIRST}-select").input_value() == "prs"
    assert page.locator(".autocomplete-host").count() == 1

    # Stored: a new page shows it
    page.goto(f"{live_server}{case_path}/sections/participant")
    assert page.locator(FIRST).input_value() == "dari"
    assert page.locator(f"{FIRST}-select").input_value() == "prs"


def test_without_javascript_the_plain_select_is_used(no_js_page, live_server, login):
    page = no_js_page
    login(page, live_server, "veileder")
    page.goto(f"{live_server}/cases")
    page.get_by_role("button", name="Ny kartlegging").click()
    page.wait_for_url(re.compile(r"/sections/participant$"))
    select = page.locator(FIRST)
    assert select.evaluate("e => e.tagName") == "SELECT" and select.is_visible()
    assert page.locator(".autocomplete-host").count() == 0
    select.select_option("ti")
    page.get_by_role("button", name="Lagre og fortsett").click()
    page.goto(page.url.rsplit("/sections/", 1)[0] + "/sections/participant")
    assert page.locator(FIRST).input_value() == "ti"


def test_the_referrals_interpreter_language_is_chosen_the_same_way(page, browser, live_server, login):
    # The referral's form is a plain form (no autosave): the chosen language is posted with it.
    login(page, live_server, "veileder")
    case_path = start_case(page, live_server)
    page.goto(f"{live_server}{case_path}/referrals/new")
    keys = Keyboard(page, date_field_order(browser))
    keys.choose_suggestion("#f-interpreter_language", "somal", "somali")
    assert page.locator("#f-interpreter_language-select").input_value() == "so"
    keys.type_text("#f-purpose", "Avklare utdanningsvei.")
    keys.press("button.secondary[value=save]")
    page.wait_for_url(re.compile(r"/referrals/\d+\?saved=1$"))
    assert page.locator("#f-interpreter_language").input_value() == "somali"
    assert page.locator("#f-interpreter_language-select").input_value() == "so"
