"""The referral's status machine: the table itself, what each transition requires, and the service that applies it
(history with who and when, 'not from this status', two people at once)."""

from __future__ import annotations

import datetime as dt

import pytest

from intake import access, referrals
from intake.domain.guidance import (STATUSES, TRANSITIONS, NotAllowed, check_requirements, shared_answers,
                                    shared_question_ids)
from intake.domain.questionnaire import default_questionnaire, parse_questionnaire
from tests.days import TODAY
from tests.personas import AMAL

CONSENT = {"sections": ["participant", "goals", "background", "norwegian"], "given_how": "in_writing",
           "given_on": (TODAY - dt.timedelta(days=21)).isoformat()}


# --- the table ------------------------------------------------------------------------------------------------------


def test_the_table_is_the_documented_lifecycle():
    path = {name: (t.from_statuses, t.to, t.role, t.side) for name, t in TRANSITIONS.items()}
    assert path == {
        "send": (("draft",), "sent", "caseworker", "municipality"),
        "receive": (("sent",), "received", "counsellor", "centre"),
        "accept": (("received",), "accepted", "counsellor", "centre"),
        "decline": (("received",), "declined", "counsellor", "centre"),
        "start": (("accepted",), "in_progress", "counsellor", "centre"),
        "complete": (("in_progress",), "completed", "counsellor", "centre"),
        "withdraw": (("sent", "received"), "withdrawn", "caseworker", "municipality"),
    }
    for t in TRANSITIONS.values():
        assert set(t.from_statuses) | {t.to} <= set(STATUSES)


def test_every_status_but_draft_is_reachable_and_the_ends_are_final():
    reachable = {t.to for t in TRANSITIONS.values()}
    assert reachable == set(STATUSES) - {"draft"}
    leaving = {s for t in TRANSITIONS.values() for s in t.from_statuses}
    assert {"declined", "completed", "withdrawn"}.isdisjoint(leaving)


def test_access_takes_its_referral_permissions_from_the_table():
    for t in TRANSITIONS.values():
        assert access.PERMISSIONS[f"referral.{t.name}"] == frozenset({t.role})
        assert access.REFERRAL_PERMISSION_SIDE[f"referral.{t.name}"] == t.side


def test_accept_needs_a_planned_first_session_not_before_the_referral_was_sent():
    _, errors = check_requirements(TRANSITIONS["accept"], {}, today=TODAY)
    assert [e.field for e in errors] == ["planned_first_session"]
    _, errors = check_requirements(TRANSITIONS["accept"], {"planned_first_session": "2026-11-01"}, today=TODAY,
                                   sent_on=dt.date(2026, 11, 10))
    assert "før 10.11.2026" in errors[0].message
    values, errors = check_requirements(TRANSITIONS["accept"], {"planned_first_session": "01.12.2026"}, today=TODAY)
    assert not errors and values["planned_first_session"] == dt.date(2026, 12, 1)


def test_decline_needs_a_known_reason_and_a_text_when_the_reason_is_other():
    _, errors = check_requirements(TRANSITIONS["decline"], {"decline_reason": "bored"}, today=TODAY)
    assert [e.field for e in errors] == ["decline_reason"]
    _, errors = check_requirements(TRANSITIONS["decline"], {"decline_reason": "other"}, today=TODAY)
    assert [e.field for e in errors] == ["decline_text"]
    _, errors = check_requirements(TRANSITIONS["decline"], {"decline_reason": "wrong_county"}, today=TODAY)
    assert errors == []


def test_complete_needs_a_summary_and_a_recommendation_the_areas_are_optional():
    _, errors = check_requirements(TRANSITIONS["complete"], {}, today=TODAY)
    assert {e.field for e in errors} == {"summary", "recommendation", "recommendation_text"}
    values, errors = check_requirements(TRANSITIONS["complete"], {
        "summary": "Oppsummert.", "recommendation": "education", "recommendation_text": "Godkjenning.",
        "areas": {"me_in_context": "Trygg i egen rolle.", "choices_chance": ""}}, today=TODAY)
    assert errors == [] and values["areas"] == {"me_in_context": "Trygg i egen rolle."}
    _, errors = check_requirements(TRANSITIONS["complete"], {
        "summary": "x", "recommendation": "work", "recommendation_text": "y", "areas": {"luck": "z"}}, today=TODAY)
    assert [e.field for e in errors] == ["areas"]


# --- what a consent covers ------------------------------------------------------------------------------------------


def test_the_life_section_is_shared_only_when_named():
    q = default_questionnaire()
    without = shared_answers(q, AMAL, ["participant", "goals"])
    assert "goals.long_term" in without and not any(k.startswith("life.") for k in without)
    with_life = shared_answers(q, AMAL, ["participant", "goals", "life"])
    assert with_life["life.children_under_18"] == AMAL["life.children_under_18"]


def test_a_sensitive_question_in_an_ordinary_section_leaves_only_when_named():
    q = parse_questionnaire("""
version: 1
source: test
sections:
  - id: participant
    title: {nb: "Deltaker", nn: "Deltakar", en: "Participant"}
    questions:
      - id: participant.name
        type: text
        label: {nb: "Navn", nn: "Namn", en: "Name"}
      - id: participant.faith
        type: text
        sensitive: true
        label: {nb: "Tro", nn: "Tru", en: "Faith"}
""")
    assert shared_question_ids(q, ["participant"], []) == {"participant.name"}
    assert shared_question_ids(q, ["participant"], ["participant.faith"]) == {"participant.name", "participant.faith"}


