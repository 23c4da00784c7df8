"""The career-guidance JSON API: the whole way through, 409 for a change the status does not allow, strict input,
and the same access rules as the pages."""

from __future__ import annotations

import pytest

from tests.days import days_from_today
from tests.referrals.conftest import ORDINARY



def consent_body() -> dict:
    """Consent given three weeks before the test's today."""
    return {"sections": ORDINARY, "given_how": "in_writing", "given_on": days_from_today(-21)}


def referral_body() -> dict:
    """A referral whose decision deadline is three weeks after the test's today."""
    return {"purpose": "Avklare veien til godkjenning som sykepleier.", "questions": "Hvilken utdanning trengs?",
            "decision_deadline": days_from_today(22), "interpreter_language": "ar"}


COMPLETE = {"summary": "Sterk fagbakgrunn, klare mål.", "areas": {"me_in_context": "Trygg i rollen."},
            "recommendation": "education", "recommendation_text": "Godkjenning og norsk B2."}


@pytest.fixture
def sent(world, make_case, api_client):
    """A referral sent through the API; returns (case, referral JSON)."""
    case = make_case(world.caseworker)
    caseworker = api_client(world.caseworker)
    r = caseworker.post(f"/api/v1/cases/{case.id}/consents", json=consent_body())
    assert r.status_code == 201, r.text
    r = caseworker.post(f"/api/v1/cases/{case.id}/referrals", json={**referral_body(), "send": True})
    assert r.status_code == 201, r.text
    return case, r.json()


def test_the_whole_way_through(world, sent, api_client):
    case, referral = sent
    assert referral["status"] == "sent" and referral["version"] == 1
    assert referral["to_organisation"]["id"] == world.centre.id
    assert referral["shared_answers"]["participant.name"] == "Amal Hassan"
    rid = referral["id"]

    counsellor = api_client(world.counsellor)
    inbox = counsellor.get("/api/v1/referrals", params={"tab": "new"}).json()
    assert [(r["id"], r["participant_name"]) for r in inbox] == [(rid, "Amal Hassan")]
    got = counsellor.get(f"/api/v1/referrals/{rid}").json()
    assert got["status"] == "sent" and got["case_id"] is None
    assert got["allowed_transitions"] == ["receive"]
    r = counsellor.post(f"/api/v1/referrals/{rid}/receive")
    assert r.status_code == 200 and r.json()["status"] == "received"
    assert r.json()["allowed_transitions"] == ["accept", "decline"]

    for name, body, status in [("accept", {"planned_first_session": days_from_today(8)}, "accepted"),
                               ("start", {"goal": "Finne vei til arbeid.", "frame": "Tre samtaler."}, "in_progress"),
                               ("complete", COMPLETE, "completed")]:
        r = counsellor.post(f"/api/v1/referrals/{rid}/{name}", json=body)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == status
    assert counsellor.post(f"/api/v1/referrals/{rid}/sessions",
                           json={"held_on": days_from_today(0), "form": "video"}).status_code == 409

    back = api_client(world.caseworker).get(f"/api/v1/referrals/{rid}").json()
    assert back["summary"]["recommendation"] == "education"
    assert back["summary"]["areas"] == {"me_in_context": "Trygg i rollen."}
    assert back["contract"] is None and back["sessions"] is None  # the centre's working notes stay there
    assert [h["to_status"] for h in back["history"]] == ["draft", "sent", "received", "accepted", "in_progress",
                                                         "completed"]


@pytest.mark.parametrize("name,body", [
    ("accept", {"planned_first_session": days_from_today(8)}),
    ("complete", COMPLETE),
    ("start", {"goal": "g", "frame": "f"}),
])
def test_a_transition_the_status_does_not_allow_is_409_with_a_message(world, sent, api_client, name, body):
    _, referral = sent
    counsellor = api_client(world.counsellor)
    # Still 'sent' (nobody has opened it): only receive is possible.
    r = counsellor.post(f"/api/v1/referrals/{referral['id']}/{name}", json=body)
    assert r.status_code == 409
    assert "ikke mulig" in r.json()["detail"] and "«Sendt»" in r.json()["detail"]


