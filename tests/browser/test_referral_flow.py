"""In a real browser: the caseworker records consent and sends a referral; the counsellor, in a second browser,
marks it received, accepts and completes it; the caseworker then sees the summary and recommendation in the case."""

from __future__ import annotations

import re

from tests.personas import YONAS

DEFAULT_TIMEOUT_MS = 10_000


def test_referral_from_caseworker_to_career_centre_and_back(page, browser, live_server, login, assert_accessible):
    # --- the caseworker (veileder, Drammen) -----------------------------------------------------------------------
    # A case of its own (other browser tests share the server and its demo cases); a name is enough to refer.
    login(page, live_server, "veileder")
    page.goto(f"{live_server}/cases")
    page.get_by_role("button", name="Ny kartlegging").click()
    page.wait_for_url(re.compile(r"/cases/\d+/sections/participant"))
    case_url = re.sub(r"/sections/.*$", "", page.url)
    page.get_by_label("Fullt navn").fill(YONAS["participant.name"])
    page.get_by_role("button", name="Lagre og gå til oversikten").click()
    page.wait_for_url(case_url)
    page.get_by_role("link", name="Henvis til karriereveiledning").click()
    page.get_by_role("link", name="Registrer samtykke").click()
    assert page.get_by_label("Livssituasjon (hele delen)").is_checked() is False  # sensitive: never by default
    assert_accessible(page)
    page.get_by_label("Muntlig med tolk").check()
    page.get_by_role("button", name="Registrer samtykke").click()
    page.wait_for_url(re.compile(r"/referrals/new$"))
    page.get_by_label("Formålet med henvisningen").fill("Avklare utdanningsvei før vedtak om program.")
    page.get_by_label("Spørsmål til karriereveilederen").fill("Passer videregående opplæring for voksne?")
    assert_accessible(page)
    page.get_by_role("button", name="Send henvisning").click()
    page.get_by_text("Henvisningen er sendt").wait_for()
    referral_id = re.search(r"/referrals/(\d+)", page.url).group(1)
    assert "Sendt" in page.locator(".referral-status").first.inner_text()

    # --- the counsellor (karriere, Karriere Buskerud), in a second browser ------------------------------------------
    context = browser.new_context(bypass_csp=True, locale="nb-NO")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    counsellor = context.new_page()
    try:
        login(counsellor, live_server, "karriere")
        counsellor.goto(f"{live_server}/inbox")
        assert_accessible(counsellor)
        counsellor.locator(f"a[href='/inbox/{referral_id}']").click()
        counsellor.get_by_text("Avklare utdanningsvei før vedtak om program.").wait_for()
        assert "Sendt" in counsellor.locator(".referral-status").first.inner_text()  # opening it changes nothing
        assert counsellor.get_by_text("Livssituasjon").count() == 0  # not consented: not shown
        assert_accessible(counsellor)
        counsellor.get_by_role("button", name="Marker som mottatt").click()
        counsellor.get_by_text("Henvisningen er markert som mottatt.").wait_for()
        assert "Mottatt" in counsellor.locator(".referral-status").first.inner_text()

        counsellor.get_by_label("Planlagt første samtale").fill("2026-12-01")
        counsellor.get_by_role("button", name="Godta henvisningen").click()
        counsellor.get_by_text("Henvisningen er godtatt.").wait_for()

        counsellor.get_by_label("Mål for veiledningen").fill("Finne en utdanningsvei Yonas har tro på.")
        counsellor.get_by_label("Ramme for veiledningen").fill("Tre samtaler med tolk på tigrinja.")
        counsellor.get_by_role("button", name="Lagre kontrakten og start veiledningen").click()
        counsellor.get_by_text("Veiledningskontrakten er lagret.").wait_for()
        # The summary is its own part of the referral (#16 item 9)
        counsellor.get_by_role("navigation", name="Deler av henvisningen").get_by_role("link", name="Oppsummering").click()

        counsellor.get_by_label("Oppsummering", exact=True).fill("Yonas er motivert og vil bli elektriker.")
        counsellor.get_by_label("Meg i kontekst").fill("Ung, uten nettverk i Norge ennå.")
        counsellor.get_by_label("Utdanning", exact=True).check()
        counsellor.get_by_label("Anbefalingen i tekst").fill("Videregående opplæring, elektrofag, med norsk først.")
        counsellor.get_by_role("button", name="Fullfør og send oppsummeringen").click()
        counsellor.get_by_text("Veiledningen er fullført.").wait_for()
    finally:
        context.close()

    # --- back in the municipality ----------------------------------------------------------------------------------
    page.goto(case_url)
    block = page.locator("#karriereveiledning")
    block.get_by_text("Videregående opplæring, elektrofag, med norsk først.").wait_for()
    assert "Yonas er motivert og vil bli elektriker." in block.inner_text()
    assert "Fullført" in block.inner_text() and "Utdanning" in block.inner_text()