# --- the service ----------------------------------------------------------------------------------------------------


@pytest.fixture
def drafted(db, world, make_case):
    case = make_case(world.caseworker)
    referral, errors = referrals.create_referral(db, world.caseworker, case, {
        "purpose": "Avklare utdanning.", "contact_user_id": world.caseworker.id})
    assert not errors
    return case, referral


def test_sending_needs_a_consent_and_then_freezes_the_consented_answers(db, world, drafted):
    case, referral = drafted
    errors = referrals.apply(db, world.caseworker, referral, "send")
    assert [e.field for e in errors] == ["consent"] and referral.status == "draft"
    consent, errors = referrals.record_consent(db, world.caseworker, case, CONSENT, today=TODAY)
    assert not errors and consent.recipient_organisation_id == world.centre.id
    assert referrals.apply(db, world.caseworker, referral, "send") == []
    assert referral.status == "sent" and referral.consent_id == consent.id
    assert referral.snapshot["answers"]["participant.name"] == AMAL["participant.name"]
    assert not any(k.startswith(("life.", "digital.")) for k in referral.snapshot["answers"])


def test_a_transition_not_allowed_from_the_status_says_what_and_from_where(db, world, drafted):
    _, referral = drafted
    with pytest.raises(NotAllowed) as raised:
        referrals.apply(db, world.counsellor, referral, "accept", {"planned_first_session": (TODAY + dt.timedelta(days=8)).isoformat()})
    assert "«Godta henvisningen» er ikke mulig" in str(raised.value) and "«Utkast»" in str(raised.value)
    assert "Mottatt" in str(raised.value)


def test_each_change_is_recorded_with_who_and_when(db, world, drafted):
    case, referral = drafted
    referrals.record_consent(db, world.caseworker, case, CONSENT, today=TODAY)
    steps = [(world.caseworker, "send", {}), (world.counsellor, "receive", {}),
             (world.counsellor, "accept", {"planned_first_session": (TODAY + dt.timedelta(days=8)).isoformat()}),
             (world.counsellor, "start", {"goal": "Finne vei til godkjenning.", "frame": "Tre samtaler med tolk."}),
             (world.counsellor, "complete", {"summary": "Oppsummert.", "recommendation": "education",
                                              "recommendation_text": "Godkjenning og norsk B2."})]
    for user, name, data in steps:
        assert referrals.apply(db, user, referral, name, data, today=TODAY) == []
    assert referral.status == "completed"
    d = referrals.detail(db, world.caseworker, referral)
    assert [(e.action, e.from_status, e.to_status, e.user_id) for e in d.events] == [
        ("create", None, "draft", world.caseworker.id), ("send", "draft", "sent", world.caseworker.id),
        ("receive", "sent", "received", world.counsellor.id), ("accept", "received", "accepted", world.counsellor.id),
        ("start", "accepted", "in_progress", world.counsellor.id),
        ("complete", "in_progress", "completed", world.counsellor.id)]
    assert all(e.at is not None for e in d.events)
    # The leaders' figures read each step's first time from the referral itself
    at = {e.action: e.at for e in d.events}
    assert (referral.accepted_at, referral.started_at, referral.summary_at, referral.declined_at) == (
        at["accept"], at["start"], at["complete"], None)
    summary = referrals.latest_guidance(db, case.id)
    assert summary.recommendation == "education" and summary.recommendation_text == "Godkjenning og norsk B2."
    # The contract is the centre's record: its counsellor reads it, the municipality does not.
    assert referrals.detail(db, world.counsellor, referral).contract.goal == "Finne vei til godkjenning."
    assert d.contract is None and d.sessions == []


def test_two_people_changing_the_same_referral_at_once_one_is_told(db, world, drafted, app):
    from intake.db import new_session
    from intake.models_referrals import Referral

    case, referral = drafted
    referrals.record_consent(db, world.caseworker, case, CONSENT, today=TODAY)
    referrals.apply(db, world.caseworker, referral, "send")
    other = new_session(app.state.engine)
    try:
        stale = other.get(Referral, referral.id)  # read while still 'sent'
        assert referrals.apply(db, world.caseworker, referral, "withdraw") == []
        with pytest.raises(NotAllowed):
            referrals.apply(other, world.counsellor, stale, "receive")
    finally:
        other.close()
    assert referrals.detail(db, world.caseworker, referral).status.code == "withdrawn"


def test_only_one_draft_at_a_time_and_versions_count_up(db, world, drafted):
    case, referral = drafted
    with pytest.raises(NotAllowed):
        referrals.create_referral(db, world.caseworker, case, {"contact_user_id": world.caseworker.id})
    referrals.record_consent(db, world.caseworker, case, CONSENT, today=TODAY)
    referrals.apply(db, world.caseworker, referral, "send")
    second, errors = referrals.create_referral(db, world.caseworker, case, {"contact_user_id": world.caseworker.id})
    assert not errors and (referral.version, second.version) == (1, 2)


def test_the_contact_person_must_be_a_caseworker_of_the_municipality(db, world, make_case):
    case = make_case(world.caseworker)
    _, errors = referrals.create_referral(db, world.caseworker, case, {"contact_user_id": world.other_caseworker.id})
    assert [e.field for e in errors] == ["contact_user_id"]
