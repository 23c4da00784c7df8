"""What each side of a referral may see, on every page and API route that renders one, for every role.

A referral has two sides, each with records the other may not read:
- the municipality's: the mapping's answers outside the consent (here a local-labour-market note and a health note);
- the career centre's: its guidance contract (goal, frame, date) and its session log with the counsellor's private
  notes on each session.
The centre's summary and recommendation go back to the municipality: both sides see those.

One referral is taken the whole way (sent, received, accepted, contract, a session, completed) with a marker in each
record, and every route below is opened by everyone: the case's caseworker and leader, the centre's counsellor, and
people of another municipality, another centre and the administrator. A route that renders a referral and is missing
from ROUTES fails `test_every_route_that_renders_a_referral_is_walked`, so a new page joins this test the day it is made.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from intake import clock
from tests.days import days_from_today
from tests.personas import AMAL
from tests.referrals.conftest import ORDINARY

# The municipality's own: in the mapping, outside what the participant consented to share.
MUNICIPALITY_ONLY = {"local.employers": "Kommunens-egen-arbeidsgivernotat-7Q",
                     "life.health_notes": "Helsenotat-bare-for-kommunen-9Z"}
# The centre's own records.
CONTRACT_GOAL = "Senterets-kontraktmål-4K"
CONTRACT_FRAME = "Senterets-ramme-5L"
CONTRACT_DAYS, SESSION_DAYS = -4, -5  # days from today, used by nothing else in the referral
SESSION_NOTES = "Senterets-samtalenotat-8N"
# Sent back to the municipality: both sides see it.
SUMMARY = "Felles-oppsummering-6M"

# Every GET route that renders a referral or a part of one, with what fills its parameters. The routes with
# `{referral_id}` and those under /inbox and /api/v1/referrals must all be here (checked below); the case's own
# pages that show its referrals (status, summary) are named by hand.
ROUTES = [
    "/cases/{case_id}/referrals/{referral_id}",
    "/referrals/{referral_id}/print",
    "/referrals/{referral_id}/pdf",
    "/inbox",
    "/inbox?tab=completed",
    "/inbox/{referral_id}",  # the centre's referral in parts, each its own page (#16 item 9)
    "/inbox/{referral_id}/contract",
    "/inbox/{referral_id}/sessions",
    "/inbox/{referral_id}/summary",
    "/api/v1/referrals",
    "/api/v1/referrals?tab=completed",
    "/api/v1/referrals/{referral_id}",
    "/cases/{case_id}",
    "/api/v1/cases/{case_id}",
    "/cases/{case_id}/plan",
    "/cases/{case_id}/plan/preview",
    "/cases/{case_id}/plan/preview/contract",
    "/cases/{case_id}/export/json",
    "/cases/{case_id}/export/pdf",
    "/audit",
    "/oversikt",  # the leader's figures, and the cases whose decision deadline is near or passed
    "/oversikt.csv",
]


def _dates(days: int) -> list[str]:
    day = clock.today() + dt.timedelta(days=days)
    return [day.isoformat(), f"{day:%d.%m.%Y}"]


def centre_only() -> list[str]:
    return [CONTRACT_GOAL, CONTRACT_FRAME, SESSION_NOTES, *_dates(CONTRACT_DAYS), *_dates(SESSION_DAYS)]


def visible_text(response) -> str:
    """What the user gets to read: a PDF's text, JSON as it is (escapes decoded), or the HTML."""
    kind = response.headers.get("content-type", "")
    if kind.startswith("application/pdf"):
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(response.content)).pages)
    if kind.startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.text


STEPS = [("/receive", {}),  # "Marker som mottatt"
         ("/accept", {"planned_first_session": lambda: days_from_today(8)}),
         ("/contract", {"goal": CONTRACT_GOAL, "frame": CONTRACT_FRAME,
                        "agreed_on": lambda: days_from_today(CONTRACT_DAYS)}),
         ("/sessions", {"held_on": lambda: days_from_today(SESSION_DAYS), "form": "chat", "interpreter_used": "true",
                        "notes": SESSION_NOTES}),
         ("/complete", {"summary": SUMMARY, "recommendation": "education",
                        "recommendation_text": "Godkjenning av sykepleierutdanningen."})]


@pytest.fixture(params=["in_progress", "completed"])
def referral(request, world, make_case, send_referral, logged_in):
    """Amal's case with the municipality's private notes, sent with the ordinary sections but `local` (and no
    sensitive question), taken at the centre to guidance in progress (contract and a session), or to completed
    (the summary sent back). Returns (case, referral id, status)."""
    case = make_case(world.caseworker, {**AMAL, "life.health": "some_issues", "life.health_affects_participation": False,
                                        **MUNICIPALITY_ONLY})
    assert all(case.answers.get(k) == v for k, v in MUNICIPALITY_ONLY.items()), "a marker was not stored"
    rid = send_referral(world.caseworker, case, sections=[s for s in ORDINARY if s != "local"])
    centre = logged_in(world.counsellor)
    steps = STEPS if request.param == "completed" else STEPS[:-1]
    for step, data in steps:
        data = {k: v() if callable(v) else v for k, v in data.items()}
        r = centre.post(f"/inbox/{rid}{step}", data={"_csrf": centre.csrf, **data})
        assert r.status_code in (200, 303), (step, r.text[:2000])
    return case, rid, request.param


