"""The caseworker's wizard over HTTP: plain-form pages, errors kept with what was typed, hidden answers dropped,
repeat rows, autosave, two tabs, task-list statuses, check answers and completion."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from sqlmodel import select

from intake.domain.questionnaire import default_questionnaire
from tests.personas import AHMAD, AMAL, YONAS
from tests.web.pages import HTMX, Page, fill, form_values, search_cases

Q = default_questionnaire()
SECTIONS = [s.id for s in Q.sections]


def url(case, section=None, suffix=""):
    return f"/cases/{case.id}" + (f"/sections/{section}" if section else "") + suffix


def open_section(c, case, section, query=""):
    r = c.get(url(case, section) + query)
    assert r.status_code == 200, r.text
    return Page(r)


def post(c, case, section, data, htmx=False):
    headers = {**HTMX, "X-CSRF-Token": c.csrf} if htmx else {}
    return c.post(url(case, section), data=data, headers=headers)


def answer_section(c, case, section, answers, action="continue"):
    """Fill a section's page from JSON answers the way a person without JavaScript would: add rows as needed,
    answer follow-up questions as they appear, then press the button. Returns the last response."""
    values = form_values(Q, section, answers)
    page = open_section(c, case, section)
    for _ in range(12):
        missing_rows = [q for q in Q.section(section).questions if q.type == "repeat" and q.id in answers
                        and len(answers[q.id]) > len(page.all(f"#f-{q.id.replace('.', '-')} .repeat-row"))]
        if missing_rows:
            r = post(c, case, section, fill(page, values, f"add:{missing_rows[0].id}"))
            assert r.status_code == 200, r.text
            page = Page(r)
            continue
        r = post(c, case, section, fill(page, values, action))
        if r.status_code == 200 and action == "continue":  # follow-up questions appeared: answer them too
            page = Page(r)
            assert page.has(".notice"), page.text("main")
            continue
        return r
    raise AssertionError("the section never let go")


# --- a whole mapping through plain forms -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", [AMAL, YONAS, AHMAD], ids=["amal", "yonas", "ahmad"])
def test_a_persona_is_mapped_section_by_section_with_plain_forms(persona, caseworker, logged_in, stored):
    c = logged_in(caseworker)
    r = c.post("/cases/new", data={"_csrf": c.csrf})
    assert r.status_code == 303
    case_id = int(r.headers["location"].split("/")[2])
    assert r.headers["location"] == f"/cases/{case_id}/sections/participant"
    case = stored(case_id)
    # defaults: the caseworker's municipality, and career guidance (a right and a duty in the target group)
    assert case.answers == {"participant.municipality": "3301", "assessment.career_guidance_needed": True}
    for i, section in enumerate(SECTIONS):
        page = open_section(c, case, section)
        assert page.text("h1") == Q.section(section).title["nb"]
        assert f"Del {i + 1} av {len(SECTIONS)}" in page.text(".caption")
        r = answer_section(c, case, section, persona)
        assert r.status_code == 303, Page(r).summary() or Page(r).text("main")[:2000]
        nxt = SECTIONS[i + 1] if i + 1 < len(SECTIONS) else None
        assert r.headers["location"] == (url(case, nxt) if nxt else url(case, None, "/check"))
    case = stored(case_id)
    assert case.answers == persona
    assert case.drafts == {}
    statuses = Page(c.get(url(case))).text(".task-list")
    assert statuses.count("Fullført") == len(SECTIONS)


# --- errors: at the field, in the summary, and nothing typed is lost -----------------------------------------------


def test_errors_show_at_the_field_and_in_the_summary_and_the_rest_is_kept(caseworker, logged_in, make_case, stored):
    c = logged_in(caseworker)
    case = make_case(caseworker)
    page = open_section(c, case, "participant")
    values = form_values(Q, "participant", AMAL)
    values["participant.national_id"] = ["15108695077"]
    values["participant.settlement_date"] = ["01.06.2026"]  # before the permit
    r = post(c, case, "participant", fill(page, values, "continue"))
    assert r.status_code == 422
    page = Page(r)
    summary = dict(page.summary())
    assert summary, page.text("main")
    assert any(href == "#f-participant-national_id" for href in summary.values())
    assert any(href == "#f-participant-settlement_date" for href in summary.values())
    assert page.field_errors("f-participant-national_id")
    assert "før" in page.field_errors("f-participant-settlement_date")[0]
    assert "feil" in page.text("h2#error-summary-title")
    # everything typed is still in the form, the bad values too
    assert page.value("participant.name") == "Amal Hassan"
    assert page.value("participant.national_id") == "15108695077"
    assert page.value("participant.settlement_date") in ("2026-06-01", "01.06.2026")
    assert page.value("participant.languages.0.language") == "ar"
    # and after a reload, from storage
    page = open_section(c, case, "participant")
    assert page.value("participant.national_id") == "15108695077"
    assert page.field_errors("f-participant-national_id")
    assert page.value("participant.name") == "Amal Hassan"
    assert stored(case.id).answers["participant.name"] == "Amal Hassan"
    # a readable value that fails a check is stored as typed and keeps its error until corrected
    assert stored(case.id).answers["participant.national_id"] == "15108695077"
    assert stored(case.id).answers["participant.settlement_date"] == "2026-06-01"


def test_unreadable_text_is_kept_as_a_draft_and_shown_again(caseworker, logged_in, make_case, stored):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    page = open_section(c, case, "life")
    r = post(c, case, "life", fill(page, {"life.children_under_18": ["to"], "life.network": ["strong"]}))
    assert r.status_code == 200
    assert Page(r).value("life.children_under_18") == "to"
    assert Page(r).field_errors("f-life-children_under_18") == ["Skriv et helt tall, for eksempel 2."]
    case_now = stored(case.id)
    assert case_now.drafts["life.children_under_18"] == "to"
    assert case_now.answers["life.network"] == "strong"
    # the questions that follow from the children are neither hidden nor dropped by a typo
    assert case_now.answers["life.children_under_6"] == 1 and case_now.answers["life.childcare_needed"] is True
    page = open_section(logged_in(caseworker), case, "life")  # another browser: it is stored, not in a session
    assert page.value("life.children_under_18") == "to"
    assert page.field_errors("f-life-children_under_18")
    assert page.value("life.children_under_6") == "1"
    assert "Har feil" in Page(c.get(url(case))).text("#status-life")
    # correcting it clears the draft and the error
    r = post(c, case, "life", fill(Page(r), {"life.children_under_18": ["2"]}))
    assert Page(r).field_errors("f-life-children_under_18") == []
    assert stored(case.id).drafts == {}
    assert stored(case.id).answers["life.children_under_18"] == 2


def test_a_bad_value_in_one_row_loses_neither_the_other_rows_nor_what_follows_from_them(
        caseworker, logged_in, make_case, stored):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    page = open_section(c, case, "background")
    r = post(c, case, "background", fill(page, {"background.education.0.country": ["Syria"]}))
    page = Page(r)
    assert page.field_errors("f-background-education-0-country") == ["Velg et land fra listen."]
    assert page.value("background.education.0.field") == "Sykepleie"
    now = stored(case.id)
    assert now.answers["background.education"] == AMAL["background.education"]
    assert now.answers["recognition.status"] == "not_applied"  # still asked, still kept
    page = open_section(c, case, "background")
    assert page.field_errors("f-background-education-0-country") == ["Velg et land fra listen."]


def test_a_ten_thousand_character_name_is_an_error_not_a_crash(caseworker, logged_in, make_case):
    c = logged_in(caseworker)
    case = make_case(caseworker)
    page = open_section(c, case, "participant")
    r = post(c, case, "participant", fill(page, {"participant.name": ["A" * 10_000]}, "continue"))
    assert r.status_code == 422
    assert "høyst 200 tegn" in Page(r).field_errors("f-participant-name")[0]


def test_the_browser_is_told_not_to_remember_what_identifies_the_participant(caseworker, logged_in, make_case):
    """#12 item 16: on an office's shared machine, autofill would offer one refugee's national id to the next."""
    page = open_section(logged_in(caseworker), make_case(caseworker), "participant")
    for field in ("participant.name", "participant.national_id", "participant.duf_number"):
        assert page.one(f"input[name='{field}']").get("autocomplete") == "off", field
    assert page.one("input[name='participant.birth_date']").get("autocomplete") is None  # no identifier on its own


