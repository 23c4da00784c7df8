"""In a real browser, with the keyboard only: the counsellor works a referral through its parts (#16 item 9), each
its own page reached by the sub-navigation, writes private notes on a session and changes them; axe finds no serious
or critical problem on any part; the caseworker's pages never show the notes."""

from __future__ import annotations

import json
import re

from tests.browser.keyboard import Keyboard, date_field_order
from tests.days import days_from_today
from tests.personas import YONAS

NOTES = "Yonas vil bli elektriker; avtalt hospitering hos Elektro Drammen.\nPrivat for senteret."
CHANGED = "Hospitering avtalt fra januar."


def _sent_referral(page, base_url: str) -> tuple[int, int]:
    """A case of Yonas's with consent and a sent referral, made by the signed-in caseworker through the JSON API
    with the browser's session. Returns (case id, referral id)."""
    page.goto(f"{base_url}/cases")
    headers = {"Content-Type": "application/json", "X-CSRF-Token": page.locator("body").get_attribute("data-csrf")}
    case = page.request.post(f"{base_url}/api/v1/cases", headers=headers,
                             data=json.dumps({"answers": {"participant.name": YONAS["participant.name"]}}))
    assert case.status == 201, case.text()
    case_id = case.json()["id"]
    consent = page.request.post(f"{base_url}/api/v1/cases/{case_id}/consents", headers=headers, data=json.dumps(
        {"sections": ["participant"], "given_how": "in_writing", "given_on": days_from_today(-1)}))
    assert consent.status == 201, consent.text()
    referral = page.request.post(f"{base_url}/api/v1/cases/{case_id}/referrals", headers=headers, data=json.dumps(
        {"purpose": "Avklare utdanningsvei.", "send": True}))
    assert referral.status == 201, referral.text()
    return case_id, referral.json()["id"]


def test_the_counsellor_works_through_the_parts_and_keeps_private_notes_by_keyboard(
        page, browser, live_server, login, assert_accessible):
    login(page, live_server, "veileder")
    case_id, rid = _sent_referral(page, live_server)

    context = browser.new_context(bypass_csp=True, locale="nb-NO")
    context.set_default_timeout(10_000)
    counsellor = context.new_page()
    keys = Keyboard(counsellor, date_field_order(browser))
    parts = "nav[aria-label='Deler av henvisningen']"
    try:
        login(counsellor, live_server, "karriere")
        counsellor.goto(f"{live_server}/inbox/{rid}")
        assert counsellor.locator(f"{parts} a[aria-current=page]").inner_text() == "Henvisning"
        assert_accessible(counsellor)
        keys.press("form[action$='/receive'] button[type=submit]")
        counsellor.get_by_text("Henvisningen er markert som mottatt.").wait_for()
        keys.type_date("#f-planned_first_session", days_from_today(7))
        keys.press("form[action$='/accept'] button[type=submit]")
        counsellor.wait_for_url(re.compile(rf"/inbox/{rid}/contract\?done=accept$"))
        assert counsellor.locator(f"{parts} a[aria-current=page]").inner_text() == "Avtale"
        assert counsellor.locator("h1").inner_text() == "Veiledningskontrakt"
        assert_accessible(counsellor)
        keys.type_text("#f-goal", "Finne en utdanningsvei.")
        keys.type_text("#f-frame", "Tre samtaler med tolk.")
        keys.press("form[action$='/contract'] button[type=submit]")
        counsellor.wait_for_url(re.compile(rf"/inbox/{rid}/sessions\?done=contract$"))
        assert counsellor.locator("h1").inner_text() == "Samtaler"

        # A session with private notes, then the notes changed, all by keyboard
        keys.type_date("#f-held_on", days_from_today(-1))
        keys.choose_radio("form", "video")
        keys.set_checkbox("#f-interpreter_used", True)
        keys.type_text("#f-notes", NOTES)
        keys.press("form[action$='/sessions'] button[type=submit]")
        counsellor.get_by_text("Samtalen er registrert.").wait_for()
        notes = counsellor.locator("ol.sessions textarea")
        assert notes.input_value() == NOTES
        assert "Samtaler (1)" in counsellor.locator(parts).inner_text()
        assert_accessible(counsellor)
        keys.type_text(f"#{notes.get_attribute('id')}", CHANGED)
        keys.press("ol.sessions form button[type=submit]")
        counsellor.get_by_text("Notatet er lagret.").wait_for()
        assert counsellor.locator("ol.sessions textarea").input_value() == CHANGED

        # The sub-navigation by keyboard: to the summary's part
        keys.press(f"{parts} a[href='/inbox/{rid}/summary']")
        counsellor.wait_for_url(re.compile(rf"/inbox/{rid}/summary$"))
        assert counsellor.locator(f"{parts} a[aria-current=page]").inner_text() == "Oppsummering"
        assert_accessible(counsellor)
    finally:
        context.close()

    # The caseworker's view of the referral and the case has no notes (nor any session)
    for path in (f"/cases/{case_id}/referrals/{rid}", f"/cases/{case_id}", f"/inbox/{rid}/sessions"):
        page.goto(f"{live_server}{path}")
        text = page.locator("body").inner_text()
        assert CHANGED not in text and "Hospitering" not in text and "elektriker" not in text, path
