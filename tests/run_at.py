"""Run a script with the clock set to a moment, as a test's subprocess must (tests/days.py's `main_py_argv`):

    python -m tests.run_at 2026-11-23T09:00:00+00:00 main.py serve --port 8123

The clock starts at the moment and ticks (time-machine), for the script and what it imports, and for the Python
processes it starts (uvicorn's worker processes with `serve --workers N`, the PDF worker): they find the moment in the
environment, and tests/clock_site/sitecustomize.py (on their PYTHONPATH) moves their clock there as they start.
"""

from __future__ import annotations

import datetime as dt
import os
import runpy
import sys
import time
from pathlib import Path

import time_machine


def main() -> None:
    moment, script = dt.datetime.fromisoformat(sys.argv[1]), sys.argv[2]
    sys.argv = sys.argv[2:]
    os.environ["KARTLEGGING_TEST_CLOCK"] = f"{moment.isoformat()}@{time.time()!r}"
    site = str(Path(__file__).resolve().parent / "clock_site")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (site, os.environ.get("PYTHONPATH")) if p)
    with time_machine.travel(moment, tick=True):
        runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
