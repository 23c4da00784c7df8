"""Helpers for the plan tests."""

from __future__ import annotations

import asyncio
import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session

PLAN_START = dt.date(2027, 1, 4)


def fix(db: Session, user, case, plan):
    """ "Fastsett plan" as the page does it, with the version the caseworker saw."""
    from intake import plans

    db.refresh(plan)
    # On a thread of its own: the browser tests' Playwright keeps an event loop running in the main thread, and
    # asyncio.run() refuses to start inside one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, plans.fix_plan(db, user, case, plan, plan.version)).result()
