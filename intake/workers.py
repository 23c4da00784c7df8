"""`main.py serve --workers N`: N server processes, each listening on its own socket of the same address.

uvicorn's own `--workers` shares one listening socket among its processes, and the process that wakes first accepts
every connection waiting: twenty caseworkers' browsers (or a proxy's kept-alive connections) arriving together all
landed on one process while the other stood idle (docs/BENCHMARKS.md). Here each process binds the address itself
with SO_REUSEPORT, and the kernel shares new connections out among the processes. A process that dies is started
again; SIGTERM or SIGINT stops them all, each finishing its requests and running its shutdown (the audit anchor).
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import threading
import time
from typing import Any

log = logging.getLogger("kartlegging.workers")

# A process that ends within this many seconds of its start failed to start (a port taken, a broken setting):
# starting it again would fail the same way, so the server stops instead.
STARTUP_SECONDS = 60.0


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port that other processes may bind too (SO_REUSEPORT), listening."""
    family, kind, proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    sock.listen(2048)
    return sock


def _worker(host: str, port: int, options: dict[str, Any]) -> None:
    """One server process (spawned): its own socket and its own app, stopped with its supervisor."""
    import uvicorn

    parent = multiprocessing.parent_process()
    if parent is not None:
        def supervisor_gone() -> None:  # a supervisor killed outright leaves no process behind
            multiprocessing.connection.wait([parent.sentinel])
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=supervisor_gone, name="supervisor-gone", daemon=True).start()
    from .app import create_app
    from .observability import lean_log_records

    sock = listening_socket(host, port)
    app = create_app()
    freeze_start_up()
    lean_log_records()
    uvicorn.Server(uvicorn.Config(app, host=host, port=port, **options)).run(sockets=[sock])


def freeze_start_up() -> None:
    """Keep what start-up made (modules, the questionnaire, rules, templates, the app) out of the garbage
    collector's way: its full collections walked all of it, every few hundred saves, and each such pause fell on the
    saves under way (p99 117 ms against 77 ms with this, docs/BENCHMARKS.md). Once per server process, after the app
    is made; what is garbage by then is collected first."""
    import gc

    gc.collect()
    gc.freeze()


def serve(host: str, port: int, workers: int, options: dict[str, Any]) -> int:
    """Run `workers` server processes until SIGTERM or SIGINT; returns the exit status."""
    spawn = multiprocessing.get_context("spawn")
    stopping = False

    def stop(*_signal) -> None:
        nonlocal stopping
        stopping = True

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    # Bound here first, so a port that is taken stops the server at once with uvicorn's own message, not N times
    listening_socket(host, port).close()

    def start() -> tuple[Any, float]:
        process = spawn.Process(target=_worker, args=(host, port, options), name="kartlegging-server")
        process.start()
        return process, time.monotonic()

    processes = [start() for _ in range(workers)]
    log.info("server processes started", extra={"workers": workers, "pids": [p.pid for p, _ in processes]})
    status = 0
    # Polled with sleep, not a timed wait on a lock: under libfaketime (the test suite's run 400 days ahead) a lock's
    # timeout never came, and a process that died was never replaced
    while not stopping:
        time.sleep(0.5)
        for i, (process, started) in enumerate(processes):
            if process.is_alive():
                continue
            if time.monotonic() - started < STARTUP_SECONDS and process.exitcode not in (0, -signal.SIGKILL):
                log.error("a server process failed to start; stopping", extra={"exitcode": process.exitcode})
                status = 1
                stop()
                break
            log.warning("a server process ended; starting another", extra={"exitcode": process.exitcode})
            processes[i] = start()
    for process, _started in processes:
        if process.is_alive():
            process.terminate()
    for process, _started in processes:
        process.join(30)
        if process.is_alive():
            process.kill()
            process.join()
    return status