def test_reading_a_referral_changes_nothing(world, sent, api_client, referral_of, audit_entries):
    """A GET never changes state: the centre reading a sent referral leaves it sent (the municipality can still
    withdraw it as unread) until it posts `receive`."""
    rid = sent[1]["id"]
    counsellor = api_client(world.counsellor)
    for _ in range(2):
        got = counsellor.get(f"/api/v1/referrals/{rid}")
        assert got.status_code == 200 and got.json()["status"] == "sent"
        assert [h["to_status"] for h in got.json()["history"]] == ["draft", "sent"]
    assert referral_of(rid).status == "sent"
    assert "receive" not in [e.action for e in audit_entries("referral", rid, world.counsellor)]
    assert api_client(world.caseworker).get(f"/api/v1/referrals/{rid}").json()["status_label"] == "Sendt"


def test_withdraw_after_acceptance_is_409_and_before_it_works(world, sent, api_client):
    _, referral = sent
    rid = referral["id"]
    caseworker, counsellor = api_client(world.caseworker), api_client(world.counsellor)
    counsellor.post(f"/api/v1/referrals/{rid}/receive")
    counsellor.post(f"/api/v1/referrals/{rid}/accept", json={"planned_first_session": days_from_today(8)})
    r = caseworker.post(f"/api/v1/referrals/{rid}/withdraw", json={"note": "Flyttet."})
    assert r.status_code == 409 and "Godtatt" in r.json()["detail"]


def test_withdraw_by_the_municipality(world, sent, api_client):
    _, referral = sent
    r = api_client(world.caseworker).post(f"/api/v1/referrals/{referral['id']}/withdraw", json={"note": "Flyttet."})
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert r.json()["history"][-1]["note"] == "Flyttet."
    assert api_client(world.counsellor).get("/api/v1/referrals", params={"tab": "new"}).json() == []


def test_the_side_and_role_are_checked(world, sent, api_client):
    _, referral = sent
    rid = referral["id"]
    # The municipality cannot accept its own referral; the centre cannot send or withdraw.
    assert api_client(world.caseworker).post(f"/api/v1/referrals/{rid}/receive").status_code == 403
    assert api_client(world.counsellor).post(f"/api/v1/referrals/{rid}/withdraw", json={}).status_code == 403
    assert api_client(world.leader).post(f"/api/v1/referrals/{rid}/withdraw", json={}).status_code == 403
    assert api_client(world.caseworker).get("/api/v1/referrals").status_code == 403


def test_other_organisations_get_404(world, sent, api_client):
    case, referral = sent
    rid = referral["id"]
    for user in (world.other_counsellor, world.other_caseworker):
        client = api_client(user)
        assert client.get(f"/api/v1/referrals/{rid}").status_code == 404
        assert client.post(f"/api/v1/referrals/{rid}/accept",
                           json={"planned_first_session": days_from_today(8)}).status_code == 404
    other = api_client(world.other_caseworker)
    assert other.post(f"/api/v1/cases/{case.id}/referrals", json=referral_body()).status_code == 404
    assert other.post(f"/api/v1/cases/{case.id}/consents", json=consent_body()).status_code == 404
    assert api_client(world.other_counsellor).get("/api/v1/referrals").json() == []


def test_sensitive_answers_only_with_a_consent_naming_them(world, make_case, api_client):
    caseworker = api_client(world.caseworker)
    counsellor = api_client(world.counsellor)
    shared = {}
    for sections in (ORDINARY, ORDINARY + ["life"]):
        case = make_case(world.caseworker)
        assert caseworker.post(f"/api/v1/cases/{case.id}/consents",
                               json={**consent_body(), "sections": sections}).status_code == 201
        rid = caseworker.post(f"/api/v1/cases/{case.id}/referrals", json={**referral_body(), "send": True}).json()["id"]
        shared[len(sections)] = counsellor.get(f"/api/v1/referrals/{rid}").json()["shared_answers"]
    assert not any(k.startswith("life.") for k in shared[len(ORDINARY)])
    assert shared[len(ORDINARY) + 1]["life.children_under_18"] == 2