def test_cefr_b3_and_an_unknown_country_are_errors(caseworker, logged_in, make_case):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    page = open_section(c, case, "norwegian")
    r = post(c, case, "norwegian", fill(page, {"norwegian.oral": ["B3"]}, "continue"))
    assert r.status_code == 422
    assert Page(r).field_errors("f-norwegian-oral")
    page = open_section(c, case, "participant")
    r = post(c, case, "participant", fill(page, {"participant.interpreter_language": ["qq"]}, "continue"))
    assert r.status_code == 422
    assert Page(r).field_errors("f-participant-interpreter_language") == ["Velg et språk fra listen."]


def test_amal_gets_errors_for_a_duration_and_end_goal_she_cannot_have(caseworker, logged_in, make_case, stored):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    page = open_section(c, case, "assessment")
    r = post(c, case, "assessment", fill(page, {"assessment.proposed_duration_months": ["18"],
                                                "assessment.proposed_end_goal": ["upper_secondary"]}, "continue"))
    assert r.status_code == 422
    page = Page(r)
    assert "12 måneder" in page.field_errors("f-assessment-proposed_duration_months")[0]
    assert "ikke et tillatt sluttmål" in page.field_errors("f-assessment-proposed_end_goal")[0]
    assert len(page.summary()) == 2
    assert page.value("assessment.proposed_duration_months") == "18"
    assert page.value("assessment.proposed_end_goal") == "upper_secondary"


def test_required_questions_are_asked_for_on_continue_not_on_autosave(caseworker, logged_in, make_case):
    c = logged_in(caseworker)
    case = make_case(caseworker)
    page = open_section(c, case, "goals")
    r = post(c, case, "goals", fill(page, {"goals.short_term": ["Lære norsk"]}))
    assert r.status_code == 200 and Page(r).summary() == []
    r = post(c, case, "goals", fill(Page(r), {}, "continue"))
    assert r.status_code == 422
    messages = [m for m, _ in Page(r).summary()]
    assert "Fyll ut «Mål på lang sikt»." in messages or any("lang sikt" in m for m in messages)
    assert Page(r).value("goals.short_term") == "Lære norsk"


# --- hidden answers ------------------------------------------------------------------------------------------------


