"""Puts a process that a test's subprocess started on the test's clock (tests/run_at.py): uvicorn's worker processes
with `serve --workers N` and the PDF worker are spawned, so they begin as new interpreters and would read the
machine's clock. tests/run_at.py adds this directory to PYTHONPATH, which makes Python import this file as such a
process starts, and leaves the moment in the environment."""

import os

if os.environ.get("KARTLEGGING_TEST_CLOCK"):
    import datetime as dt
    import time

    import time_machine

    _moment, _real = os.environ["KARTLEGGING_TEST_CLOCK"].rsplit("@", 1)
    # The same ticking clock as the process that set it, which has run on since.
    time_machine.travel(dt.datetime.fromisoformat(_moment) + dt.timedelta(seconds=time.time() - float(_real)),
                        tick=True).start()
