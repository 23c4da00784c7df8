"""The login's time limit in a real browser (WCAG 2.2.1): two minutes before it ends a dialog offers to go on, and
"Fortsett å jobbe" keeps the login; if it has ended, the dialog says so and what was typed stays on the page.
The browser's clock is Playwright's fake one, moved forward; the server's session is real."""

from __future__ import annotations

import re

from tests.browser.conftest import login


def test_the_caseworker_is_warned_before_the_login_ends_and_can_go_on(page, live_server, assert_accessible):
    login(page, live_server, "veileder")
    page.clock.install()
    page.goto(f"{live_server}/cases")
    search = page.get_by_label("Søk etter navn eller DUF-nummer")
    search.fill("Ahmad Rahimi, skrevet men ikke sendt")
    dialog = page.locator("dialog#session-warning")
    assert not dialog.is_visible()

    page.clock.fast_forward("28:30")  # 30 minutes idle, less the warning's two and a half
    dialog.get_by_role("heading", name="Du blir snart logget ut").wait_for()
    go_on = dialog.get_by_role("button", name="Fortsett å jobbe")
    assert go_on.evaluate("b => b === document.activeElement")  # the keyboard is already on it
    assert_accessible(page)
    with page.expect_response(re.compile(r"/session/extend$")) as extended:
        page.keyboard.press("Enter")
    assert extended.value.ok
    dialog.wait_for(state="hidden")

    page.clock.fast_forward("31:00")  # no use at all now: the login has ended, as far as the page can know
    dialog.get_by_role("heading", name="Du er logget ut").wait_for()
    assert dialog.get_by_role("link", name="Logg inn i en ny fane").get_attribute("target") == "_blank"
    dialog.get_by_role("button", name="Lukk og kopier teksten").click()
    assert search.input_value() == "Ahmad Rahimi, skrevet men ikke sendt"  # still there, to be copied


def test_going_on_after_the_login_has_ended_elsewhere_says_so(page, live_server):
    login(page, live_server, "veileder")
    page.clock.install()
    page.goto(f"{live_server}/cases")
    page.clock.fast_forward("28:30")
    dialog = page.locator("dialog#session-warning")
    dialog.get_by_role("button", name="Fortsett å jobbe").wait_for()
    csrf = page.locator("body").get_attribute("data-csrf")
    assert page.request.post(f"{live_server}/logout", form={"_csrf": csrf}, max_redirects=0).status == 303
    with page.expect_response(re.compile(r"/session/extend$")) as extended:
        dialog.get_by_role("button", name="Fortsett å jobbe").click()
    assert extended.value.status == 401
    dialog.get_by_role("heading", name="Du er logget ut").wait_for()