def test_an_answer_hidden_by_a_change_is_dropped(caseworker, logged_in, make_case, stored):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    page = open_section(c, case, "participant")
    assert page.has("#f-participant-interpreter_language")
    r = post(c, case, "participant", fill(page, {"participant.interpreter_needed": ["false"]}), htmx=True)
    assert r.status_code == 200
    assert not Page(r).has("#f-participant-interpreter_language")
    assert "participant.interpreter_language" not in stored(case.id).answers
    # asking again shows an empty question, not the old answer
    r = post(c, case, "participant", fill(Page(r), {"participant.interpreter_needed": ["true"]}), htmx=True)
    assert Page(r).value("participant.interpreter_language") == ""


def test_hiding_chains_and_takes_drafts_with_it(caseworker, logged_in, make_case, stored):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    page = open_section(c, case, "life")
    r = post(c, case, "life", fill(page, {"life.children_under_6": ["én"]}))  # a draft on a follow-up
    assert stored(case.id).drafts == {"life.children_under_6": "én"}
    r = post(c, case, "life", fill(Page(r), {"life.children_under_18": ["0"]}))
    page = Page(r)
    assert not page.has("#f-life-children_under_6") and not page.has("#f-life-childcare_needed")
    now = stored(case.id)
    assert "life.children_under_6" not in now.answers and "life.childcare_needed" not in now.answers
    assert now.drafts == {}
    assert "Har feil" not in Page(c.get(url(case))).text("#status-life")


def test_a_follow_up_appears_on_a_plain_post_with_a_notice(caseworker, logged_in, make_case):
    c = logged_in(caseworker)
    case = make_case(caseworker)
    page = open_section(c, case, "life")
    assert not page.has("#f-life-health_notes")
    values = form_values(Q, "life", AMAL)
    values["life.health"] = ["some_issues"]
    r = post(c, case, "life", fill(page, values, "continue"))
    assert r.status_code == 200
    page = Page(r)
    assert page.has("#f-life-health_notes")
    assert "flere spørsmål" in page.text(".notice")
    assert page.summary() == []  # a question just shown is news, not an error


# --- repeat groups -------------------------------------------------------------------------------------------------


def test_rows_are_added_and_removed_in_place(caseworker, logged_in, make_case, stored):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    page = open_section(c, case, "participant")
    assert len(page.all(".repeat-row")) == 2
    r = post(c, case, "participant", fill(page, {}, "add:participant.languages"), htmx=True)
    page = Page(r)
    assert len(page.all(".repeat-row")) == 3
    assert page.value("participant.languages.2.language") == ""
    # the empty row survives a reload (it is on screen) but is not an answer
    assert len(open_section(c, case, "participant").all(".repeat-row")) == 3
    assert stored(case.id).answers["participant.languages"] == AMAL["participant.languages"]
    r = post(c, case, "participant", fill(page, {"participant.languages.2.language": ["fr"],
                                                 "participant.languages.2.level": ["some"]}), htmx=True)
    assert [row["language"] for row in stored(case.id).answers["participant.languages"]] == ["ar", "en", "fr"]
    # remove the middle row: the last moves up
    r = post(c, case, "participant", fill(Page(r), {}, "remove:participant.languages:1"), htmx=True)
    page = Page(r)
    assert len(page.all(".repeat-row")) == 2
    assert page.value("participant.languages.1.language") == "fr"
    assert [row["language"] for row in stored(case.id).answers["participant.languages"]] == ["ar", "fr"]


def test_row_numbers_in_errors_match_the_screen(caseworker, logged_in, make_case):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    page = open_section(c, case, "participant")
    page = Page(post(c, case, "participant", fill(page, {}, "add:participant.languages")))
    page = Page(post(c, case, "participant", fill(page, {}, "add:participant.languages")))
    assert len(page.all(".repeat-row")) == 4
    # row 3 stays empty, row 4 gets a language that does not exist
    r = post(c, case, "participant", fill(page, {"participant.languages.3.language": ["qq"],
                                                 "participant.languages.3.level": ["some"]}, "continue"))
    page = Page(r)
    assert page.field_errors("f-participant-languages-3-language") == ["Velg et språk fra listen."]
    assert ("Velg et språk fra listen.", "#f-participant-languages-3-language") in page.summary()
    # the empty third row is required to be filled in or removed, and says so at row 3
    assert page.field_errors("f-participant-languages-2-language")
    legends = [e for e in page.text("#f-participant-languages-row-3 legend").split()]
    assert legends[:2] == ["Språk", "4"]
    # removing the empty row moves the bad one up, with its error
    r = post(c, case, "participant", fill(page, {}, "remove:participant.languages:2"))
    page = Page(r)
    assert page.value("participant.languages.2.language") == "qq"
    assert page.field_errors("f-participant-languages-2-language") == ["Velg et språk fra listen."]
    assert not page.has("#f-participant-languages-row-3")
    page = open_section(c, case, "participant")
    assert page.value("participant.languages.2.language") == "qq"
    assert page.field_errors("f-participant-languages-2-language") == ["Velg et språk fra listen."]


def test_errors_in_rows_after_an_empty_one_are_numbered_as_on_screen(caseworker, logged_in, make_case):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    page = open_section(c, case, "participant")
    page = Page(post(c, case, "participant", fill(page, {}, "add:participant.languages")))
    page = Page(post(c, case, "participant", fill(page, {}, "add:participant.languages")))
    # row 3 stays empty; row 4 is readable but lacks its level (a required field, checked on continue)
    r = post(c, case, "participant", fill(page, {"participant.languages.3.language": ["fr"]}, "continue"))
    assert r.status_code == 422
    page = Page(r)
    assert page.field_errors("f-participant-languages-3-level") == ["Velg «Nivå»."]
    assert page.field_errors("f-participant-languages-2-level") == ["Velg «Nivå»."]  # the empty row
    assert page.field_errors("f-participant-languages-1-level") == []
    assert ("Velg «Nivå».", "#f-participant-languages-3-level") in page.summary()