def _people(world, make_org, make_user) -> dict[str, tuple[str, object]]:
    """name -> (side, user): the two sides, and everyone who must see nothing of this referral."""
    return {
        "caseworker": ("municipality", world.caseworker),
        "leader": ("municipality", world.leader),
        "counsellor": ("centre", world.counsellor),
        "other municipality's caseworker": ("none", world.other_caseworker),
        "other municipality's leader": ("none", make_user("leader", world.other_municipality)),
        "other centre's counsellor": ("none", world.other_counsellor),
        "administrator": ("none", make_user("admin", make_org())),
    }


def test_every_route_that_renders_a_referral_is_walked(app):
    walked = {url.split("?")[0] for url in ROUTES}
    for ctx in iter_route_contexts(app.routes):
        if not isinstance(ctx.original_route, APIRoute) or "GET" not in ctx.methods:
            continue
        path = ctx.path
        if "{referral_id}" in path or path.startswith(("/inbox", "/api/v1/referrals", "/referrals")):
            assert path in walked, f"GET {path} renders a referral: add it to ROUTES in {__file__}"


def test_each_side_sees_its_own_and_what_is_shared_and_nothing_of_the_others(
        world, referral, make_org, make_user, logged_in, api_client):
    case, rid, status = referral
    forbidden = {"municipality": centre_only(), "centre": list(MUNICIPALITY_ONLY.values()),
                 "none": [*centre_only(), *MUNICIPALITY_ONLY.values(), SUMMARY, AMAL["participant.name"]]}
    seen: dict[tuple[str, str], str] = {}
    for name, (side, user) in _people(world, make_org, make_user).items():
        page_client, api = logged_in(user), api_client(user)
        for route in ROUTES:
            url = route.format(case_id=case.id, referral_id=rid)
            client = api if url.startswith("/api/") else page_client
            r = client.get(url)
            assert r.status_code in (200, 303, 403, 404), (name, url, r.status_code, r.text[:500])
            if r.status_code == 303:  # a page that sends this side to its own view of the referral
                target = r.headers["location"]
                r = client.get(target)
                assert r.status_code == 200, (name, url, target)
            text = visible_text(r) if r.status_code == 200 else r.text
            leaked = [marker for marker in forbidden[side] if marker in text]
            assert not leaked, f"{name} ({side}) opening {url} sees {leaked}"
            seen[(name, route)] = text if r.status_code == 200 else ""

    # The markers are there to be found: each side sees its own records, and the summary once it is sent back.
    for route in ("/inbox/{referral_id}/contract", "/api/v1/referrals/{referral_id}"):
        text = seen[("counsellor", route)]
        assert CONTRACT_GOAL in text and CONTRACT_FRAME in text, (status, route)
    for route in ("/inbox/{referral_id}/sessions", "/api/v1/referrals/{referral_id}"):
        text = seen[("counsellor", route)]
        assert any(d in text for d in _dates(SESSION_DAYS)) and SESSION_NOTES in text, (status, route)
    if status == "completed":
        for route in ("/inbox/{referral_id}/summary", "/api/v1/referrals/{referral_id}",
                      "/referrals/{referral_id}/print"):
            assert SUMMARY in seen[("counsellor", route)], route
        for who in ("caseworker", "leader"):
            for route in ("/cases/{case_id}/referrals/{referral_id}", "/inbox/{referral_id}",
                          "/api/v1/referrals/{referral_id}", "/referrals/{referral_id}/print",
                          "/referrals/{referral_id}/pdf", "/cases/{case_id}"):
                assert SUMMARY in seen[(who, route)], (who, route)
    for who in ("caseworker", "leader"):
        assert MUNICIPALITY_ONLY["local.employers"] in seen[(who, "/cases/{case_id}/export/json")]
        assert AMAL["participant.name"] in seen[(who, "/inbox/{referral_id}")]  # its own view of the referral


def test_the_municipality_is_sent_to_its_own_view_from_the_centres_address(world, referral, logged_in):
    case, rid, _ = referral
    r = logged_in(world.caseworker).get(f"/inbox/{rid}")
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case.id}/referrals/{rid}"


def test_the_municipality_cannot_write_the_centres_records(world, referral, logged_in):
    _, rid, _ = referral
    for user in (world.caseworker, world.leader):
        client = logged_in(user)
        for step, data in (("/contract", {"goal": "x", "frame": "y"}),
                           ("/sessions", {"held_on": days_from_today(0), "form": "phone"})):
            r = client.post(f"/inbox/{rid}{step}", data={"_csrf": client.csrf, **data})
            assert r.status_code == 403, (user.role, step)
            assert CONTRACT_GOAL not in r.text
