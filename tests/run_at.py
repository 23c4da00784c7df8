"""Run a script with the clock set to a moment, as a test's subprocess must (tests/days.py's `main_py_argv`):

    python -m tests.run_at 2026-11-23T09:00:00+00:00 main.py serve --port 8123

The clock starts at the moment and ticks (time-machine), for the script and what it imports, in this process only.
"""

from __future__ import annotations

import datetime as dt
import runpy
import sys

import time_machine


def main() -> None:
    moment, script = dt.datetime.fromisoformat(sys.argv[1]), sys.argv[2]
    sys.argv = sys.argv[2:]
    with time_machine.travel(moment, tick=True):
        runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
