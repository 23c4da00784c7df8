"""What the participant has, asked first (#16 item 1): "Har deltakeren fødselsnummer eller D-nummer?" shows the number's
field under "Ja" at once (CSS, so also without JavaScript); the DUF number the plan prints is asked for before the
mapping can be completed, the check page says so with a link to the field, and the plan builder's error about it leads
to the field itself, not to an empty anchor."""

from __future__ import annotations

import copy
import json
import re

from tests.browser.conftest import login
from tests.browser.pages import completed_case, start_case
from tests.personas import AMAL

NATIONAL_ID = "#f-participant-national_id"


def test_the_national_id_field_shows_under_yes(page, live_server):
    login(page, live_server, "veileder")
    start_case(page, live_server)
    question = page.locator("#f-participant-has_national_id")
    assert "Har deltakeren fødselsnummer eller D-nummer?" in question.inner_text()
    assert not page.locator(NATIONAL_ID).is_visible()
    page.check("#f-participant-has_national_id-true")
    page.locator(NATIONAL_ID).wait_for(state="visible")
    page.fill(NATIONAL_ID, AMAL["participant.national_id"])
    page.check("#f-participant-has_national_id-false")
    page.locator(NATIONAL_ID).wait_for(state="hidden")


def test_the_national_id_field_shows_under_yes_without_javascript(no_js_page, live_server):
    page = no_js_page
    login(page, live_server, "veileder")
    start_case(page, live_server)
    assert not page.locator(NATIONAL_ID).is_visible()
    page.check("#f-participant-has_national_id-true")
    assert page.locator(NATIONAL_ID).is_visible()


def _without_duf(page, live_server) -> str:
    case_path = completed_case(page, live_server, AMAL)
    csrf = page.locator("body").get_attribute("data-csrf")
    changed = page.request.patch(f"{live_server}/api/v1{case_path}/answers",
                                 data=json.dumps({"answers": {"participant.duf_number": None}}),
                                 headers={"Content-Type": "application/json", "X-CSRF-Token": csrf})
    assert changed.status == 200, changed.text()
    return case_path


def _lands_on_duf(page) -> None:
    page.wait_for_url(re.compile(r"/sections/participant\?return=\w+#f-participant-duf_number$"))
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'f-participant-duf_number'")


def test_the_check_page_says_the_duf_number_is_needed_and_links_to_it(page, live_server):
    login(page, live_server, "veileder")
    answers = copy.deepcopy(AMAL)
    del answers["participant.duf_number"]
    csrf_page = page.goto(f"{live_server}/cases")
    assert csrf_page.ok
    csrf = page.locator("body").get_attribute("data-csrf")
    made = page.request.post(f"{live_server}/api/v1/cases", data=json.dumps({"answers": answers}),
                             headers={"Content-Type": "application/json", "X-CSRF-Token": csrf})
    page.goto(f"{live_server}/cases/{made.json()['id']}/check")
    needed = page.locator("#still-needed")
    assert "DUF-nummer" in needed.inner_text() and "Integreringsplanen trenger det" in needed.inner_text()
    needed.get_by_role("link", name=re.compile("DUF-nummer")).click()
    _lands_on_duf(page)


def test_the_plan_builders_error_about_the_duf_number_lands_on_the_field(page, live_server):
    login(page, live_server, "veileder")
    case_path = _without_duf(page, live_server)
    page.goto(f"{live_server}{case_path}/plan")
    page.get_by_role("button", name="Lag planforslag").click()
    page.wait_for_url(re.compile(re.escape(case_path) + r"/plan"))
    page.goto(f"{live_server}{case_path}/plan/preview")
    link = page.locator("#error-summary a", has_text="DUF-nummer")
    assert link.count() == 1
    assert page.locator("#error-summary a[href='#f-case']").count() == 0
    link.click()
    _lands_on_duf(page)
    page.fill("#f-participant-duf_number", AMAL["participant.duf_number"])
    page.get_by_role("button", name="Lagre og gå tilbake til planen").click()
    page.wait_for_url(re.compile(re.escape(case_path) + r"/plan$"))
