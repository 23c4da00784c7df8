"""The audit log: every read and change of a case is recorded, the hash chain exposes an altered or removed entry,
and a leader sees the organisation's own log, filtered by case or user."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

from sqlalchemy import text
from sqlmodel import col, select

from intake import ledger
from intake.config import ROOT
from intake.db import get_engine, new_session
from intake.models import AuditEntry
from tests.days import main_py_argv
from tests.personas import AMAL, YONAS
from tests.scratch import scratch_database
from tests.web.pages import Page


def row_text(row) -> str:
    return re.sub(r"\s+", " ", " ".join(row.itertext()))


def entries(db, case_id) -> list[AuditEntry]:
    db.expire_all()
    return list(db.exec(select(AuditEntry).where(AuditEntry.object_type == "case",
                                                 AuditEntry.object_id == str(case_id)).order_by(col(AuditEntry.id))))


def test_reading_a_case_in_any_way_writes_an_entry(logged_in, caseworker, make_case, db):
    case = make_case(caseworker, AMAL)
    c = logged_in(caseworker)
    for path in [f"/cases/{case.id}", f"/cases/{case.id}/sections/background", f"/cases/{case.id}/check",
                 f"/api/v1/cases/{case.id}"]:
        before = len(entries(db, case.id))
        assert c.get(path).status_code == 200
        new = entries(db, case.id)[before:]
        assert [(e.action, e.user_id, e.organisation_id) for e in new] == [("read", caseworker.id,
                                                                           caseworker.organisation_id)], path
        assert new[0].at is not None


def test_a_change_is_recorded_with_the_fields_but_not_the_values(logged_in, caseworker, make_case, db):
    case = make_case(caseworker, AMAL)
    c = logged_in(caseworker)
    r = c.post(f"/cases/{case.id}/sections/goals", data={"_csrf": c.csrf, "_action": "autosave",
                                                         "goals.short_term": "Hemmelig mål"})
    assert r.status_code == 200
    update = [e for e in entries(db, case.id) if e.action == "update"][-1]
    assert "goals.short_term" in update.detail and "Hemmelig" not in update.detail


def test_a_refused_read_of_another_organisations_case_is_a_refusal_in_its_log_not_a_read(logged_in, caseworker,
                                                                                          make_case, make_user, bergen,
                                                                                          db):
    case = make_case(caseworker, AMAL)
    before = [e.action for e in entries(db, case.id)]
    assert logged_in(make_user("caseworker", bergen)).get(f"/cases/{case.id}").status_code == 404
    assert [e.action for e in entries(db, case.id)] == [*before, "refused"]  # #12 item 13: refusals leave a trace


def _verify(url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(main_py_argv("verify-audit"), cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def _chain_of_five(url: str) -> list[int]:
    from intake import audit

    with new_session(get_engine(url)) as db:
        ids = []
        for i in range(5):
            ids.append(audit.record(db, None, "read", "case", i + 1, f"entry {i}", organisation_id=1).id)
            db.commit()
    return ids


def test_verify_audit_finds_an_altered_entry():
    with scratch_database("audit") as url:
        ids = _chain_of_five(url)
        assert _verify(url).returncode == 0
        with get_engine(url).begin() as conn:
            conn.execute(text("UPDATE audit_entry SET detail = 'nothing to see' WHERE id = :id"), {"id": ids[2]})
        result = _verify(url)
        assert result.returncode == 1
        assert f"entry {ids[2]}: its content does not match its hash" in result.stdout


def test_verify_audit_finds_a_removed_entry():
    with scratch_database("audit") as url:
        ids = _chain_of_five(url)
        with get_engine(url).begin() as conn:
            conn.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": ids[1]})
        result = _verify(url)
        assert result.returncode == 1
        assert f"entry {ids[2]}: does not follow the entry before it" in result.stdout


def test_verify_audit_finds_an_entry_rewritten_with_a_fresh_hash():
    # Someone who alters an entry and recomputes its hash still breaks the link to the next entry.
    from intake.audit import _digest

    with scratch_database("audit") as url:
        ids = _chain_of_five(url)
        with new_session(get_engine(url)) as db:
            entry = db.get(AuditEntry, ids[2])
            entry.detail = "rewritten"
            entry.hash = _digest(entry, entry.prev_hash)
            db.add(entry)
            db.commit()
        result = _verify(url)
        assert result.returncode == 1
        assert f"entry {ids[3]}: does not follow" in result.stdout


# --- the anchor: the chain's head outside the database ---------------------------------------------------------------


def _main(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(main_py_argv(*args), cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def _cut_from(url: str, first_id: int) -> None:
    with get_engine(url).begin() as conn:
        conn.execute(text("DELETE FROM audit_entry WHERE id >= :id"), {"id": first_id})


def test_verify_audit_finds_entries_cut_from_the_end_of_the_log_after_an_anchor():
    with scratch_database("audit") as url:
        ids = _chain_of_five(url)
        result = _verify(url)
        assert result.returncode == 0 and f"anchored at entry {ids[-1]}" in result.stdout
        _cut_from(url, ids[3])  # the last two entries: what is left is still a valid chain
        for _ in range(2):  # and the anchor stays where it was, so a second run still sees it
            result = _verify(url)
            assert result.returncode == 1
            assert (f"entry {ids[-1]}: missing, but the anchor written" in result.stdout
                    and f"the log now ends at entry {ids[2]}: entries were cut from its end" in result.stdout)


def test_verify_audit_finds_a_tail_cut_and_written_again():
    # New entries after the cut may even get the cut ids back (SQLite): the anchored hash no longer matches.
    from intake import audit

    with scratch_database("audit") as url:
        ids = _chain_of_five(url)
        assert _main(url, "anchor-audit").returncode == 0
        _cut_from(url, ids[3])
        with new_session(get_engine(url)) as db:
            for i in range(3):
                audit.record(db, None, "read", "case", 1, f"after the cut {i}", organisation_id=1)
                db.commit()
        result = _verify(url)
        assert result.returncode == 1 and f"entry {ids[-1]}:" in result.stdout


def test_anchor_audit_moves_the_anchor_on_and_refuses_after_a_cut():
    from intake import audit

    with scratch_database("audit") as url:
        ids = _chain_of_five(url)
        first = _main(url, "anchor-audit")
        assert first.returncode == 0 and f"anchored at entry {ids[-1]}" in first.stdout
        with new_session(get_engine(url)) as db:
            newer = audit.record(db, None, "read", "case", 1, "later", organisation_id=1).id
            db.commit()
        assert f"anchored at entry {newer}" in _main(url, "anchor-audit").stdout
        _cut_from(url, newer)
        refused = _main(url, "anchor-audit")
        assert refused.returncode == 1 and f"entry {newer}: missing" in refused.stderr
        assert _verify(url).returncode == 1  # not moved: the cut is still seen
        reset = _main(url, "anchor-audit", "--reset")  # the operator, once the cause is known: recorded in the log
        assert reset.returncode == 0
        assert _verify(url).returncode == 0
        with new_session(get_engine(url)) as db:
            last = db.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
        assert last.action == "anchor-reset" and f"previous anchor: entry {newer}" in last.detail


def test_the_server_anchors_the_log_when_it_stops(app, db, caseworker, make_case):
    from fastapi.testclient import TestClient

    from intake import audit_anchor, ledger

    make_case(caseworker, AMAL)
    with TestClient(app):
        pass  # start and stop
    head = audit_anchor.head(db)
    anchor = ledger.for_session(db).latest(db)
    assert anchor is not None and (anchor.id, anchor.hash) == (head.id, head.hash)


# --- the leader's view ---------------------------------------------------------------------------------------------


def test_a_leader_sees_the_organisations_log_only(logged_in, caseworker, make_case, make_user, drammen, bergen):
    mine = make_case(caseworker, AMAL)
    bergen_worker = make_user("caseworker", bergen)
    theirs = make_case(bergen_worker, YONAS)
    logged_in(caseworker).get(f"/cases/{mine.id}")
    logged_in(bergen_worker).get(f"/cases/{theirs.id}")
    leader = logged_in(make_user("leader", drammen))
    page = Page(leader.get("/audit"))
    text_ = page.text("table")
    assert caseworker.username in text_ and bergen_worker.username not in text_
    assert leader.get("/audit", params={"case": theirs.id}).status_code == 200
    assert "0 hendelser" in Page(leader.get("/audit", params={"case": theirs.id})).text("main")
    r = leader.get("/audit", params={"user": bergen_worker.id})
    assert r.status_code == 422  # not one of ours: not a choice


def test_a_leader_filters_the_log_by_case_and_by_user(logged_in, caseworker, make_case, make_user, drammen):
    first, second = make_case(caseworker, AMAL), make_case(caseworker, YONAS)
    other = make_user("caseworker", drammen)
    logged_in(caseworker).get(f"/cases/{first.id}")
    logged_in(other).get(f"/cases/{second.id}")
    leader = logged_in(make_user("leader", drammen))
    rows = Page(leader.get("/audit", params={"case": first.id})).all("table.audit tbody tr")
    assert rows and all(f"Sak {first.id}" in row_text(r) for r in rows)
    page = Page(leader.get("/audit", params={"user": other.id}))
    assert page.all("table.audit tbody tr")
    assert all(other.username in row_text(r) for r in page.all("table.audit tbody tr"))


def test_the_log_says_its_details_in_words(logged_in, caseworker, make_case, make_user, drammen):
    # #16 item 13: the "Detaljer" cell held `fields=participant.birth_date,…` (310 characters unbroken) and `q= page=1`.
    case = make_case(caseworker, AMAL)
    c = logged_in(caseworker)
    c.post(f"/cases/{case.id}/sections/goals", data={"_csrf": c.csrf, "_action": "autosave",
                                                     "goals.short_term": "Norsk", "goals.long_term": "Sykepleier"})
    c.get("/cases")
    leader = logged_in(make_user("leader", drammen))
    page = Page(leader.get("/audit", params={"user": caseworker.id}))
    details = [row_text(td) for td in page.all("table.audit td.detail")]
    assert any("Del: Mål" in d and "Endret:" in d and "Mål på kort sikt" in d and "Mål på lang sikt" in d
               for d in details), details
    assert not any("fields=" in d or "q=" in d or "page=" in d or "goals." in d for d in details), details
    english = logged_in(make_user("leader", drammen))
    english.cookies.set("lang", "en")
    text = Page(english.get("/audit", params={"user": caseworker.id})).text("table.audit")
    assert "Section: Goals" in text and "Short-term goal" in text


def test_the_log_is_paginated(logged_in, caseworker, make_case, make_user, drammen):
    case = make_case(caseworker, AMAL)
    c = logged_in(caseworker)
    for _ in range(55):
        c.get(f"/api/v1/cases/{case.id}")
    leader = logged_in(make_user("leader", drammen))
    page = Page(leader.get("/audit", params={"case": case.id}))
    assert len(page.all("table.audit tbody tr")) == 50
    assert "Side 1 av 2" in page.text("nav.pagination")
    second = Page(leader.get("/audit", params={"case": case.id, "page": 2}))
    assert len(second.all("table.audit tbody tr")) >= 6  # 55 reads + creation


def _logged_names() -> tuple[set[str], set[str]]:
    """The actions and object types the code logs: audit.record's constant arguments, access.load_case's
    audit_action, and the referral transitions (logged by their names)."""
    import ast

    from intake.domain.guidance import TRANSITIONS

    actions, objects = {t.name for t in TRANSITIONS.values()}, set()
    for path in (ROOT / "intake").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name == "record" and len(node.args) >= 4:
                for arg, found in ((node.args[2], actions), (node.args[3], objects)):
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.add(arg.value)
            for keyword in node.keywords:
                if keyword.arg == "audit_action" and isinstance(keyword.value, ast.Constant):
                    actions.add(keyword.value.value)
    return actions, objects


def test_every_logged_action_and_object_has_words_in_the_log(logged_in, caseworker, make_case, make_user, drammen):
    from intake.web.audit_log import ACTION_LABELS, OBJECT_LABELS

    actions, objects = _logged_names()
    assert {"read", "fix", "open-for-send", "send"} <= actions and {"case", "plan", "consent"} <= objects
    assert actions - set(ACTION_LABELS) == set()
    assert objects - set(OBJECT_LABELS) == set()
    # and the page shows the words, not the codes
    case = make_case(caseworker)
    logged_in(caseworker).get(f"/cases/{case.id}/sections/participant")
    text = Page(logged_in(make_user("leader", drammen)).get(f"/audit?case={case.id}")).text("table.audit")
    assert "Lest" in text and "open-for" not in text


# --- a lost anchor, the server's own anchoring, the keyed chain (#12 item 10) ---------------------------------------


def _anchor_file() -> Path:
    from intake.config import get_settings

    return get_settings().audit_anchor_path


def test_a_database_without_its_anchor_is_an_error_until_reset(database_url):
    with scratch_database("audit") as url:
        ids = _chain_of_five(url)
        assert _verify(url).returncode == 0
        with new_session(get_engine(url)) as db:
            ledger_ = ledger.for_session(db)
            if isinstance(ledger_, ledger.FileLedger):
                _anchor_file().unlink()  # the file lost: not a fresh start
            else:
                db.execute(text("DELETE FROM kartlegging_ledger.audit_anchor"))  # as an administrator could
                db.commit()
        result = _verify(url)
        assert result.returncode == 1 and "no audit anchor for this database" in result.stdout
        assert _main(url, "anchor-audit").returncode == 1
        reset = _main(url, "verify-audit", "--reset")
        assert reset.returncode == 0, reset.stdout + reset.stderr
        assert _verify(url).returncode == 0
        with new_session(get_engine(url)) as db:
            last = db.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
        assert last.id > ids[-1] and last.action == "anchor-reset" and "verify-audit --reset" in last.detail


def test_verify_audit_reset_still_refuses_a_broken_chain(database_url):
    with scratch_database("audit") as url:
        ids = _chain_of_five(url)
        with get_engine(url).begin() as conn:
            conn.execute(text("UPDATE audit_entry SET detail = 'nothing to see' WHERE id = :id"), {"id": ids[1]})
        result = _main(url, "verify-audit", "--reset")
        assert result.returncode == 1 and f"entry {ids[1]}: its content does not match" in result.stdout


def test_the_running_server_moves_the_anchor_on_its_own(database_url):
    from fastapi.testclient import TestClient

    from intake import audit, audit_anchor
    from intake.app import create_app
    from intake.config import Settings

    with scratch_database("audit") as url:
        _chain_of_five(url)
        settings = Settings(DATABASE_URL=url, KARTLEGGING_ANCHOR_INTERVAL_SECONDS=1, KARTLEGGING_PDF_WARMUP=False)
        with TestClient(create_app(settings)):
            with new_session(get_engine(url)) as db:
                newest = audit.record(db, None, "read", "case", 1, "while the server runs", organisation_id=1)
                db.commit()
                deadline = time.monotonic() + 30
                while (ledger.for_session(db).latest(db).id != newest.id) and time.monotonic() < deadline:
                    time.sleep(0.1)  # within a second or two, not at shutdown
                db.rollback()
                assert ledger.for_session(db).latest(db).id == newest.id
                assert audit_anchor.head(db).id == newest.id


def test_with_a_key_the_entries_since_the_anchor_cannot_be_rewritten_and_chained_again(database_url):
    from intake import audit
    from intake.config import get_settings

    key = "en-lang-hemmelig-nokkel-" + "x" * 16
    with scratch_database("audit") as url:
        _chain_of_five(url)
        keyed = {"KARTLEGGING_AUDIT_KEY": key}
        # Entries written without a key after the anchor are refused once a key is set ...
        refused = _main_env(url, keyed, "anchor-audit")
        assert refused.returncode == 1 and "not sealed with the audit key" in refused.stderr
        # ... so a key is brought in as README says: the anchor moved on first (without it), then the key set
        assert _main(url, "anchor-audit").returncode == 0
        os.environ["KARTLEGGING_AUDIT_KEY"] = key
        get_settings.cache_clear()
        try:
            with new_session(get_engine(url)) as db:
                sealed = [audit.record(db, None, "read", "case", 1, f"sealed {i}", organisation_id=1).id
                          for i in range(3)]
                db.commit()
        finally:
            del os.environ["KARTLEGGING_AUDIT_KEY"]
            get_settings.cache_clear()
        # Someone who can write the database but has no key replaces the last two entries, after the anchor, by
        # one of their own, chained on correctly: the chain and the anchor hold, the seal does not
        _cut_from(url, sealed[1])
        with new_session(get_engine(url)) as db:
            forged = audit.record(db, None, "read", "case", 1, "forged", organisation_id=1)
            db.commit()
        result = _main_env(url, keyed, "verify-audit")
        assert result.returncode == 1
        assert result.stdout.splitlines()[0] == f"entry {forged.id}: not sealed with the audit key (written or " \
                                                f"rewritten without it)"
        _cut_from(url, forged.id)
        assert _main_env(url, keyed, "verify-audit").returncode == 0  # older plain entries, newer sealed: intact
        # After a change of key, the old one still verifies the entries it sealed
        rotated = {"KARTLEGGING_AUDIT_KEY": "en-ny-nokkel-" + "y" * 20, "KARTLEGGING_AUDIT_OLD_KEYS": key}
        assert _main_env(url, rotated, "verify-audit").returncode == 0
        assert _main_env(url, {}, "verify-audit").returncode == 1  # without any key the sealed entries do not verify


def _main_env(url: str, extra: dict, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, **extra}
    return subprocess.run(main_py_argv(*args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_periodic_work_runs_in_one_process_at_a_time(database_url):
    from intake.periodic import once_across_instances, run_task

    ran = []
    with scratch_database("periodic") as url:
        engine = get_engine(url)
        with once_across_instances(engine, "anchor") as held:
            assert held
            assert run_task(get_engine(url), "anchor", ran.append) is False  # another instance holds it: skipped
        assert run_task(engine, "anchor", ran.append) is True
    assert ran == [engine]


# --- refused access (#12 item 13) -----------------------------------------------------------------------------------


def _refusals(db, user) -> list[AuditEntry]:
    db.expire_all()
    return list(db.exec(select(AuditEntry).where(AuditEntry.user_id == user.id, AuditEntry.action == "refused")
                        .order_by(col(AuditEntry.id))))


def test_refused_access_is_audited_once_a_minute_per_user_and_object(logged_in, api_client, caseworker, make_case,
                                                                     make_user, make_org, drammen, db, time_machine):
    import datetime as dt

    case = make_case(caseworker, AMAL)
    stranger = make_user("caseworker", make_org(municipality_number="4601", county_code="46"))
    page, api = logged_in(stranger), api_client(stranger)
    for _ in range(3):  # another organisation's case: 404, as one that does not exist
        assert page.get(f"/cases/{case.id}").status_code == 404
        assert api.get(f"/api/v1/cases/{case.id}").status_code == 404
    refused = _refusals(db, stranger)
    assert [(e.object_type, e.object_id, e.detail, e.organisation_id) for e in refused] == [
        ("case", str(case.id), "permission=case.read", drammen.id)]  # in the log of the case's organisation
    assert page.post(f"/cases/{case.id}/sections/goals", data={"_csrf": page.csrf}).status_code == 404
    assert [e.detail for e in _refusals(db, stranger)][-1] == "permission=case.update"  # another thing tried

    time_machine.shift(dt.timedelta(seconds=61))
    assert page.get(f"/cases/{case.id}").status_code == 404
    assert len(_refusals(db, stranger)) == 3

    # A route the role may not use: in the user's own organisation's log
    assert logged_in(caseworker).get("/audit").status_code == 403
    assert [(e.object_type, e.object_id, e.detail, e.organisation_id) for e in _refusals(db, caseworker)] == [
        ("route", None, "permission=audit.read", drammen.id)]

    # The case's organisation reads who tried, in words
    text = Page(logged_in(make_user("leader", drammen)).get(f"/audit?case={case.id}")).text("table.audit")
    assert "Tilgang avvist" in text and stranger.username in text and "Forsøkte: case.read" in text


def test_refused_access_to_a_referral_is_audited(logged_in, api_client, make_user, make_org, db, caseworker,
                                                 make_case, drammen):
    from intake.models_referrals import Referral

    centre = make_org(kind="career_centre", county_code="33")
    referral = Referral(case_id=make_case(caseworker, AMAL).id, from_organisation_id=drammen.id,
                        to_organisation_id=centre.id, contact_user_id=caseworker.id, created_by_id=caseworker.id,
                        status="sent")
    db.add(referral)
    db.commit()
    other_counsellor = make_user("counsellor", make_org(kind="career_centre", county_code="46"))
    assert api_client(other_counsellor).get(f"/api/v1/referrals/{referral.id}").status_code == 404
    assert [(e.object_type, e.object_id, e.organisation_id) for e in _refusals(db, other_counsellor)] == [
        ("referral", str(referral.id), drammen.id)]
    # The municipality's caseworker may read it, but not receive it for the centre: 403, audited too
    assert api_client(caseworker).post(f"/api/v1/referrals/{referral.id}/receive").status_code == 403
    assert [e.detail for e in _refusals(db, caseworker)] == ["permission=referral.receive"]


# --- a search leaves its term nowhere (#12 item 12) -----------------------------------------------------------------


def test_a_search_term_is_in_no_address_and_no_audit_entry(logged_in, caseworker, make_case, make_user, drammen, db):
    from tests.web.pages import search_cases

    make_case(caseworker, AMAL)
    c = logged_in(caseworker)
    for term in ("Hassan", AMAL["participant.duf_number"]):
        r = search_cases(c, term)
        assert r.status_code == 200 and "Amal Hassan" in Page(r).text("table.cases")  # the answer, at /cases itself
        page = Page(r)
        assert page.form("form[role=search]")["q"] == [term]
        assert all(term not in link for link in page.links())
    # The form posts; a GET's query string is not read as a search, so no link or bookmark can carry one
    assert Page(c.get("/cases")).one("form[role=search]").get("method") == "post"
    db.expire_all()
    listed = db.exec(select(AuditEntry).where(AuditEntry.user_id == caseworker.id, AuditEntry.action == "list")
                     .order_by(col(AuditEntry.id))).all()
    assert len(listed) >= 3
    assert all("Hassan" not in e.detail and AMAL["participant.duf_number"] not in e.detail for e in listed)
    assert [e.detail.split(" ")[0] for e in listed][-3:] == ["search", "search", "page=1"]  # a search, no term
    text = Page(logged_in(make_user("leader", drammen)).get("/audit", params={"user": caseworker.id})).text("table")
    assert "søkeordet lagres ikke" in text and "Hassan" not in text


def test_a_search_without_a_term_is_the_lists_address_with_its_filters(logged_in, caseworker):
    c = logged_in(caseworker)
    r = c.post("/cases", data={"_csrf": c.csrf, "q": " ", "stage": "mapped", "sort": "newest"})
    assert r.status_code == 303 and r.headers["location"] == "/cases?stage=mapped&sort=newest"
    assert c.get(r.headers["location"]).status_code == 200
