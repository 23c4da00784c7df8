"""A participant's rights and the retention rule: data export (JSON and PDF), erasure on request, purge after N years.
Exercised through `main.py`, as an operator would."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess

import pytest
from pypdf import PdfReader
from sqlmodel import col, select

from intake.config import ROOT
from intake.domain.questionnaire import default_questionnaire
from intake.models import AuditEntry, Case
from tests.days import main_py_argv
from tests.personas import AMAL, YONAS

SCRIPT_IN_NAME = "<script>alert(1)</script>"


def main(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(main_py_argv(*args), cwd=ROOT, env=dict(os.environ), capture_output=True,
                          timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr.decode()
    return proc


def audit_of(db, case_id, action) -> list[AuditEntry]:
    db.expire_all()
    return list(db.exec(select(AuditEntry).where(AuditEntry.object_type == "case", AuditEntry.object_id == str(case_id),
                                                 AuditEntry.action == action).order_by(col(AuditEntry.id))))


def sensitive_answered(answers) -> list[str]:
    q = default_questionnaire()
    return [k for k in answers if q.by_id.get(k) is not None and q.by_id[k].sensitive]


# --- export ---------------------------------------------------------------------------------------------------------


def test_the_json_export_holds_every_answer_with_its_question_and_marks_sensitive_ones(caseworker, make_case, db):
    case = make_case(caseworker, AMAL)
    data = json.loads(main("export-case", str(case.id)).stdout)
    exported = {a["question"]: a for s in data["sections"] for a in s["answers"]}
    stored = db.get(Case, case.id).answers
    assert set(exported) == set(stored)
    assert all(exported[k]["value"] == v for k, v in stored.items())
    assert exported["participant.name"]["label"] == "Fullt navn"
    sensitive = sensitive_answered(stored)
    assert sensitive, "the persona should have sensitive answers"
    assert all(exported[k]["sensitive"] for k in sensitive)
    assert not exported["participant.name"]["sensitive"]
    [entry] = audit_of(db, case.id, "export")
    assert "format=json" in entry.detail and entry.organisation_id == caseworker.organisation_id


def test_the_json_export_includes_rows_that_hang_off_the_case(caseworker, make_case, db):
    from intake.models_plans import Plan

    case = make_case(caseworker, YONAS)
    db.add(Plan(case_id=case.id, organisation_id=case.organisation_id, long_term_goal="Bli sykepleier"))
    db.commit()
    data = json.loads(main("export-case", str(case.id)).stdout)
    assert [p["long_term_goal"] for p in data["related"]["plan"]] == ["Bli sykepleier"]


def test_the_pdf_export_is_a_norwegian_document_with_names_as_literal_text(caseworker, make_case, tmp_path):
    case = make_case(caseworker, {**AMAL, "participant.name": SCRIPT_IN_NAME})
    out = tmp_path / "innsyn.pdf"
    main("export-case", str(case.id), "--format", "pdf", "--output", str(out))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(out.read_bytes())).pages)
    assert "Opplysninger vi har registrert om deg" in text
    assert SCRIPT_IN_NAME in text  # shown as the text it is, not run and not swallowed
    assert "Fullt navn" in text and "(sensitiv)" in text


def test_exporting_a_case_that_does_not_exist_says_so():
    proc = main("export-case", "987654321", check=False)
    assert proc.returncode == 1 and b"no case 987654321" in proc.stderr


# --- erasure on request -----------------------------------------------------------------------------------------------


def test_erasing_a_case_removes_it_and_what_hangs_off_it_and_records_who_and_why(caseworker, make_case, db):
    from intake.models_plans import Plan

    case = make_case(caseworker, AMAL)
    case_id = case.id
    db.add(Plan(case_id=case_id, organisation_id=case.organisation_id))
    db.commit()
    proc = main("erase-case", str(case_id), "--reason", "Deltakeren ba om sletting 1. mars", "--by", "leder.lene")
    assert b"erased case" in proc.stdout
    db.expunge_all()
    assert db.get(Case, case_id) is None
    assert db.exec(select(Plan).where(Plan.case_id == case_id)).first() is None
    [entry] = audit_of(db, case_id, "erase")
    assert "Deltakeren ba om sletting 1. mars" in entry.detail and "by=leder.lene" in entry.detail
    assert "plan:1" in entry.detail and entry.organisation_id == caseworker.organisation_id
    assert "Amal" not in entry.detail  # the log keeps that it happened, not what was deleted
    assert main("verify-audit").returncode == 0


def test_erasure_needs_a_reason(caseworker, make_case, db):
    case = make_case(caseworker, AMAL)
    assert main("erase-case", str(case.id), "--reason", "  ", check=False).returncode == 2
    assert db.get(Case, case.id) is not None


# --- retention -------------------------------------------------------------------------------------------------------


def _age(db, case, years: float, status: str = "completed"):
    then = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=365.25 * years)
    case = db.get(Case, case.id)
    case.status, case.updated_at, case.created_at = status, then, then
    case.completed_at = then if status == "completed" else None
    db.add(case)
    db.commit()


def test_purge_deletes_closed_cases_past_retention_only_and_audits_it(caseworker, make_case, db):
    old_done = make_case(caseworker, AMAL)
    old_open = make_case(caseworker, YONAS)
    recent_done = make_case(caseworker, AMAL)
    _age(db, old_done, 6)
    _age(db, old_open, 6, status="in_progress")  # still being worked on: kept, however old
    _age(db, recent_done, 4)
    dry = main("purge", "--years", "5", "--dry-run").stdout.decode()
    assert f"would delete case {old_done.id} " in dry
    db.expire_all()
    assert db.get(Case, old_done.id) is not None  # a dry run deletes nothing
    ids, org_id = (old_done.id, old_open.id, recent_done.id), caseworker.organisation_id
    out = main("purge", "--years", "5").stdout.decode()
    assert f"deleted case {ids[0]} " in out
    db.expunge_all()
    assert db.get(Case, ids[0]) is None
    assert db.get(Case, ids[1]) is not None and db.get(Case, ids[2]) is not None
    [entry] = audit_of(db, ids[0], "purge")
    assert "retention=5 years" in entry.detail and "case:1" in entry.detail
    assert entry.organisation_id == org_id


def test_purge_keeps_a_case_whose_plan_changed_recently(caseworker, make_case, db):
    from intake.models_plans import Plan

    case = make_case(caseworker, AMAL)
    _age(db, case, 6)
    db.add(Plan(case_id=case.id, organisation_id=case.organisation_id))  # updated now
    db.commit()
    assert f"case {case.id} " not in main("purge", "--years", "5", "--dry-run").stdout.decode()


@pytest.mark.parametrize("env, kept", [("7", True), ("5", False)])
def test_the_retention_period_is_a_setting(caseworker, make_case, db, monkeypatch, env, kept):
    case = make_case(caseworker, AMAL)
    _age(db, case, 6)
    monkeypatch.setenv("KARTLEGGING_PURGE_YEARS", env)
    out = main("purge", "--dry-run").stdout.decode()
    assert (f"case {case.id} " not in out) is kept
    assert f"no activity for {env} years" in out