def test_an_added_empty_row_is_not_an_error(caseworker, logged_in, make_case, stored):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    page = open_section(c, case, "goals")
    r = post(c, case, "goals", fill(page, {}, "add:goals.target_occupations"))
    assert Page(r).summary() == [] and len(Page(r).all(".repeat-row")) == 2
    assert Page(c.get(url(case))).text("#status-goals") == "Påbegynt"
    assert stored(case.id).answers["goals.target_occupations"] == AMAL["goals.target_occupations"]


def test_removing_every_row_of_an_optional_group_clears_it(caseworker, logged_in, make_case, stored):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    page = open_section(c, case, "goals")
    r = post(c, case, "goals", fill(page, {}, "remove:goals.target_occupations:0"))
    assert r.status_code == 200
    assert not Page(r).has(".repeat-row")
    assert "goals.target_occupations" not in stored(case.id).answers


# --- autosave, coming back, two tabs -------------------------------------------------------------------------------


def test_autosave_with_htmx_returns_the_form_and_stores_every_answer(caseworker, logged_in, make_case, stored):
    c = logged_in(caseworker)
    case = make_case(caseworker)
    page = open_section(c, case, "goals")
    r = post(c, case, "goals", fill(page, {"goals.short_term": ["Lære norsk"]}), htmx=True)
    assert r.status_code == 200
    assert r.text.lstrip().startswith("<form id=\"section-form\"")
    assert "<html" not in r.text
    assert "Lagret kl." in Page(r).text("#save-status")
    assert stored(case.id).answers["goals.short_term"] == "Lære norsk"
    # closing the browser and coming back: a new session sees it all
    c.close()
    page = open_section(logged_in(caseworker), case, "goals")
    assert page.value("goals.short_term") == "Lære norsk"


def test_an_autosave_sends_the_derived_values_of_the_answers_just_saved(caseworker, logged_in, make_case):
    c = logged_in(caseworker)
    case = make_case(caseworker)
    page = open_section(c, case, "participant")
    assert "Ikke beregnet ennå" in page.text("aside.derived")
    r = post(c, case, "participant", fill(page, {
        "participant.birth_date": [AMAL["participant.birth_date"]],
        "participant.permit_date": [AMAL["participant.permit_date"]],
        "participant.residence_basis": [AMAL["participant.residence_basis"]],
        "participant.settlement_date": [AMAL["participant.settlement_date"]]}), htmx=True)
    # settlement by agreement with IMDi is asked once the residence basis is one that needs it
    assert "Ikke beregnet ennå" in Page(r).text("aside#derived-panel")
    r = post(c, case, "participant", fill(Page(r), {"participant.settled_by_agreement": ["true"]}), htmx=True)
    assert r.status_code == 200
    aside = Page(r).one("aside#derived-panel")
    assert aside.get("hx-swap-oob") == "true"  # htmx puts it in place of the page's panel
    text = Page(r).text("aside#derived-panel")
    assert "34 år" in text and "15. desember 2026" in text and "Ikke beregnet ennå" not in text


def test_the_error_summary_names_each_field_before_its_message(caseworker, logged_in, make_case):
    c = logged_in(caseworker)
    case = make_case(caseworker)
    page = open_section(c, case, "life")
    r = post(c, case, "life", fill(page, {"life.children_under_18": ["to"]}))
    links = Page(r).all("#error-summary li a")
    texts = [" ".join("".join(a.itertext()).split()) for a in links]
    label = Q.by_id["life.children_under_18"].label["nb"]
    assert any(t.startswith(f"{label}: ") for t in texts), texts


def test_numbers_typed_in_groups_are_stored_as_their_digits(caseworker, logged_in, make_case, stored):
    # "2025 0471 8263" is a valid DUF number as typed; stored (and so printed on the plan) as 202504718263.
    c = logged_in(caseworker)
    case = make_case(caseworker)
    page = open_section(c, case, "participant")
    r = post(c, case, "participant", fill(page, {"participant.duf_number": ["2025 0471 8263"],
                                                 "participant.national_id": ["148392 12365"]}), htmx=True)
    assert r.status_code == 200
    answers = stored(case.id).answers
    assert answers["participant.duf_number"] == "202504718263"
    assert answers["participant.national_id"] == "14839212365"


def test_a_section_page_has_no_javascript_dependency(caseworker, logged_in, make_case):
    c = logged_in(caseworker)
    case = make_case(caseworker)
    page = open_section(c, case, "participant")
    form = page.one("form#section-form")
    assert form.get("method") == "post" and form.get("action") == url(case, "participant")
    assert ("Lagre og fortsett", "_action", "continue") in page.buttons()
    assert page.value("_csrf") == c.csrf


