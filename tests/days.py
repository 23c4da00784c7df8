"""The suite's calendar. No test reads the machine's date: every test runs on a day it controls.

- `TODAY` is the day a test runs on unless it says otherwise: the autouse `today` fixture (tests/conftest.py) moves the
  clock there with time-machine (ticking from 10:00 Oslo time), so `intake.clock`, `datetime.now()` and `date.today()`
  all agree. A test that needs another day marks itself `@pytest.mark.today(dt.date(2027, 1, 4))`; one that needs time
  to pass asks for the `time_machine` fixture and calls `.shift(...)` or `.move_to(...)`.
- Dates a test types are relative to that day: `days_from_today(8)` (ISO text, as a form or the API takes it).
- A `main.py` run in a subprocess runs on the test's clock too: `main_py_argv("purge", "--years", "5")`.
"""

from __future__ import annotations

import datetime as dt
import sys
from zoneinfo import ZoneInfo

TODAY = dt.date(2026, 11, 23)
OSLO = ZoneInfo("Europe/Oslo")


def morning(day: dt.date) -> dt.datetime:
    """10:00 in Oslo on `day`: far from midnight, so a test's few seconds never change the date."""
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=OSLO)


def days_from_today(days: int) -> str:
    """The date `days` after (or, negative, before) the test's today, as ISO text."""
    from intake import clock

    return (clock.today() + dt.timedelta(days=days)).isoformat()


def main_py_argv(*args: str, at: dt.datetime | None = None) -> list[str]:
    """`python main.py ARGS` on the test's clock (or from `at`), through tests/run_at.py: for subprocess.run/Popen
    with the repository as the working directory."""
    from intake import clock

    return [sys.executable, "-m", "tests.run_at", (at or clock.now()).isoformat(), "main.py", *args]
