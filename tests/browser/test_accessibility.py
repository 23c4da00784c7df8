"""axe-core finds no serious or critical problems on any page of the mapping, in the states a caseworker meets:
follow-up questions shown, a validation error on screen, the check-answers page, an error page."""

from __future__ import annotations

import copy
import re
from urllib.parse import urlencode, urlparse

import pytest

from intake.domain.questionnaire import default_questionnaire
from intake.web.forms import to_form
from tests.browser.pages import start_case
from tests.personas import AMAL

QUESTIONNAIRE = default_questionnaire()

# Amal, with every follow-up question of the questionnaire shown.
ALL_FOLLOW_UPS = {
    **copy.deepcopy(AMAL),
    "life.health": "some_issues",
    "life.health_notes": "Ryggsmerter, tåler ikke lange økter med stillesitting.",
    "life.health_affects_participation": True,
    "life.economy": "strained",
    "life.economy_notes": "Sender penger til familie i hjemlandet.",
    "life.immigration_process": "family_reunification_pending",
    "life.immigration_notes": "Søknad for ektefelle sendt i august.",
    "norwegian.documented": "norskproven",
    "norwegian.test_date": "2026-05-01",
}

# Per section, what is posted over Amal's answers so that "Lagre og fortsett" shows errors: a required answer
# emptied ([""]; [] unticks every checkbox) and, where the section has one, a value typed wrongly.
WRONG = {
    "participant": {"participant.name": [""], "participant.national_id": ["12345678901"]},
    "goals": {"goals.short_term": [""]},
    "life": {"life.network": [""], "life.children_under_18": ["to"]},
    "background": {"background.driving_licence": [""], "background.years_of_schooling": ["seksten"],
                   "background.education.0.end_year": ["i fjor"]},
    "recognition": {"recognition.prior_learning_assessment_wanted": [""]},
    "norwegian": {"norwegian.training_status": [""], "norwegian.test_date": ["2099-01-01"]},
    "digital": {"digital.skill_level": [""]},
    "local": {"local.partners": []},
    "assessment": {"assessment.summary": [""], "assessment.proposed_duration_months": ["tolv"]},
}


def post_section(page, base_url: str, case_path: str, section, answers: dict, extra: dict | None = None) -> None:
    """Autosave a section as its form would post it (the browser's own session and CSRF token)."""
    csrf = page.locator("input[name=_csrf]").first.get_attribute("value")
    form = to_form(section, {k: v for k, v in answers.items() if k in QUESTIONNAIRE.by_id})
    form.update(extra or {})
    pairs = [(k, v) for k, values in form.items() for v in values]  # an empty list posts nothing
    pairs += [("_questions", " ".join(q.id for q in section.questions)), ("_action", "autosave")]
    response = page.request.post(f"{base_url}{case_path}/sections/{section.id}", data=urlencode(pairs),
                                 headers={"Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": csrf})
    assert response.ok, f"autosave of {section.id} answered {response.status}"


@pytest.fixture
def mapped_case(page, live_server, login):
    """A case with every follow-up shown, as the logged-in caseworker's browser sees it."""
    login(page, live_server, "veileder")
    case_path = start_case(page, live_server)
    for section in QUESTIONNAIRE.sections:
        post_section(page, live_server, case_path, section, ALL_FOLLOW_UPS)
    return case_path


def test_login_page_with_an_error(page, live_server, assert_accessible):
    page.goto(f"{live_server}/login")
    assert_accessible(page)
    page.fill("input[name=username]", "ingen-slik-bruker")  # not a real user: no one is throttled by it
    page.fill("input[name=password]", "feil passord")
    page.get_by_role("button", name="Logg inn").click()
    page.locator(".error-summary").wait_for()
    assert_accessible(page)


def test_case_list_task_list_and_check_answers(page, live_server, mapped_case, assert_accessible):
    page.goto(f"{live_server}/cases")
    assert_accessible(page)
    page.get_by_label("Søk etter navn eller DUF-nummer").fill("ingen slik deltaker")
    page.get_by_role("button", name="Søk", exact=True).click()
    page.get_by_text("0 saker passer.").wait_for()
    assert page.url == f"{live_server}/cases"  # the term is posted, in no address
    assert_accessible(page)
    page.goto(f"{live_server}{mapped_case}")
    assert page.locator(".task-list .task").count() == len(QUESTIONNAIRE.sections)
    assert_accessible(page)
    page.goto(f"{live_server}{mapped_case}/check")
    assert_accessible(page)
    page.get_by_role("button", name="Fullfør kartlegging").click()
    page.wait_for_url(re.compile(r"completed=1"))
    assert_accessible(page)


def test_check_answers_with_errors(page, live_server, login, assert_accessible):
    login(page, live_server, "veileder")
    case_path = start_case(page, live_server)
    page.goto(f"{live_server}{case_path}/check")
    page.get_by_role("button", name="Fullfør kartlegging").click()
    page.locator(".error-summary").wait_for()
    assert_accessible(page)


@pytest.mark.parametrize("section_id", [s.id for s in QUESTIONNAIRE.sections])
def test_section_page_with_follow_ups_and_errors(page, live_server, mapped_case, assert_accessible, section_id):
    section = QUESTIONNAIRE.section(section_id)
    url = f"{live_server}{mapped_case}/sections/{section_id}"
    page.goto(url)
    assert_accessible(page)

    post_section(page, live_server, mapped_case, section, ALL_FOLLOW_UPS, WRONG[section_id])
    page.goto(url)
    page.get_by_role("button", name="Lagre og fortsett").click()
    page.locator(".error-summary").wait_for()
    assert urlparse(page.url).path.endswith(f"/sections/{section_id}")
    assert page.locator(".error-message").count() >= 1
    # Focus starts on the error summary, so it is read out first and its links are the next Tab stops.
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'error-summary'")
    assert_accessible(page)


def test_error_pages(page, live_server, login, assert_accessible):
    login(page, live_server, "veileder")
    response = page.goto(f"{live_server}/cases/999999")
    assert response is not None and response.status == 404
    assert_accessible(page)
    response = page.goto(f"{live_server}/cases/1/sections/no-such-section")
    assert response is not None and response.status == 404
    assert_accessible(page)
