"""The plan service: made from the mapping's proposals, shaped within the law's limits, fixed as unchanging versions."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from intake import plans
from intake.cases import save_answers
from intake.models_plans import PlanVersion
from tests.personas import AMAL, YONAS
from tests.plans.helpers import fix

AMAL_CODES = ["NOR-TRAINING", "NOR-TEST", "SOCIAL-STUDIES", "LIFE-SKILLS", "PARENTING", "CAREER-GUIDANCE",
              "HE-RECOGNITION", "AUTHORISATION", "NOR-B2", "ELECTRONIC-ID", "CHILDCARE"]


def fields(errors):
    return {e.field: e.message for e in errors}


@pytest.fixture
def amal_plan(db, caseworker, completed_case):
    case = completed_case(caseworker)
    plan, errors = plans.create_plan(db, caseworker, case)
    assert errors == []
    return case, plan


def test_plan_is_made_from_the_proposals_each_with_why(db, amal_plan):
    case, plan = amal_plan
    elements = plans.elements_of(db, plan)
    codes = [e.code for e in elements]
    assert set(AMAL_CODES) <= set(codes)
    assert not {"UPPER-SECONDARY", "PRIMARY-ADULTS", "LITERACY", "DIGITAL-SKILLS", "PRIOR-LEARNING"} & set(codes)
    assert all(e.status == plans.PROPOSED and e.because and e.source and e.ruleset_version for e in elements)
    authorisation = next(e for e in elements if e.code == "AUTHORISATION")
    assert authorisation.responsible == "Helsedirektoratet"
    assert {"question": "recognition.regulated_profession", "value": "nurse"}.items() <= authorisation.because[0].items()
    # Settings start from the mapping and the programme parameters.
    assert (plan.end_goal, plan.duration_months, plan.social_studies_hours) == ("work", 12, 75)
    assert plan.long_term_goal == AMAL["goals.long_term"]
    assert plan.language == "ar"  # Amal's native language
    assert plans.create_plan(db, case_user(db, case), case)[0].id == plan.id  # one plan per case


def case_user(db, case):
    from intake.models import User

    return db.get(User, case.created_by_id)


def test_default_language_falls_back_to_the_interpreter_and_then_to_norwegian_only():
    yonas = copy.deepcopy(YONAS)
    assert plans.default_language(yonas) == "ti"
    yonas["participant.languages"] = [{"language": "am", "level": "native"}]
    assert plans.default_language(yonas) == "ti"  # the interpreter's language
    yonas.pop("participant.interpreter_language")
    assert plans.default_language(yonas) == "nb"


def test_no_plan_before_the_mapping_is_completed(db, caseworker, make_case):
    case = make_case(caseworker, AMAL)
    plan, errors = plans.create_plan(db, caseworker, case)
    assert plan is None and "fullført" in fields(errors)["case"]


def test_a_rejection_needs_a_reason(db, caseworker, amal_plan):
    _case, plan = amal_plan
    element = plans.elements_of(db, plan)[0]
    errors = plans.decide(db, caseworker, plan, element.id, plans.REJECTED, "  ")
    assert "hvorfor" in fields(errors)[f"element-{element.id}.reason"]
    db.refresh(element)
    assert element.status == plans.PROPOSED
    assert plans.decide(db, caseworker, plan, element.id, plans.REJECTED, "Har allerede plass på kurs.") == []
    db.refresh(element)
    assert (element.status, element.rejection_reason) == (plans.REJECTED, "Har allerede plass på kurs.")
    assert plans.decide(db, caseworker, plan, element.id, plans.ACCEPTED) == []
    db.refresh(element)
    assert (element.status, element.rejection_reason) == (plans.ACCEPTED, "")


def test_duration_beyond_the_maximum_is_refused_naming_the_limit(db, caseworker, amal_plan):
    case, plan = amal_plan
    saved = plans.save_settings(db, caseworker, case, plan, {"duration_months": "18"}, plan.version)
    assert "12 måneder" in fields(saved.errors)["duration_months"]


def test_the_programme_cannot_start_before_the_participant_settled(db, caseworker, amal_plan):
    case, plan = amal_plan  # Amal settled in Drammen on 15.09.2026
    saved = plans.save_settings(db, caseworker, case, plan, {"start_date": "01.01.2020"}, plan.version)
    assert fields(saved.errors)["start_date"] == ("Programmet kan ikke starte før deltakeren ble bosatt i kommunen "
                                                  "(15.09.2026).")
    saved = plans.save_settings(db, caseworker, case, saved.plan, {"start_date": "15.09.2026"}, saved.plan.version)
    assert "start_date" not in fields(saved.errors)


def test_an_end_goal_the_law_does_not_allow_is_refused(db, caseworker, amal_plan):
    case, plan = amal_plan
    saved = plans.save_settings(db, caseworker, case, plan, {"end_goal": "upper_secondary"}, plan.version)
    assert "ikke et tillatt sluttmål" in fields(saved.errors)["end_goal"]


def test_an_extension_needs_a_written_justification(db, caseworker, amal_plan):
    case, plan = amal_plan
    saved = plans.save_settings(db, caseworker, case, plan, {"duration_months": "9"}, plan.version)
    assert "forlengelse" in fields(saved.errors)["extension_justification"]
    saved = plans.save_settings(db, caseworker, case, plan, {
        "duration_months": "9", "extension_justification": "Trenger tid til B2 før autorisasjon."}, plan.version)
    assert saved.errors == []
    assert saved.plan.duration_months == 9


def test_settings_that_cannot_be_read_are_not_saved_and_the_rest_is(db, caseworker, amal_plan):
    case, plan = amal_plan
    saved = plans.save_settings(db, caseworker, case, plan, {
        "hours_per_week": "40", "norwegian_hours": "mange", "long_term_goal": "Bli sykepleier i Drammen."}, plan.version)
    assert {"hours_per_week", "norwegian_hours"} <= set(fields(saved.errors))
    assert "37,5 eller 30" in fields(saved.errors)["hours_per_week"]
    assert (saved.plan.hours_per_week, saved.plan.norwegian_hours) == (37.5, None)
    assert saved.plan.long_term_goal == "Bli sykepleier i Drammen."


def test_settings_from_a_stale_page_are_refused(db, caseworker, amal_plan):
    case, plan = amal_plan
    old = plan.version
    plans.save_settings(db, caseworker, case, plan, {"norwegian_hours": "500"}, old)
    saved = plans.save_settings(db, caseworker, case, plan, {"norwegian_hours": "600"}, old)
    assert saved.conflict and "plan" in fields(saved.errors)
    assert saved.plan.norwegian_hours == 500


def test_every_proposal_must_be_decided_and_the_settings_complete_before_fixing(db, caseworker, amal_plan):
    case, plan = amal_plan
    errors = fields(fix(db, caseworker, case, plan))
    undecided = [k for k in errors if k.endswith(".decision")]
    assert len(undecided) == len(plans.elements_of(db, plan))
    assert {"start_date", "norwegian_hours"} <= set(errors)
    assert plans.versions_of(db, plan) == []


def test_own_elements_need_a_title_and_someone_responsible(db, caseworker, amal_plan):
    _case, plan = amal_plan
    errors = plans.add_element(db, caseworker, plan, {"title": "", "responsible": "", "start": "31.02.2027"})
    assert set(fields(errors)) == {"new.title", "new.responsible", "new.start"}
    assert plans.add_element(db, caseworker, plan, {"title": "Kurs i medisinhåndtering",
                                                     "responsible": "Voksenopplæringen", "start": "01.03.2027"}) == []
    own = plans.elements_of(db, plan)[-1]
    assert (own.code, own.status, own.start.isoformat()) == (None, plans.ACCEPTED, "2027-03-01")


def test_fixing_freezes_a_version_and_a_later_change_makes_a_new_one(db, caseworker, completed_case, ready_plan):
    case = completed_case(caseworker)
    plan = ready_plan(caseworker, case)
    v1 = fix(db, caseworker, case, plan)
    assert isinstance(v1, PlanVersion), v1
    assert v1.number == 1 and v1.pdf.startswith(b"%PDF")
    assert "Amal Hassan" in v1.html and v1.answers == case.answers
    frozen = (copy.deepcopy(v1.answers), copy.deepcopy(v1.elements), bytes(v1.pdf), v1.html, v1.ruleset_version)

    # Fixing again with nothing changed makes no new version.
    assert "ikke endret" in fields(fix(db, caseworker, case, plan))["plan"]

    # The answers change afterwards: version 1 stays as it was.
    save_answers(db, caseworker, case.id, {"digital.electronic_id": "bankid"})
    db.refresh(case)
    first = fix(db, caseworker, case, plan)  # the proposal that no longer fires is flagged, so look again first
    assert "gjelder ikke lenger" in fields(first)["plan"]
    electronic_id = next(e for e in plans.elements_of(db, plan) if e.code == "ELECTRONIC-ID")
    assert electronic_id.no_longer_proposed and electronic_id.status == plans.ACCEPTED  # never silently deleted
    plans.decide(db, caseworker, plan, electronic_id.id, plans.REJECTED, "Har fått BankID.")
    v2 = fix(db, caseworker, case, plan)
    assert isinstance(v2, PlanVersion), v2
    assert v2.number == 2 and v2.answers["digital.electronic_id"] == "bankid"
    db.refresh(case)
    assert case.first_fixed_at == v1.fixed_at  # the leaders' figures count from the first version

    db.expire_all()
    stored = plans.get_version(db, plan, 1)
    assert (stored.answers, stored.elements, bytes(stored.pdf), stored.html, stored.ruleset_version) == frozen
    assert [v["number"] for v in plans.versions_of(db, plan)] == [2, 1]
    document = plans.document_from_json(stored.document)
    assert document.version == 1 and "ELECTRONIC-ID" in [e.code for e in document.elements]


def test_an_element_without_dates_of_its_own_is_printed_for_the_whole_programme(db, caseworker, completed_case,
                                                                                ready_plan):
    case = completed_case(caseworker)
    plan = ready_plan(caseworker, case)  # starts 2027-01-04, 12 months
    own = plans.elements_of(db, plan)[0]
    assert plans.edit_element(db, caseworker, plan, own.id, {
        "responsible": own.responsible, "start": "2027-02-01", "end": "2027-05-31"}) == []
    version = fix(db, caseworker, case, plan)
    assert isinstance(version, PlanVersion), version
    document = plans.document_from_json(version.document)
    periods = {e.code: (e.start.isoformat(), e.end.isoformat()) for e in document.elements}
    assert periods[own.code] == ("2027-02-01", "2027-05-31")
    assert periods["ELECTRONIC-ID"] == ("2027-01-04", "2028-01-03")
    assert "04.01.2027–03.01.2028" in version.html


def test_an_element_starting_after_the_programme_ends_needs_an_end_of_its_own(db, caseworker, completed_case,
                                                                             ready_plan):
    case = completed_case(caseworker)
    plan = ready_plan(caseworker, case)  # 2027-01-04 to 2028-01-03
    late = plans.elements_of(db, plan)[0]
    form = {"responsible": late.responsible, "start": "2028-03-01"}
    assert plans.edit_element(db, caseworker, plan, late.id, form) == []
    errors = fields(fix(db, caseworker, case, plan))
    assert errors[plans.element_field(late.id, "start")].startswith(f"«{late.title}» begynner etter at programmet "
                                                                     "slutter (03.01.2028).")
    assert plans.edit_element(db, caseworker, plan, late.id, form | {"end": "2028-06-30"}) == []
    assert isinstance(fix(db, caseworker, case, plan), PlanVersion)  # with an end of its own it may run on


def test_new_proposals_after_a_change_must_be_decided(db, caseworker, completed_case, ready_plan):
    case = completed_case(caseworker)
    plan = ready_plan(caseworker, case)
    save_answers(db, caseworker, case.id, {"digital.skill_level": "basic"})
    db.refresh(case)
    assert plans.proposals_stale(case, plan)
    errors = fields(fix(db, caseworker, case, plan))
    assert "nye tiltak" in errors["plan"]
    added = next(e for e in plans.elements_of(db, plan) if e.code == "DIGITAL-SKILLS")
    assert added.status == plans.PROPOSED and added.because[0]["question"] == "digital.skill_level"
    assert not plans.proposals_stale(case, plan)


def test_every_change_is_audited(db, caseworker, amal_plan):
    from sqlmodel import select

    from intake.models import AuditEntry

    case, plan = amal_plan
    element = plans.elements_of(db, plan)[0]
    plans.decide(db, caseworker, plan, element.id, plans.ACCEPTED)
    entries = db.exec(select(AuditEntry).where(AuditEntry.object_type == "plan", AuditEntry.object_id == str(plan.id))
                      .order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["create", "update"]
    assert f"element={element.id}" in entries[1].detail and entries[1].username == caseworker.username


def test_a_duf_number_saved_with_spaces_prints_as_its_digits_and_a_wrong_one_is_named(db, caseworker, completed_case,
                                                                                     ready_plan):
    # Answers saved before identifiers were stored as their digits may hold "2025 0471 8263".
    case = completed_case(caseworker)
    plan = ready_plan(caseworker, case)
    case.answers = {**case.answers, "participant.duf_number": "2025 0471 8263"}
    db.add(case)
    db.commit()
    version = fix(db, caseworker, case, plan)
    assert isinstance(version, PlanVersion), version
    assert plans.document_from_json(version.document).duf_number == "202504718263"

    case.answers = {**case.answers, "participant.duf_number": "20250471826"}
    db.add(case)
    db.commit()
    message = fields(fix(db, caseworker, case, plan))["participant.duf_number"]
    assert message.startswith("DUF-nummeret i kartleggingen er ikke gyldig")


def test_an_extension_prints_its_reasons_and_a_plan_within_the_base_period_none(db, caseworker, completed_case,
                                                                               ready_plan):
    import io

    from pypdf import PdfReader

    case = completed_case(caseworker)  # Amal: 3–6 months, extension up to 6, at most 12
    plan = ready_plan(caseworker, case)
    plan.duration_months, plan.extension_justification = 6, "Ikke brukt innenfor grunnperioden."
    db.add(plan)
    db.commit()
    within = fix(db, caseworker, case, plan)
    assert isinstance(within, PlanVersion), within
    assert plans.document_from_json(within.document).extension_justification is None
    assert "Derfor er programmet forlenget" not in within.html

    plan.duration_months, plan.extension_justification = 9, "Trenger B2 i norsk for autorisasjon som sykepleier."
    db.add(plan)
    db.commit()
    extended = fix(db, caseworker, case, plan)
    assert isinstance(extended, PlanVersion), extended
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(extended.pdf)).pages).split())
    assert "Derfor er programmet forlenget" in text
    assert "Trenger B2 i norsk for autorisasjon som sykepleier." in text


def test_accepting_all_required_content_takes_only_what_the_law_requires_and_is_audited(db, caseworker, amal_plan):
    from sqlmodel import select

    from intake.models import AuditEntry

    _case, plan = amal_plan
    elements = plans.elements_of(db, plan)
    career = next(e for e in elements if e.code == "CAREER-GUIDANCE")
    taken = plans.accept_required(db, caseworker, plan)
    assert sorted(e.code for e in taken) == ["LIFE-SKILLS", "NOR-TRAINING", "PARENTING", "SOCIAL-STUDIES"]
    db.expire_all()
    statuses = {e.code: e.status for e in plans.elements_of(db, plan)}
    assert all(statuses[code] == plans.ACCEPTED for code in ("NOR-TRAINING", "SOCIAL-STUDIES", "LIFE-SKILLS",
                                                              "PARENTING"))
    assert statuses[career.code] == plans.PROPOSED  # not required content: still the caseworker's to decide
    entry = db.exec(select(AuditEntry).where(AuditEntry.object_type == "plan", AuditEntry.object_id == str(plan.id))
                    .order_by(AuditEntry.id.desc())).first()
    assert "required-content" in entry.detail and "PARENTING" in entry.detail
    assert plans.accept_required(db, caseworker, plan) == []  # nothing left: nothing done


def test_a_required_proposal_already_rejected_is_left_as_decided(db, caseworker, amal_plan):
    _case, plan = amal_plan
    life = next(e for e in plans.elements_of(db, plan) if e.code == "LIFE-SKILLS")
    assert plans.decide(db, caseworker, plan, life.id, plans.REJECTED, "Har fullført kurset i en annen kommune.") == []
    assert "LIFE-SKILLS" not in [e.code for e in plans.accept_required(db, caseworker, plan)]
    db.refresh(life)
    assert life.status == plans.REJECTED


def test_a_version_the_same_as_the_last_is_not_fixed_even_when_unprinted_answers_changed(db, caseworker,
                                                                                         completed_case, ready_plan):
    case = completed_case(caseworker)
    plan = ready_plan(caseworker, case)
    assert fix(db, caseworker, case, plan).number == 1
    # An answer the plan neither prints nor proposes from: the plan decided is the same.
    save_answers(db, caseworker, case.id, {"local.labour_market": "Mange ledige stillinger i eldreomsorgen."})
    db.refresh(case)
    assert plans.readiness(db, caseworker, case, plan).unchanged_since == 1  # the builder says so before the click
    message = fields(fix(db, caseworker, case, plan))["plan"]
    assert message.startswith("Planen er ikke endret siden versjon 1 ble fastsatt")
    assert [v["number"] for v in plans.versions_of(db, plan)] == [1]

    # A change to what the plan decides makes a new version.
    plans.save_settings(db, caseworker, case, plan, {"norwegian_hours": "600"}, plan.version)
    assert plans.readiness(db, caseworker, case, plan).unchanged_since is None
    assert fix(db, caseworker, case, plan).number == 2


def test_the_printed_plan_gives_the_reasons_for_each_part_of_the_decision(db, caseworker, completed_case, ready_plan):
    import io

    from pypdf import PdfReader

    from intake.plan.document import Fact, Rejected

    case = completed_case(caseworker)  # Amal: a nurse with a bachelor's degree from Syria
    plan = ready_plan(caseworker, case)
    electronic_id = next(e for e in plans.elements_of(db, plan) if e.code == "ELECTRONIC-ID")
    assert plans.decide(db, caseworker, plan, electronic_id.id, plans.REJECTED, "Har BankID fra banken sin.") == []
    version = fix(db, caseworker, case, plan)
    assert isinstance(version, PlanVersion), version
    doc = plans.document_from_json(version.document)

    # The end goal: what the rules allow her, and the facts the rule turns on, with its source.
    assert doc.allowed_end_goals == ("work", "higher_education_qualification")
    assert Fact("Har fullført utdanning på videregående nivå eller høyere", "Ja") in doc.end_goal_reasons.facts
    assert Fact("Høyeste fullførte utdanning", "Bachelorgrad") in doc.end_goal_reasons.facts
    assert doc.end_goal_reasons.source == plans.programme_for(case).end_goals.source
    # The duration's limits, and the Norwegian goal's guiding levels, each with its facts and source.
    assert doc.duration_limits == (3, 6, 6, 12)
    assert Fact("Sluttmål i planen", "arbeid") in doc.duration_reasons.facts
    # (a nurse must document B2 for her authorisation: B2 in all four skills is proposed)
    assert doc.guiding_norwegian_goal.as_dict() == {"listening": "B2", "reading": "B2", "writing": "B2", "oral": "B2"}
    assert doc.norwegian_goal_reasons.source == plans.programme_for(case).norwegian_goals.source
    # Each element: the answers that made its rule propose it (its `because`) and its source; required content marked.
    by_code = {e.code: e for e in doc.elements}
    assert Fact("Lovregulert yrke", "Sykepleier") in by_code["AUTHORISATION"].reasons.facts
    assert by_code["NOR-TRAINING"].required and not by_code["AUTHORISATION"].required
    # A rejected proposal is part of the decision too, with the caseworker's reason.
    assert doc.rejected == (Rejected("ELECTRONIC-ID", "Har BankID fra banken sin.", False),)

    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(version.pdf)).pages).split())
    for said in ("Derfor er planen slik",
                 "Etter reglene kan sluttmålet ditt være arbeid eller kvalifisering til høyere utdanning.",
                 "For deg kan programmet vare fra 3 til 6 måneder. Det kan forlenges med inntil 6 måneder, til "
                 "sammen høyst 12 måneder. Planen din er på 12 måneder.",
                 "lytte B2, lese B2, skrive B2, snakke B2", "Lovregulert yrke", "Sykepleier",
                 "Forslag som ikke er tatt med", "Har BankID fra banken sin.",
                 "Dette står i integreringsloven §§ 46 og 47"):
        assert said in text, said
    assert "القاعدة" in text  # "Regel", in Arabic beside it


def test_a_version_fixed_before_the_reasons_existed_still_reads(db, caseworker, completed_case, ready_plan):
    case = completed_case(caseworker)
    version = fix(db, caseworker, case, ready_plan(caseworker, case))
    old = {k: v for k, v in version.document.items()
           if k not in {"allowed_end_goals", "end_goal_reasons", "duration_limits", "duration_reasons",
                        "guiding_norwegian_goal", "norwegian_goal_reasons", "rejected", "decision_deadline",
                        "late_reason", "before_guidance_reason"}}
    old["elements"] = [{k: v for k, v in e.items() if k not in {"reasons", "required"}} for e in old["elements"]]
    doc = plans.document_from_json(old)
    assert doc.rejected == () and doc.end_goal_reasons.facts == () and doc.elements[0].reasons.facts == ()


def test_no_warning_before_fixing_while_the_deadline_holds_and_guidance_is_not_in_the_plan(db, caseworker,
                                                                                          completed_case, ready_plan):
    case = completed_case(caseworker)
    plan = ready_plan(caseworker, case)
    assert set(plans.readiness(db, caseworker, case, plan).warnings) == {plans.BEFORE_GUIDANCE}
    career = next(e for e in plans.elements_of(db, plan) if e.code == "CAREER-GUIDANCE")
    plans.decide(db, caseworker, plan, career.id, plans.REJECTED, "Har fått karriereveiledning i mottaket.")
    assert plans.readiness(db, caseworker, case, plan).warnings == {}
    version = fix(db, caseworker, case, plan, reasons=None)  # nothing to give a reason for
    assert isinstance(version, PlanVersion), version
    assert version.document["late_reason"] is None and version.document["before_guidance_reason"] is None


@pytest.mark.today(dt.date(2027, 1, 20))
def test_fixing_after_the_deadline_and_before_guidance_is_allowed_with_reasons_that_are_recorded(
        db, caseworker, completed_case, ready_plan):
    import io

    from pypdf import PdfReader
    from sqlmodel import select

    from intake.models import AuditEntry

    case = completed_case(caseworker)  # Amal settled 15.09.2026: the decision was due 15.12.2026
    plan = ready_plan(caseworker, case)
    warnings = plans.readiness(db, caseworker, case, plan).warnings
    assert set(warnings) == {plans.LATE, plans.BEFORE_GUIDANCE}
    assert "15.12.2026" in warnings[plans.LATE]

    errors = fields(fix(db, caseworker, case, plan, reasons={plans.LATE: "  "}))
    assert errors == {plans.LATE: "Skriv hvorfor planen fastsettes etter fristen for vedtak.",
                      plans.BEFORE_GUIDANCE: "Skriv hvorfor planen fastsettes før karriereveiledningen er gjennomført."}
    assert plans.versions_of(db, plan) == []

    version = fix(db, caseworker, case, plan, reasons={plans.LATE: "Tolken var syk i tre uker.",
                                                        plans.BEFORE_GUIDANCE: "Ventetid på karrieresenteret."})
    assert isinstance(version, PlanVersion), version
    doc = plans.document_from_json(version.document)
    assert (doc.decision_deadline, doc.late_reason) == (dt.date(2026, 12, 15), "Tolken var syk i tre uker.")
    assert doc.before_guidance_reason == "Ventetid på karrieresenteret."
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(version.pdf)).pages).split())
    assert "Vedtaket er gjort etter fristen, som var 15.12.2026." in text and "Tolken var syk i tre uker." in text
    assert "Planen er fastsatt før karriereveiledningen er gjennomført." in text
    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "fix", AuditEntry.object_type == "plan",
                                             AuditEntry.object_id == str(plan.id))).one()
    assert entry.detail.endswith("after-deadline before-guidance")