def test_two_tabs_do_not_silently_overwrite_each_other(caseworker, logged_in, make_case, stored):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    tab1 = open_section(c, case, "goals")
    tab2 = open_section(c, case, "goals")
    r = post(c, case, "goals", fill(tab1, {"goals.short_term": ["Fra fane 1"]}))
    assert r.status_code == 200
    r = post(c, case, "goals", fill(tab2, {"goals.short_term": ["Fra fane 2"]}))
    assert r.status_code == 409
    page = Page(r)
    conflict = page.text("#conflict")
    assert "Fra fane 1" in conflict and "Fra fane 2" in conflict
    assert stored(case.id).answers["goals.short_term"] == "Fra fane 1"  # nothing overwritten
    assert page.value("goals.short_term") == "Fra fane 2"  # what was typed is still there
    # choosing "Lagre mine svar" saves tab 2's answers
    keep_mine = [b for b in page.buttons() if b[0] == "Lagre mine svar"]
    assert keep_mine
    _, name, value = keep_mine[0]
    r = post(c, case, "goals", {**page.form(), name: [value]})
    assert r.status_code in (200, 303)
    assert stored(case.id).answers["goals.short_term"] == "Fra fane 2"


def test_two_tabs_on_different_sections_both_save(caseworker, logged_in, make_case, stored):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    goals, life = open_section(c, case, "goals"), open_section(c, case, "life")
    assert post(c, case, "goals", fill(goals, {"goals.short_term": ["Ny"]})).status_code == 200
    assert post(c, case, "life", fill(life, {"life.network": ["strong"]})).status_code == 200
    now = stored(case.id).answers
    assert now["goals.short_term"] == "Ny" and now["life.network"] == "strong"


def test_a_conflict_over_htmx_shows_in_place_and_does_not_push_the_url(caseworker, logged_in, make_case):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    tab1, tab2 = open_section(c, case, "goals"), open_section(c, case, "goals")
    post(c, case, "goals", fill(tab1, {"goals.short_term": ["En"]}), htmx=True)
    r = post(c, case, "goals", fill(tab2, {"goals.short_term": ["To"]}), htmx=True)
    assert r.status_code == 409
    assert r.text.lstrip().startswith("<form") and "En" in Page(r).text("#conflict")


# --- task list -----------------------------------------------------------------------------------------------------


def statuses(c, case):
    page = Page(c.get(url(case)))
    return {s: page.text(f"#status-{s}") for s in SECTIONS}


def test_task_list_statuses(caseworker, logged_in, make_case):
    c = logged_in(caseworker)
    case = make_case(caseworker)
    assert set(statuses(c, case).values()) == {"Ikke påbegynt"}  # the default municipality is not a start
    post(c, case, "goals", fill(open_section(c, case, "goals"), {"goals.short_term": ["Lære norsk"]}))
    assert statuses(c, case)["goals"] == "Påbegynt"
    answer_section(c, case, "goals", AMAL)
    assert statuses(c, case)["goals"] == "Fullført"
    post(c, case, "life", fill(open_section(c, case, "life"), {"life.children_under_18": ["mange"]}))
    assert statuses(c, case)["life"] == "Har feil"
    assert statuses(c, case)["participant"] == "Ikke påbegynt"


def test_a_completed_section_gets_in_progress_when_a_new_question_appears_in_it(caseworker, logged_in, make_case):
    c = logged_in(caseworker)
    answers = copy.deepcopy(YONAS)
    case = make_case(caseworker, answers)
    answer_section(c, case, "recognition", answers)
    assert statuses(c, case)["recognition"] == "Fullført"
    # a bachelor's degree makes "wants to use education" a question in the recognition section
    values = form_values(Q, "background", {**answers, "background.education": [
        {"level": "bachelor", "field": "IT", "country": "ER", "completed": True, "end_year": 2020,
         "documentation": "copy"}]})
    page = open_section(c, case, "background")
    post(c, case, "background", fill(page, values))
    assert statuses(c, case)["recognition"] == "Påbegynt"


def test_a_completed_section_that_loses_a_required_answer_is_in_progress(caseworker, logged_in, make_case,
                                                                          api_client):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    answer_section(c, case, "goals", AMAL)
    answer_section(c, case, "background", AMAL)
    assert statuses(c, case)["goals"] == statuses(c, case)["background"] == "Fullført"
    api_client(caseworker).patch(f"/api/v1/cases/{case.id}/answers", json={"answers": {"goals.long_term": None}})
    assert statuses(c, case)["goals"] == "Påbegynt"
    # a row saved without its required fields leaves the section unfinished too
    page = open_section(c, case, "background")
    page = Page(post(c, case, "background", fill(page, {}, "add:background.work")))
    post(c, case, "background", fill(page, {"background.work.1.occupation": ["Tolk"]}))
    assert statuses(c, case)["background"] == "Påbegynt"


def test_the_autosave_says_what_it_did_not_store_and_long_text_has_a_character_count(caseworker, logged_in,
                                                                                       make_case, stored):
    # #16 item 5: "Lagret" was said beside an answer the save could not accept.
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    page = open_section(c, case, "goals")
    assert page.text("#f-goals-long_term-count") == f"Du har {4000 - len(AMAL['goals.long_term'])} tegn igjen"
    r = post(c, case, "goals", fill(page, {"goals.long_term": ["x" * 4500]}), htmx=True)
    status = Page(r).text("#save-status")
    assert "unntatt: Mål på lang sikt" in status and "ikke lagret" in status
    assert Page(r).text("#f-goals-long_term-count") == "Du har 500 tegn for mye"
    assert stored(case.id).answers["goals.long_term"] == AMAL["goals.long_term"]
    r = post(c, case, "goals", fill(page, {"goals.long_term": ["Lang\r\nsikt"]}), htmx=True)
    assert Page(r).text("#save-status").startswith("Lagret kl.") and "unntatt" not in Page(r).text("#save-status")
    assert stored(case.id).answers["goals.long_term"] == "Lang\nsikt"  # a line break is one character, as counted
    assert Page(c.get(url(case, "goals"))).text("#f-goals-long_term-count") == "Du har 3991 tegn igjen"