def test_the_national_id_is_shared_only_where_the_consent_names_it(world, make_case, api_client):
    caseworker, counsellor = api_client(world.caseworker), api_client(world.counsellor)
    shared = {}
    for named in ([], ["participant.national_id"]):
        case = make_case(world.caseworker)
        assert caseworker.post(f"/api/v1/cases/{case.id}/consents",
                               json={**consent_body(), "sensitive_questions": named}).status_code == 201
        rid = caseworker.post(f"/api/v1/cases/{case.id}/referrals", json={**referral_body(), "send": True}).json()["id"]
        shared[bool(named)] = counsellor.get(f"/api/v1/referrals/{rid}").json()["shared_answers"]
    assert "participant.national_id" not in shared[False]
    assert shared[False]["participant.name"] == "Amal Hassan"
    assert shared[False]["participant.interpreter_language"] == "ar"
    assert shared[False]["participant.languages"][0]["language"] == "ar"
    assert shared[True]["participant.national_id"] == "14839212365"


def test_consent_withdrawn_through_the_api_removes_access(world, sent, api_client, db):
    from intake.referrals import active_consent
    case, referral = sent
    consent = active_consent(db, case.id)
    r = api_client(world.caseworker).post(f"/api/v1/cases/{case.id}/consents/{consent.id}/withdraw", json={})
    assert r.status_code == 200 and r.json()["withdrawn_at"]
    assert api_client(world.counsellor).get(f"/api/v1/referrals/{referral['id']}").status_code == 404
    again = api_client(world.caseworker).post(f"/api/v1/cases/{case.id}/consents/{consent.id}/withdraw", json={})
    assert again.status_code == 422


def test_sending_without_consent_is_422_naming_the_consent(world, make_case, api_client):
    case = make_case(world.caseworker)
    caseworker = api_client(world.caseworker)
    r = caseworker.post(f"/api/v1/cases/{case.id}/referrals", json={**referral_body(), "send": True})
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["consent"]
    # The draft was kept; a second draft is refused with 409.
    assert caseworker.post(f"/api/v1/cases/{case.id}/referrals", json=referral_body()).status_code == 409


@pytest.mark.parametrize("body", [
    {"planned_first_session": 20261201},  # a number is not a date
    {"planned_first_session": days_from_today(8), "extra": 1},  # unknown field
    {},  # missing
])
def test_input_is_strict(world, sent, api_client, body):
    counsellor = api_client(world.counsellor)
    rid = sent[1]["id"]
    counsellor.post(f"/api/v1/referrals/{rid}/receive")
    r = counsellor.post(f"/api/v1/referrals/{rid}/accept", json=body)
    assert r.status_code == 422 and r.json()["errors"]


def test_a_date_outside_2000_to_2100_is_a_field_error(world, sent, api_client):
    counsellor = api_client(world.counsellor)
    rid = sent[1]["id"]
    counsellor.post(f"/api/v1/referrals/{rid}/receive")
    r = counsellor.post(f"/api/v1/referrals/{rid}/accept", json={"planned_first_session": "9999-12-31"})
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "planned_first_session",
                                   "message": "Planlagt første samtale må være mellom 01.01.2000 og 31.12.2100."}]


def test_a_contact_person_id_must_be_an_integer_and_a_caseworker_here(world, make_case, api_client):
    case = make_case(world.caseworker)
    caseworker = api_client(world.caseworker)
    assert caseworker.post(f"/api/v1/cases/{case.id}/referrals",
                           json={**referral_body(), "contact_user_id": str(world.caseworker.id)}).status_code == 422
    r = caseworker.post(f"/api/v1/cases/{case.id}/referrals",
                        json={**referral_body(), "contact_user_id": world.other_caseworker.id})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "contact_user_id"


EXPECTED_BODY = {"send": None, "receive": None, "accept": "AcceptIn", "decline": "DeclineIn", "start": "StartIn",
                 "complete": "CompleteIn", "withdraw": "NoteIn"}


def test_every_status_change_has_its_documented_post(app):
    # The routes are made from the TRANSITIONS table: each keeps its own URL, body schema, answers and operation id.
    from intake.domain.guidance import TRANSITIONS

    assert set(TRANSITIONS) == set(EXPECTED_BODY)
    paths = app.openapi()["paths"]
    for name, body in EXPECTED_BODY.items():
        operation = paths[f"/api/v1/referrals/{{referral_id}}/{name}"]["post"]
        assert operation["operationId"] == f"api_{name}_api_v1_referrals__referral_id__{name}_post"
        assert {"200", "403", "404", "409", "422"} <= set(operation["responses"])
        assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/ReferralOut")
        schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        assert (schema["$ref"].rsplit("/", 1)[1] if schema else None) == body
        assert operation["description"].startswith(" or ".join(TRANSITIONS[name].from_statuses) + " → ")
