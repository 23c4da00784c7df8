"""Helpers for the plan tests."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

PLAN_START = dt.date(2027, 1, 4)


def fix(db: Session, user, case, plan):
    """ "Fastsett plan" as the page does it, with the version the caseworker saw."""
    from intake import plans

    db.refresh(plan)
    return plans.fix_plan(db, user, case, plan, plan.version)