def test_the_municipality_is_chosen_and_shown_by_its_name(caseworker, logged_in, make_case, stored):
    # #16 item 7: the check page said "3301 (Buskerud)"; the field took any four digits with a known county.
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    page = open_section(c, case, "participant")
    options = dict((o.get("value"), "".join(o.itertext())) for o in page.all("#f-participant-municipality option"))
    assert options["3301"] == "Drammen" and options["4601"] == "Bergen" and len(options) == 358  # "Velg …" too
    check = Page(c.get(url(case, None, "/check")))
    row = next(r for r in check.all(".summary-row") if "Bosettingskommune" in "".join(r.itertext()))
    assert "Drammen" in "".join(row.itertext()) and "3301" not in "".join(row.itertext())
    r = post(c, case, "participant", fill(page, {"participant.municipality": ["3399"]}), htmx=True)
    assert Page(r).field_errors("f-participant-municipality") == [
        "Velg en kommune fra listen (kommunenummer med fire sifre, for eksempel 3301)."]
    assert stored(case.id).answers["participant.municipality"] == "3301"


def test_small_things_of_the_walk(caseworker, logged_in, make_case, client):
    # #16 item 16: years of work read "Sykepleier, Syria, 8," without "år"; /favicon.ico was a 404; nynorsk said
    # "Send" for "Sendt".
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    check = Page(c.get(url(case, None, "/check")))
    assert "Sykepleier, Syria, 8 år" in check.text("main")
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"] == "image/x-icon" and r.content[:4] == b"\0\0\1\0"
    nynorsk = logged_in(caseworker)
    nynorsk.cookies.set("lang", "nn")
    c.post(f"/cases/{case.id}/consent", data={"_csrf": c.csrf})  # whether or not it is accepted, the case page shows
    from intake.i18n import gettext
    assert gettext("Sendt", "nn") == "Sendt"


def test_an_autosave_that_renames_the_participant_renames_the_breadcrumb(caseworker, logged_in, make_case):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    page = open_section(c, case, "participant")
    r = post(c, case, "participant", fill(page, {"participant.name": ["Amal Hassan Ali"]}), htmx=True)
    crumb = Page(r).one("#breadcrumbs")
    assert crumb.get("hx-swap-oob") == "true" and "Amal Hassan Ali" in "".join(crumb.itertext())


def test_the_languages_common_among_new_participants_come_first_and_a_stored_code_stays_readable(
        caseworker, logged_in, make_case, db):
    # #16 item 6: about 600 languages in one list (Klingon, Sumerian, Toki Pona) before the one the caseworker needs.
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    page = open_section(c, case, "participant")
    groups = page.all("#f-participant-languages-0-language optgroup")
    assert [g.get("label") for g in groups] == ["Vanlige språk blant nye deltakere", "Alle språk"]
    common = [o.get("value") for o in groups[0]]
    assert common[:3] == ["uk", "ar", "ti"] and {"prs", "so", "ps"} <= set(common) and len(common) < 20
    assert len(list(groups[1])) > 500  # every language is still there
    assert page.value("participant.languages.0.language") == "ar"  # the stored answer, chosen
    # a code no list holds any more is shown as stored, not lost
    case.answers = {**case.answers, "participant.interpreter_language": "xx"}
    db.add(case)
    db.commit()
    html = open_section(c, case, "participant").html
    assert '<option value="xx" selected>xx</option>' in html


def test_a_section_put_right_after_an_error_is_completed_again_as_the_case_says(caseworker, logged_in, make_case):
    # #16 item 3: 4,500 characters in "Mål på lang sikt" (an error, kept as a draft), the text put back, "Lagre og gå
    # til oversikten": the section stayed "Påbegynt" while the case said "Kartlegging fullført".
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    for section in SECTIONS:
        answer_section(c, case, section, AMAL)
    assert c.post(url(case, None, "/complete"), data={"_csrf": c.csrf}).status_code == 303
    assert set(statuses(c, case).values()) == {"Fullført"}
    page = open_section(c, case, "goals")
    post(c, case, "goals", fill(page, {"goals.long_term": ["x" * 4500]}), htmx=True)
    assert statuses(c, case)["goals"] == "Har feil"
    assert "må rettes" in Page(c.get(url(case))).text("main") and Page(c.get(url(case, None, "/check"))).has(
        "#still-needed")
    page = open_section(c, case, "goals")
    post(c, case, "goals", fill(page, {"goals.long_term": [AMAL["goals.long_term"]]}), htmx=True)
    r = post(c, case, "goals", fill(open_section(c, case, "goals"), {}, "later"))
    assert r.status_code == 303
    assert statuses(c, case)["goals"] == "Fullført"
    tasks = Page(c.get(url(case)))
    assert "Kartlegging fullført" in tasks.text("main") and "må rettes" not in tasks.text("main")
    assert not Page(c.get(url(case, None, "/check"))).has("#still-needed")


