"""Helpers for the plan tests."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

PLAN_START = dt.date(2027, 1, 4)


# What a caseworker writes when the builder warns before "Fastsett plan" (after the deadline, before guidance).
FIX_REASONS = {"late_reason": "Deltakeren var syk i hele oktober.",
               "before_guidance_reason": "Karrieresenteret har ventetid; planen justeres etter veiledningen.",
               "work_minimum_reason": "Deltakeren har fått fast deltidsjobb som teller som arbeid ved siden av."}


def fix(db: Session, user, case, plan, reasons: dict | None = FIX_REASONS):
    """ "Fastsett plan" as the page does it, with the version the caseworker saw, giving a reason for each warning
    (`reasons`; None or {} gives none)."""
    from intake import plans

    db.refresh(plan)
    return plans.fix_plan(db, user, case, plan, plan.version, fix_reasons=reasons or {})


def fix_form(page) -> dict[str, list[str]]:
    """The builder's fixing form (a tests.web.pages.Page) as the caseworker sends it: a reason typed for each warning
    it shows."""
    data = page.form("form#fix-form")
    return data | {name: [FIX_REASONS[name]] for name in data if name in FIX_REASONS}


def pdf_text(pdf: bytes) -> str:
    """A PDF's text, its whitespace run together (as a reader sees the words)."""
    import io

    from pypdf import PdfReader

    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def post(client, url, data=None):
    """A form post with the session's CSRF token."""
    return client.post(url, data={"_csrf": client.csrf, **(data or {})})


def builder(client, case):
    """The plan builder page (a tests.web.pages.Page) as the client sees it."""
    from tests.web.pages import Page

    r = client.get(f"/cases/{case.id}/plan")
    assert r.status_code == 200, r.text
    return Page(r)
