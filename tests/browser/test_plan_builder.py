"""The plan builder in a real browser: proposals decided on one page without reloading it (htmx swaps the one card,
focus goes to it, what is left is said at the top), the same with JavaScript off as plain forms, and after
"Fastsett plan" the confirmation panel has focus and says what happens next."""

from __future__ import annotations

import re

from tests.browser.conftest import PDF_TIMEOUT_MS
from tests.browser.pages import accept_every_proposal, answer_fix_warnings, completed_case, left_to_decide
from tests.personas import AMAL


def make_plan(page, live_server) -> str:
    case_path = completed_case(page, live_server, AMAL)
    page.goto(f"{live_server}{case_path}/plan")
    page.get_by_role("button", name="Lag planforslag").click()
    page.get_by_text("Planen er laget av forslagene fra kartleggingen.").wait_for()
    return f"{case_path}/plan"


def test_proposals_are_decided_on_one_page_without_reloading_it(page, live_server, login, assert_accessible):
    login(page, live_server, "veileder")
    plan_path = make_plan(page, live_server)
    assert page.locator(".error-summary").count() == 0
    assert page.evaluate("document.activeElement.id") != "error-summary"  # nothing focused before anything was done
    page.evaluate("window.sameDocument = true")  # gone if the page were loaded again
    left = left_to_decide(page)

    card = page.locator("li.plan-element", has=page.get_by_role("heading", name="Søke barnehageplass"))
    card.get_by_role("button", name=re.compile("^Ta med i planen")).click()
    card.get_by_text("Tatt med i planen", exact=True).wait_for()
    assert page.evaluate("window.sameDocument") is True
    assert page.evaluate("document.activeElement.textContent.trim()") == "Søke barnehageplass"  # the card's heading
    assert left_to_decide(page) == left - 1
    page.get_by_text(f"«Søke barnehageplass» er tatt med i planen. {left - 1} forslag er ikke avgjort.").wait_for(
        state="attached")

    # A rejection without a reason: the card shows the error at its field, and focus goes there.
    heading = page.get_by_role("heading", name="Ta Norskprøven for å dokumentere nivået")
    card = page.locator("li.plan-element", has=heading)
    card.locator("summary", has_text="Avvis").click()
    card.get_by_role("button", name="Avvis forslaget").click()
    card.locator(".error-message").first.wait_for()
    assert page.evaluate("document.activeElement.tagName") == "TEXTAREA"
    page.keyboard.type("Har tatt prøven i mottaket.")
    card.get_by_role("button", name="Avvis forslaget").click()
    card.get_by_text("Avvist", exact=True).wait_for()
    assert left_to_decide(page) == left - 2

    # All the content the law requires, in one press.
    page.get_by_role("button", name="Ta med alt påkrevd innhold (4 tiltak)").click()
    page.get_by_text("4 tiltak med påkrevd innhold er tatt med i planen.", exact=False).wait_for(state="attached")
    assert left_to_decide(page) == left - 6
    assert page.evaluate("window.sameDocument") is True
    assert page.evaluate("document.activeElement.id") == "plan-status-title"
    assert_accessible(page)

    # The settings form was not made stale by the decisions: it saves.
    page.get_by_label("Timer opplæring i norsk").fill("550")
    page.get_by_role("button", name="Lagre mål og omfang").click()
    page.wait_for_load_state()
    assert "endret i en annen fane" not in page.locator("main").inner_text()
    page.goto(f"{live_server}{plan_path}")
    assert page.get_by_label("Timer opplæring i norsk").input_value() == "550"


def test_proposals_are_decided_with_plain_forms_without_javascript(no_js_page, live_server, login):
    page = no_js_page
    login(page, live_server, "veileder")
    make_plan(page, live_server)
    left = left_to_decide(page)
    card = page.locator("li.plan-element", has=page.get_by_role("heading", name="Søke barnehageplass"))
    card.get_by_role("button", name=re.compile("^Ta med i planen")).click()
    page.wait_for_url(re.compile(r"/plan#element-\d+$"))
    card = page.locator("li.plan-element", has=page.get_by_role("heading", name="Søke barnehageplass"))
    assert "Tatt med i planen" in card.inner_text()
    assert left_to_decide(page) == left - 1
    page.get_by_role("button", name="Ta med alt påkrevd innhold (4 tiltak)").click()
    page.wait_for_url(re.compile(r"notice=required"))
    assert left_to_decide(page) == left - 5


def make_ready(page) -> None:
    """On the builder: the settings a plan needs, and every proposal taken into it."""
    page.get_by_label("Begrunnelse for forlengelse").fill("Godkjenning som sykepleier og norsk på B2-nivå.")
    page.get_by_label("Startdato for programmet").fill("2027-01-04")
    page.get_by_label("Timer opplæring i norsk").fill("550")
    page.get_by_role("button", name="Lagre mål og omfang").click()
    page.wait_for_url(re.compile(r"notice=settings"))
    page.get_by_role("button", name=re.compile("^Ta med alt påkrevd innhold")).click()
    page.get_by_text("tiltak med påkrevd innhold er tatt med i planen", exact=False).wait_for(state="attached")
    accept_every_proposal(page)
    page.get_by_role("heading", name="Planen er klar til å fastsettes").wait_for()


def test_after_fixing_the_confirmation_has_focus_and_says_what_happens_next(page, live_server, login,
                                                                            assert_accessible):
    login(page, live_server, "veileder")
    make_plan(page, live_server)
    make_ready(page)
    # Career guidance is in the plan and has not taken place: the page says so before the caseworker confirms.
    assert "Karriereveiledningen er ikke gjennomført" in page.locator("#fix .fix-warning").inner_text()
    answer_fix_warnings(page)
    page.get_by_role("button", name="Fastsett plan").click(timeout=PDF_TIMEOUT_MS)
    panel = page.locator("#fixed-notice")
    panel.wait_for()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'fixed-notice'")
    text = panel.inner_text()
    assert "Versjon 1 er fastsatt" in text and "to eksemplarer" in text and "klagefristen" in text
    box = panel.bounding_box()
    assert 0 <= box["y"] < page.viewport_size["height"]  # on screen, not scrolled away to the version list
    assert_accessible(page)


def test_the_printed_plan_reads_on_a_phone(page, live_server, login):
    # The preview page had no viewport: a phone showed an A4 page shrunk to a third of its width.
    login(page, live_server, "veileder")
    plan_path = make_plan(page, live_server)
    make_ready(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}{plan_path}/preview")
    page.locator(".draft-notice").wait_for()
    assert page.locator("meta[name=viewport]").count() == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