def test_a_change_in_one_section_drops_answers_it_hides_in_another(caseworker, logged_in, make_case, stored):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    page = open_section(c, case, "background")
    post(c, case, "background", fill(page, {"background.education.0.level": ["lower_secondary"]}))
    now = stored(case.id).answers
    for gone in ("recognition.wants_to_use_education", "recognition.status", "recognition.documents"):
        assert gone not in now
    assert now["recognition.regulated_profession"] == "nurse"  # still asked: she has work experience
    assert "Ønsker å bruke utdanningen" not in Page(c.get(url(case, None, "/check"))).text("main")


def test_a_section_shows_errors_caused_by_another(caseworker, logged_in, make_case):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**YONAS})
    answer_section(c, case, "assessment", YONAS)
    assert statuses(c, case)["assessment"] == "Fullført"
    # with a completed bachelor, Yonas' proposed 36 months is too long
    page = open_section(c, case, "background")
    post(c, case, "background", fill(page, {"background.education.1.level": ["bachelor"],
                                            "background.education.1.completed": ["true"]}))
    assert statuses(c, case)["assessment"] == "Har feil"


def test_task_list_shows_derived_values(caseworker, logged_in, make_case):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    page = Page(c.get(url(case)))
    assert "15. desember 2026" in page.text("main")
    page = open_section(c, case, "assessment")
    aside = page.text("aside.derived")
    assert "3–6 måneder" in aside and "høyst 12 måneder" in aside
    assert "muntlig B2" in aside
    page = open_section(c, case, "participant")
    assert "34 år" in page.text("aside.derived")


# --- check answers and completion ---------------------------------------------------------------------------------


def test_check_page_lists_answers_with_change_links_that_come_back(caseworker, logged_in, make_case, stored):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    page = Page(c.get(url(case, None, "/check")))
    assert "Amal Hassan" in page.text("main")
    assert "14.03.1992" in page.text("main")
    change = [h for h in page.links() if h.startswith(url(case, "goals") + "?return=check")]
    assert change
    target = change[0].split("#")[0]
    page = Page(c.get(target))
    assert page.value("_return") == "check"
    assert any(b[0] == "Lagre og gå til oppsummeringen" for b in page.buttons())
    r = post(c, case, "goals", fill(page, {"goals.short_term": ["Endret"]}, "continue"))
    assert r.status_code == 303 and r.headers["location"] == url(case, None, "/check")
    assert "Endret" in Page(c.get(r.headers["location"])).text("main")


def test_completion_is_refused_until_every_required_question_is_answered(
        caseworker, logged_in, make_case, stored):
    c = logged_in(caseworker)
    answers = {k: v for k, v in AMAL.items() if k != "goals.long_term"}
    case = make_case(caseworker, {"participant.name": "Amal Hassan"})
    r = c.post(url(case, None, "/complete"), data={"_csrf": c.csrf})
    assert r.status_code == 422
    page = Page(r)
    messages = [m for m, _ in page.summary()]
    assert "Fyll ut «Mål på lang sikt»." in messages
    assert any(h.startswith(url(case, "goals") + "?return=check") for _, h in page.summary())
    assert stored(case.id).status != "completed"
    # all but one
    case = make_case(caseworker, answers)
    r = c.post(url(case, None, "/complete"), data={"_csrf": c.csrf})
    assert r.status_code == 422
    assert [m for m, _ in Page(r).summary()] == ["Fyll ut «Mål på lang sikt»."]


def test_completion_refused_while_a_draft_has_errors(caseworker, logged_in, make_case, stored):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    post(c, case, "life", fill(open_section(c, case, "life"), {"life.children_under_18": ["to"]}))
    r = c.post(url(case, None, "/complete"), data={"_csrf": c.csrf})
    assert r.status_code == 422
    assert Page(r).summary()
    assert stored(case.id).status != "completed"


def test_completion_records_date_and_caseworker(caseworker, drammen, make_user, logged_in, make_case, stored):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AHMAD})
    r = c.post(url(case, None, "/complete"), data={"_csrf": c.csrf})
    assert r.status_code == 303
    now = stored(case.id)
    assert now.status == "completed"
    assert now.completed_by_id == caseworker.id
    completed = now.completed_at if now.completed_at.tzinfo else now.completed_at.replace(tzinfo=dt.timezone.utc)
    assert abs(completed - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=5)
    page = Page(c.get(r.headers["location"]))
    text = page.text("main")
    assert "Kartlegging fullført" in text
    # completing again (another tab, another caseworker) keeps the first record
    other = logged_in(make_user("caseworker", drammen))
    assert other.post(url(case, None, "/complete"), data={"_csrf": other.csrf}).status_code == 303
    assert stored(case.id).completed_by_id == caseworker.id
    assert not Page(c.get(url(case, None, "/check"))).has("form[action$='/complete']")
    assert caseworker.full_name in text
    assert f"{completed.astimezone(dt.timezone(dt.timedelta(hours=1))).day}." in text


# --- the case list -------------------------------------------------------------------------------------------------


