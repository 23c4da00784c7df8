"""The leaders' audit log in a browser (#16 item 13): after a section save that changes many questions, the details
are words (which questions, by their labels) and wrap, so the log fits a laptop's screen without scrolling sideways."""

from __future__ import annotations

from tests.browser.conftest import login
from tests.browser.pages import completed_case
from tests.personas import AMAL


def test_a_section_save_reads_as_words_and_the_log_fits_the_screen(page, live_server):
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server, "veileder")
    case_path = completed_case(page, live_server, AMAL)
    page.goto(f"{live_server}{case_path}/sections/participant")
    page.get_by_role("button", name="Lagre og gå til oversikten").click()  # every question of the section posted
    page.wait_for_url(f"{live_server}{case_path}")
    page.context.clear_cookies()
    login(page, live_server, "leder")
    page.goto(f"{live_server}/audit?case={case_path.rsplit('/', 1)[1]}")
    details = page.locator("table.audit td.detail").all_inner_texts()
    saved = next(d for d in details if "Endret:" in d)
    assert "Del: Deltaker og sak" in saved and "Fødselsdato" in saved and "participant." not in saved
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    box = page.locator(".table-scroll").first
    assert box.evaluate("el => el.scrollWidth <= el.clientWidth"), "the log scrolls sideways in its box"
