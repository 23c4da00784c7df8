"""The wizard works as plain HTML forms: with JavaScript off, a row is added, follow-up questions are asked after a
save, and everything is stored."""

from __future__ import annotations

from urllib.parse import urlparse

from intake.domain.questionnaire import default_questionnaire
from intake.web.forms import display
from tests.browser.conftest import login
from tests.browser.pages import start_case, summary_row
from tests.personas import AMAL

QUESTIONNAIRE = default_questionnaire()


def test_participant_section_with_a_row_added_and_follow_ups_without_javascript(no_js_page, live_server):
    page = no_js_page
    login(page, live_server, "veileder")
    case_path = start_case(page, live_server)

    a = AMAL
    page.fill("#f-participant-name", a["participant.name"])
    page.check("#f-participant-has_national_id-true")  # shows the number's field (CSS, no JavaScript)
    page.fill("#f-participant-national_id", a["participant.national_id"])
    page.fill("#f-participant-duf_number", a["participant.duf_number"])
    page.fill("#f-participant-birth_date", a["participant.birth_date"])
    page.select_option("#f-participant-residence_basis", a['participant.residence_basis'])
    page.fill("#f-participant-permit_date", a["participant.permit_date"])
    page.check(f"#f-participant-permit_kind-{a['participant.permit_kind']}")
    page.fill("#f-participant-settlement_date", a["participant.settlement_date"])
    page.select_option("#f-participant-municipality", a["participant.municipality"])
    first, second = a["participant.languages"]
    page.select_option("#f-participant-languages-0-language", first["language"])
    page.check(f"#f-participant-languages-0-level-{first['level']}")

    # "Legg til språk" posts the whole form and answers with the page, one row longer; nothing typed is lost.
    page.get_by_role("button", name="Legg til språk").click()
    page.locator("#f-participant-languages-row-1").wait_for()
    assert page.locator("#f-participant-name").input_value() == a["participant.name"]
    assert page.locator("#f-participant-languages-0-language").input_value() == first["language"]
    page.select_option("#f-participant-languages-1-language", second["language"])
    page.check(f"#f-participant-languages-1-level-{second['level']}")
    page.check("#f-participant-interpreter_needed-true")
    page.check(f"#f-participant-prior_mapping-{a['participant.prior_mapping']}")
    assert page.locator("#f-participant-interpreter_language").count() == 0

    # Saving shows the follow-up questions the answers call for, and stays on the page until they are answered.
    page.get_by_role("button", name="Lagre og fortsett").click()
    page.locator(".notice", has_text="flere spørsmål").wait_for()
    assert urlparse(page.url).path == f"{case_path}/sections/participant"
    page.select_option("#f-participant-interpreter_language", a["participant.interpreter_language"])
    page.check(f"#f-participant-interpreter_used-{a['participant.interpreter_used']}")
    page.fill("#f-participant-prior_mapping_notes", a["participant.prior_mapping_notes"])
    page.fill("#f-participant-permit_expiry", a["participant.permit_expiry"])
    page.check("#f-participant-settled_by_agreement-true")
    # a follow-up of a follow-up (the interpreter's qualification) shows on the next save
    page.get_by_role("button", name="Lagre og fortsett").click()
    page.locator(".notice", has_text="flere spørsmål").wait_for()
    page.check(f"#f-participant-interpreter_qualification-{a['participant.interpreter_qualification']}")
    page.get_by_role("button", name="Lagre og fortsett").click()
    page.wait_for_url(lambda url: urlparse(url).path == f"{case_path}/sections/goals")

    # Stored: the task list has the section done, and the check page shows every answer.
    page.goto(f"{live_server}{case_path}")
    task = page.locator(".task", has=page.get_by_role("link", name="Deltaker og sak"))
    assert task.locator(".tag").inner_text() == "Fullført"
    page.goto(f"{live_server}{case_path}/check")
    for q in QUESTIONNAIRE.section("participant").questions:
        if q.id not in a:  # asked for other residence bases, or optional and not given
            continue
        assert display(q, a[q.id]) in summary_row(page, "participant", q.label["nb"]).inner_text(), q.id
