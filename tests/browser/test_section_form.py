"""The section form in a browser. Enter in a field saves and never works a row's button: a browser submits a form on
Enter by "clicking" its first submit button, which on a section with rows was "Fjern språk 1" (the row and what was
typed in it went). The derived values beside the form follow each autosave."""

from __future__ import annotations

from tests.browser.conftest import login
from tests.browser.keyboard import SELECT_HOLDS
from tests.browser.pages import start_case
from tests.personas import AMAL


def choose_language(page, index: int, code: str, js: bool = True) -> None:
    """Choose a row's language in its autocomplete (#16 item 6): type its name, take the suggestion; without
    JavaScript in the plain select."""
    from intake.domain.reference import languages

    field = f"#f-participant-languages-{index}-language"
    if not js:
        page.select_option(field, code)
        return
    page.locator(f"{field}[role=combobox]").wait_for()  # enhanced (the scripts are deferred)
    page.fill(field, languages("nb")[code])
    page.locator(f"{field}__listbox").get_by_role("option", name=languages("nb")[code], exact=True).click()
    page.wait_for_function(SELECT_HOLDS, arg=[field, code])


def two_languages(page, js: bool = True) -> tuple[dict, dict]:
    first, second = AMAL["participant.languages"]
    choose_language(page, 0, first["language"], js)
    page.check(f"#f-participant-languages-0-level-{first['level']}")
    page.get_by_role("button", name="Legg til språk").click()
    page.locator("#f-participant-languages-row-1").wait_for()
    choose_language(page, 1, second["language"], js)
    page.check(f"#f-participant-languages-1-level-{second['level']}")
    return first, second


def language_of(page, index: int) -> str:
    """The code a row's language select holds (the select behind the autocomplete, or the plain one)."""
    field = f"#f-participant-languages-{index}-language"
    # read at once: during a swap the select is briefly back under its own id
    return page.evaluate("sel => (document.querySelector(sel + '-select') || document.querySelector(sel)).value", field)


def assert_rows_kept(page, first: dict, second: dict) -> None:
    assert page.locator("#f-participant-languages-row-1").count() == 1, "a language row was removed"
    assert language_of(page, 0) == first["language"]
    assert language_of(page, 1) == second["language"]


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
    first, second = two_languages(page, js=False)

    page.fill("#f-participant-name", "Amal Hassan")
    with page.expect_navigation():
        page.press("#f-participant-name", "Enter")
    assert_rows_kept(page, first, second)
    page.goto(f"{live_server}{case_path}/sections/participant")
    assert page.locator("#f-participant-name").input_value() == "Amal Hassan"
    assert_rows_kept(page, first, second)


def test_the_derived_values_beside_the_form_follow_each_autosave(page, live_server):
    # "Beregnet fra svarene" said "Ikke beregnet ennå" until the page was opened again.
    login(page, live_server, "veileder")
    start_case(page, live_server)
    panel = page.locator("aside.derived")
    assert "Ikke beregnet ennå" in panel.inner_text()
    a = AMAL
    page.fill("#f-participant-birth_date", a["participant.birth_date"])
    page.select_option("#f-participant-residence_basis", a['participant.residence_basis'])
    page.fill("#f-participant-permit_date", a["participant.permit_date"])
    page.fill("#f-participant-settlement_date", a["participant.settlement_date"])
    page.locator("#f-participant-name").focus()  # the last date's change event
    page.locator("aside.derived", has_text="34 år").wait_for()
    page.locator("aside.derived", has_text="15. desember 2026").wait_for()
    assert page.locator("aside.derived").count() == 1


def test_a_section_put_right_after_an_error_is_completed_everywhere(page, live_server):
    # #16 item 3: 4,500 characters in "Mål på lang sikt", tab away (an error, kept as a draft); the text put back, tab
    # away; "Lagre og gå til oversikten": the section said "Påbegynt" while the case said "Kartlegging fullført".
    from tests.browser.pages import completed_case

    login(page, live_server, "veileder")
    case_path = completed_case(page, live_server, AMAL)
    page.goto(f"{live_server}{case_path}/sections/goals")
    field = page.locator("#f-goals-long_term")
    field.fill("x" * 4500)
    page.locator("#f-goals-short_term").focus()
    page.locator("#f-goals-long_term-error").wait_for()
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    field.fill(AMAL["goals.long_term"])
    page.locator("#f-goals-short_term").focus()
    page.locator("#f-goals-long_term-error").wait_for(state="detached")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    page.get_by_role("button", name="Lagre og gå til oversikten").click()
    page.wait_for_url(f"{live_server}{case_path}")
    assert page.locator("#status-goals").inner_text() == "Fullført"
    assert "Kartlegging fullført" in page.locator("main").inner_text()
    assert "må rettes" not in page.locator("main").inner_text()


def test_a_long_text_counts_its_characters_and_the_autosave_names_what_it_did_not_store(page, live_server):
    # #16 item 5: the count follows the typing; "Lagret" is not said alone beside an answer the save refused.
    login(page, live_server, "veileder")
    start_case(page, live_server)
    page.goto(page.url.replace("/sections/participant", "/sections/goals"))
    count = page.locator("#f-goals-long_term-count")
    assert count.inner_text() == "Du har 4000 tegn igjen"  # without JavaScript: "Du kan skrive opptil 4000 tegn."
    page.locator("#f-goals-long_term").fill("Sykepleier")
    count.filter(has_text="Du har 3990 tegn igjen").wait_for()
    page.locator("#f-goals-long_term").fill("x" * 4010)
    count.filter(has_text="Du har 10 tegn for mye").wait_for()
    page.locator("#f-goals-short_term").focus()  # the change event: an autosave
    status = page.locator("#save-status")
    status.filter(has_text="unntatt: Mål på lang sikt").wait_for()
    assert "ikke lagret" in status.inner_text()
    assert count.inner_text() == "Du har 10 tegn for mye"  # the morphed-in answer keeps the count


def test_the_breadcrumb_follows_an_autosaved_name(page, live_server):
    # #16 item 16: the breadcrumb kept "Ny sak" after the name was typed and autosaved.
    login(page, live_server, "veileder")
    start_case(page, live_server)
    assert "Ny sak" in page.locator("#breadcrumbs").inner_text()
    page.fill("#f-participant-name", "Selam Tesfaye")
    page.locator("#f-participant-birth_date").focus()
    page.locator("#breadcrumbs", has_text="Selam Tesfaye").wait_for()
    assert page.locator("#breadcrumbs").count() == 1


def test_the_language_list_offers_the_common_languages_first(page, live_server):
    # #16 item 6: the first entries of about 600 were Abkhaz, Acoli, Adangme …
    login(page, live_server, "veileder")
    start_case(page, live_server)
    select = page.locator("#f-participant-languages-0-language-select")  # enhanced into an autocomplete
    labels = select.evaluate("s => [...s.querySelectorAll('optgroup')].map(g => g.label)")
    assert labels == ["Vanlige språk blant nye deltakere", "Alle språk"]
    first = select.evaluate("s => [...s.options].slice(1, 4).map(o => o.text)")
    assert first == ["ukrainsk", "arabisk", "tigrinja"]
    # The autocomplete's suggestions keep that order: of the names starting with "a", Arabic (common) comes first
    page.locator("#f-participant-languages-0-language[role=combobox]").fill("a")
    offered = page.locator("#f-participant-languages-0-language__listbox [role=option]").all_inner_texts()
    assert offered[0] == "arabisk" and "abkhasisk" in offered
    choose_language(page, 0, "ti")
    page.locator("#save-status", has_text="Lagret").wait_for()
    assert select.input_value() == "ti"
