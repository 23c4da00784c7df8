"""Two instances of the server (`main.py serve` on two ports) on one PostgreSQL database, driven alternately: a login
on one works on the other, saves from several caseworkers at once go to both, a referral and a plan are taken through
their steps across them, and both move the audit anchor on their own timers. Afterwards every acknowledged save is
there and the audit log is one valid chain (`verify-audit`). Skipped without PostgreSQL."""

from __future__ import annotations

import itertools
import os
import subprocess
import threading

import httpx
import pytest
from sqlalchemy import text

from intake.config import ROOT
from tests.conftest import PASSWORD
from tests.days import days_from_today, main_py_argv
from tests.personas import AMAL
from tests.plans.conftest import completed_case, ready_plan  # noqa: F401  (shared fixtures)
from tests.plans.helpers import fix_form
from tests.referrals.conftest import world  # noqa: F401  (shared fixture)
from tests.referrals.test_api import consent_body, referral_body
from tests.scratch import postgres_url
from tests.serving import server
from tests.web.conftest import make_case  # noqa: F401  (shared fixture)
from tests.web.pages import Page

pytestmark = pytest.mark.skipif(not postgres_url(), reason="needs KARTLEGGING_TEST_DATABASE_URL (PostgreSQL)")

CASEWORKERS = 3
CASES_EACH = 2
SAVES_PER_CASE = 12


@pytest.fixture
def instances(database_url, tmp_path):
    """Two servers on the suite's database, each moving the audit anchor every second; neither may log a problem
    with it."""
    env = {"KARTLEGGING_ANCHOR_INTERVAL_SECONDS": "1"}
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    with server(logs[0], **env) as (a, _), server(logs[1], **env) as (b, _):
        yield [a, b]
    for log in logs:
        problems = [line for line in log.read_text().splitlines() if '"level": "ERROR"' in line]
        assert not problems, problems[:3]


def _login(base: str, username: str) -> httpx.Cookies:
    with httpx.Client(base_url=base) as c:
        r = c.post("/login", data={"username": username, "password": PASSWORD})
        assert r.status_code == 303, r.text
        return c.cookies


def _token(db, user) -> dict[str, str]:
    from intake.security import create_api_token

    return {"Authorization": f"Bearer {create_api_token(db, user)}"}


def test_two_instances_share_logins_saves_referrals_plans_and_one_audit_chain(
        instances, world, make_user, make_case, completed_case, ready_plan, db, database_url):
    a, b = instances
    # A login on one instance is a login on the other
    caseworker = world.caseworker
    cookies = _login(a, caseworker.username)
    with httpx.Client(base_url=b, cookies=cookies) as on_b:
        assert on_b.get("/cases").status_code == 200

    # Caseworkers saving at the same time, each save to the other instance than the one before
    workers = [make_user("caseworker", world.municipality) for _ in range(CASEWORKERS)]
    jobs = [(w, _token(db, w), [make_case(w, AMAL).id for _ in range(CASES_EACH)]) for w in workers]
    acked: dict[int, str] = {}
    errors: list[str] = []
    lock = threading.Lock()

    def save_all(number: int, headers: dict, case_ids: list[int]) -> None:
        bases = itertools.cycle(instances)
        with httpx.Client(headers=headers, timeout=60) as http:
            for i in range(SAVES_PER_CASE):
                for case_id in case_ids:
                    value = f"Mål {number}-{case_id}-{i}"
                    r = http.patch(f"{next(bases)}/api/v1/cases/{case_id}/answers",
                                   json={"answers": {"goals.short_term": value}})
                    with lock:
                        if r.status_code == 200:
                            acked[case_id] = value
                        else:
                            errors.append(f"{r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=save_all, args=(n, headers, ids)) for n, (_, headers, ids) in enumerate(jobs)]
    for t in threads:
        t.start()

    # Meanwhile: a referral sent on one instance, received and accepted on the other
    referred = make_case(caseworker, AMAL)
    sender, counsellor = _token(db, caseworker), _token(db, world.counsellor)
    r = httpx.post(f"{a}/api/v1/cases/{referred.id}/consents", json=consent_body(), headers=sender)
    assert r.status_code == 201, r.text
    r = httpx.post(f"{b}/api/v1/cases/{referred.id}/referrals", json={**referral_body(), "send": True},
                   headers=sender)
    assert r.status_code == 201, r.text
    referral_id = r.json()["id"]
    assert httpx.get(f"{a}/api/v1/referrals/{referral_id}", headers=counsellor).json()["status"] == "sent"
    assert httpx.post(f"{a}/api/v1/referrals/{referral_id}/receive", json={},
                      headers=counsellor).status_code == 200
    accepted = httpx.post(f"{b}/api/v1/referrals/{referral_id}/accept",
                          json={"planned_first_session": days_from_today(8)}, headers=counsellor)
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted", accepted.text

    # ... and a plan opened on one instance and fixed on the other, by the caseworker logged in on the first
    case = completed_case(caseworker)
    ready_plan(caseworker, case)
    with httpx.Client(base_url=a, cookies=cookies, timeout=120) as on_a, \
            httpx.Client(base_url=b, cookies=cookies, timeout=120) as on_b:
        form = fix_form(Page(on_a.get(f"/cases/{case.id}/plan")))
        fixed = on_b.post(f"/cases/{case.id}/plan/fix", data=form)
        assert fixed.status_code == 303 and "fixed=1" in fixed.headers["location"], fixed.text[:500]
        assert on_a.get(f"/cases/{case.id}/plan/versions/1.pdf").headers["content-type"] == "application/pdf"

    for t in threads:
        t.join(timeout=300)
    assert not errors, errors[:5]
    assert len(acked) == CASEWORKERS * CASES_EACH

    # No save lost: each case holds the last value it acknowledged (read back through the other instance)
    for _, headers, case_ids in jobs:
        for case_id in case_ids:
            got = httpx.get(f"{b}/api/v1/cases/{case_id}", headers=headers).json()["answers"]["goals.short_term"]
            assert got == acked[case_id], case_id

    # Both instances anchored the log on their timers, and the log is one valid chain
    anchors = db.execute(text("SELECT count(*) FROM kartlegging_ledger.audit_anchor WHERE kind = 'anchor'")).scalar()
    assert anchors >= 1
    verify = subprocess.run(main_py_argv("verify-audit"), cwd=ROOT, env={**os.environ}, capture_output=True,
                            text=True, timeout=300)
    assert verify.returncode == 0 and "audit log intact" in verify.stdout, verify.stdout + verify.stderr