def test_case_list_shows_the_organisations_cases_and_overdue_deadlines(caseworker, make_user, make_org, logged_in,
                                                                        make_case):
    today = dt.date.today()
    late = make_case(caseworker, {**AMAL, "participant.name": "Sen Saksen",
                                  "participant.settlement_date": (today - dt.timedelta(days=120)).isoformat(),
                                  "participant.permit_date": (today - dt.timedelta(days=150)).isoformat()})
    early = make_case(caseworker, {**AMAL, "participant.name": "Tidlig Tidligsen",
                                   "participant.duf_number": "202400000017",
                                   "participant.settlement_date": (today - dt.timedelta(days=10)).isoformat(),
                                   "participant.permit_date": (today - dt.timedelta(days=40)).isoformat()})
    other_org = make_user("caseworker", make_org(municipality_number="4601", county_code="46"))
    make_case(other_org, {**YONAS, "participant.name": "Annen Kommune"})
    c = logged_in(caseworker)
    page = Page(c.get("/cases"))
    rows = page.all("table.cases tbody tr")
    assert len(rows) == 2
    text = page.text("table.cases")
    assert "Sen Saksen" in text and "Tidlig Tidligsen" in text and "Annen Kommune" not in text
    assert "passert" in page.text("table.cases .tag-overdue")
    assert len(page.all("table.cases .tag-overdue")) == 1
    assert text.index("Sen Saksen") < text.index("Tidlig Tidligsen")  # earliest deadline first
    assert f"/cases/{late.id}" in page.links() and f"/cases/{early.id}" in page.links()
    assert "Kartlegging pågår" in text
    search = Page(search_cases(c, "tidlig"))
    assert search.text("table.cases").count("Tidlig Tidligsen") == 1 and "Sen Saksen" not in search.text("table")
    search = Page(search_cases(c, "2024 0000 0017"))
    assert "Tidlig Tidligsen" in search.text("table.cases") and "Sen Saksen" not in search.text("table.cases")
    search = Page(search_cases(c, "Annen"))
    assert not search.has("table.cases tbody tr")


def test_the_pages_of_a_search_are_posted_with_the_term(caseworker, logged_in, make_case):
    from intake.web.wizard import PAGE_SIZE

    for n in range(PAGE_SIZE + 1):
        make_case(caseworker, {**AMAL, "participant.name": f"Søkbar Person {n}"})
    c = logged_in(caseworker)
    first = Page(search_cases(c, "søkbar"))
    assert len(first.all("table.cases tbody tr")) == PAGE_SIZE
    assert not first.all("nav.pagination a")  # no link: it would carry the term in its address
    following = first.form("nav.pagination form")
    assert following["q"] == ["søkbar"] and following["page"] == ["2"]
    second = Page(c.post("/cases", data={k: v[0] for k, v in following.items()}))
    assert len(second.all("table.cases tbody tr")) == 1 and "Side 2 av 2" in second.text("nav.pagination")


def test_search_takes_wildcards_literally(caseworker, logged_in, make_case):
    make_case(caseworker, {**AMAL})
    page = Page(search_cases(logged_in(caseworker), "%"))
    assert not page.has("table.cases tbody tr")


def test_search_ignores_case_in_norwegian_letters(caseworker, logged_in, make_case):
    make_case(caseworker, {**AMAL, "participant.name": "Åse Øyen"})
    page = Page(search_cases(logged_in(caseworker), "åse øy"))
    assert "Åse Øyen" in page.text("table.cases")


def test_a_row_fields_error_is_named_by_its_row():
    from intake.web.forms import field_label

    assert field_label("participant.languages.1.level", "nb") == "Språk 2 – Nivå"
    assert field_label("participant.name", "en") == Q.by_id["participant.name"].label["en"]
    assert field_label("no.such.field", "nb") is None


def test_a_case_started_by_mistake_and_never_saved_can_be_discarded(caseworker, logged_in, db):
    from intake.models import AuditEntry, Case

    c = logged_in(caseworker)
    r = c.post("/cases/new", data={"_csrf": c.csrf})
    case_id = int(r.headers["location"].split("/")[2])
    page = Page(c.get(f"/cases/{case_id}"))
    assert page.has(f"form[action='/cases/{case_id}/discard']")
    r = c.post(f"/cases/{case_id}/discard", data={"_csrf": c.csrf})
    assert r.status_code == 303 and r.headers["location"] == "/cases?discarded=1"
    assert "Den tomme saken er forkastet." in Page(c.get(r.headers["location"])).text()
    db.expire_all()
    assert db.get(Case, case_id) is None
    entry = db.exec(select(AuditEntry).where(AuditEntry.object_type == "case", AuditEntry.object_id == str(case_id),
                                             AuditEntry.action == "delete")).one()
    assert entry.username == caseworker.username


def test_a_case_with_anything_saved_is_never_discarded(caseworker, logged_in, make_case, stored):
    c = logged_in(caseworker)
    r = c.post("/cases/new", data={"_csrf": c.csrf})
    case_id = int(r.headers["location"].split("/")[2])
    case = stored(case_id)
    page = open_section(c, case, "goals")
    post(c, case, "goals", fill(page, {"goals.short_term": ["Lære norsk"]}), htmx=True)
    assert not Page(c.get(f"/cases/{case_id}")).has(f"form[action='/cases/{case_id}/discard']")
    r = c.post(f"/cases/{case_id}/discard", data={"_csrf": c.csrf})
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case_id}"
    assert stored(case_id).answers["goals.short_term"] == "Lære norsk"
    # nor one created with answers in one go (the API's way: never saved since, but not empty)
    given = make_case(caseworker, {**AMAL})
    assert c.post(f"/cases/{given.id}/discard", data={"_csrf": c.csrf}).headers["location"] == f"/cases/{given.id}"
    assert stored(given.id).answers["participant.name"] == "Amal Hassan"
