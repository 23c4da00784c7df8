"""The application's one clock: every "now" and "today" the code needs comes from here.

Storage is UTC (`now()`); a day, a deadline or a "not after today" is a Norwegian calendar day (`today()`), so a
caseworker at 00:30 in Oslo gets Oslo's date, not UTC's. The domain (`intake/domain/`) never reads the clock: it takes
`today` as a value. Tests set the clock with time-machine (`tests/conftest.py`'s `today` fixture), which moves what
these functions return without patching this module.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def now() -> dt.datetime:
    """This moment, in UTC (what is stored)."""
    return dt.datetime.now(dt.timezone.utc)


def today() -> dt.date:
    """Today's date in Norway."""
    return now().astimezone(OSLO).date()
