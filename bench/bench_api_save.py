"""Benchmark: the server CPU a section save through `PATCH /api/v1/cases/{id}/answers` costs, beside a bare endpoint.

    .venv/bin/python bench/bench_api_save.py [--clients 20] [--requests 100] [--cases 10000] [--rounds 3]
                                             [--profile FILE] [--no-write]

In one run, on one fresh SQLite database with 10,000 cases (bench/bench_section_save.py builds it) and one API token
per caseworker:

1. The app (`main.py serve --workers 1`): 20 clients, each saving the "Deltaker og sak" section's answers of two of
   its own cases in turn (the section's answers as JSON, the name changed each time: a real change), with
   `If-Match`, as fast as the answers come back. The server process's CPU time (utime + stime from /proc) over the
   measured saves, divided by their number, is the CPU a save costs; wall time is reported too but is noisy on a
   shared machine. Measured `--rounds` times on the same server; the median run counts.
2. The bare endpoint (bench/bare_save_app.py under uvicorn, one process): the same clients post the same JSON, merged
   into one SQLite row each. Same measurement. The ratios of throughput and of CPU per save are printed.
3. The app as deployed on this machine (`main.py serve`, one worker per CPU): 20 clients, no pause: p50/p99.

The clients are a few lines of asyncio speaking HTTP/1.1 with keep-alive (no HTTP library), so that they take as
little of the shared CPUs as they can. The load average is printed with every figure: other work on the machine
slows the wall-clock figures (not much the CPU ones).

`--profile FILE` samples the app's server process with py-spy (install it into .venv only for this:
`.tools/uv/bin/uv pip install --python .venv/bin/python py-spy`) during step 1 and writes a speedscope file (FILE
ending in .json) or collapsed stacks (any other name: one line per stack, for grep and flame graphs).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_section_save import build_database, free_port, machine, percentile, write_markdown  # noqa: E402

from intake.demo_personas import PERSONAS  # noqa: E402
from intake.domain.questionnaire import default_questionnaire  # noqa: E402

HEADING = "Section save through the API: server CPU per save, beside a bare endpoint"
SECTION = "participant"
TICKS = os.sysconf("SC_CLK_TCK")


# -- the servers -------------------------------------------------------------------------------------


def tokens_for(url: str) -> list[str]:
    """One API token per caseworker, in the order of their user names."""
    from sqlmodel import Session, create_engine, select

    from intake.models import User
    from intake.security import create_api_token

    engine = create_engine(url)
    with Session(engine) as db:
        users = db.exec(select(User).where(User.role == "caseworker").order_by(User.username)).all()
        tokens = [create_api_token(db, u) for u in users]
    engine.dispose()
    return tokens


def wait_for(proc: subprocess.Popen, port: int, path: str, log: Path) -> None:
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            httpx.get(f"http://127.0.0.1:{port}{path}", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit(f"server did not answer within 120 s:\n{log.read_text()[-3000:]}")


def start_app(url: str, port: int, log: Path, workers: int, pdf_warmup: bool = False) -> subprocess.Popen:
    """The app's server. Without `pdf_warmup` its PDF worker starts only at a first PDF: warming it up (WeasyPrint's
    import, the fonts, a first layout) takes a few seconds of CPU per server process, which fell on the first seconds
    of the measured saves."""
    env = {**os.environ, "DATABASE_URL": url, "KARTLEGGING_DEMO": "1", "PYTHONUNBUFFERED": "1",
           "KARTLEGGING_PDF_WARMUP": "1" if pdf_warmup else "0",
           "KARTLEGGING_AUDIT_ANCHOR_PATH": str(log.parent / "audit-anchor.json"),
           "KARTLEGGING_ERASURE_REGISTER_PATH": str(log.parent / "erasures.json")}
    for name in ("KARTLEGGING_TEST_DATABASE_URL", "PROMETHEUS_MULTIPROC_DIR", "KARTLEGGING_WORKERS"):
        env.pop(name, None)
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "main.py", "serve", "--host", "127.0.0.1", "--port", str(port),
                                 "--workers", str(workers)],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    wait_for(proc, port, "/healthz", log)
    return proc


def start_bare(path: Path, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE": str(path), "PYTHONPATH": str(ROOT)}
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "bench.bare_save_app:app", "--host", "127.0.0.1",
                                 "--port", str(port), "--no-access-log", "--log-level", "warning"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    wait_for(proc, port, "/docs", log)
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def server_processes(pid: int) -> list[int]:
    """The server's processes: `serve` and its uvicorn workers (its children), not their PDF workers (which warm up
    as they start, and render no PDF here)."""
    pids = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            pids += [int(child) for child in (task / "children").read_text().split()]
    except OSError:
        pass
    return pids


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes (their threads included), in seconds."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


# -- the clients ---------------------------------------------------------------------------------------


class Client:
    """One keep-alive HTTP/1.1 connection, as little client work per request as can be."""

    def __init__(self, port: int, token: str | None, case_ids: list[int], app: bool):
        self.port, self.token, self.case_ids, self.app = port, token, case_ids, app
        self.versions: dict[int, str] = {}
        self.latencies: list[float] = []
        self.failures: list[str] = []

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def request(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None):
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", f"Content-Length: {len(body)}"]
        if body:
            lines.append("Content-Type: application/json")
        if self.token:
            lines.append(f"Authorization: Bearer {self.token}")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        data = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        self.writer.write(data)
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):  # the server closed a connection left idle: again
            self.writer.close()
            await self.connect()
            self.writer.write(data)
            head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        got = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines if h)}
        payload = await self.reader.readexactly(int(got.get("content-length", "0")))
        return int(status_line.split()[1]), got, payload

    async def save(self, i: int, measure: bool) -> None:
        case_id = self.case_ids[i % len(self.case_ids)]
        body = section_body(case_id, i)
        headers = {}
        path = f"/cases/{case_id}/answers"
        if self.app:
            path = "/api/v1" + path
            if case_id not in self.versions:
                status, got, _ = await self.request("GET", f"/api/v1/cases/{case_id}")
                assert status == 200, status
                self.versions[case_id] = got["etag"]
            headers["If-Match"] = self.versions[case_id]
        start = time.perf_counter()
        status, got, payload = await self.request("PATCH", path, body, headers)
        elapsed = time.perf_counter() - start
        if status != 200:
            self.failures.append(f"{status} {payload[:300]!r}")
            return
        if self.app:
            self.versions[case_id] = got["etag"]
        if measure:
            self.latencies.append(elapsed)


def section_answers() -> dict[int, dict]:
    q = default_questionnaire().section(SECTION)
    ids = {question.id for question in q.questions}
    return {k: {qid: v for qid, v in persona.items() if qid in ids}
            for k, persona in enumerate(PERSONAS[name] for name in ("amal", "yonas", "ahmad"))}


ANSWERS = section_answers()


def section_body(case_id: int, i: int) -> bytes:
    """The section's answers of the persona the case was built from, the name changed (a real change each time)."""
    answers = dict(ANSWERS[case_id % 3])
    answers["participant.name"] = f"{answers['participant.name']} {i}"
    return json.dumps({"answers": answers}).encode()


async def drive(port: int, tokens: list[str | None], owned: list[list[int]], warmup: int, requests: int, app: bool,
                pids_of=None):
    """Warm-up saves (unmeasured), then `requests` saves per client with no pause. Returns the sorted latencies, the
    wall time, the server CPU seconds over the measured saves, the load average before and after, the failures."""
    clients = [Client(port, token, ids, app) for token, ids in zip(tokens, owned)]
    await asyncio.gather(*(c.connect() for c in clients))

    async def loop(c: Client, count: int, offset: int, measure: bool):
        for i in range(count):
            await c.save(offset + i, measure)

    await asyncio.gather(*(loop(c, warmup, 0, False) for c in clients))
    pids = pids_of()
    load_before = os.getloadavg()[0]
    cpu_before, start = cpu_seconds(pids), time.perf_counter()
    await asyncio.gather(*(loop(c, requests, warmup, True) for c in clients))
    wall, cpu = time.perf_counter() - start, cpu_seconds(pids) - cpu_before
    for c in clients:
        c.writer.close()
    latencies = sorted(x for c in clients for x in c.latencies)
    return dict(latencies=latencies, wall=wall, cpu=cpu, load=(load_before, os.getloadavg()[0]),
                failures=[f for c in clients for f in c.failures])


def median_run(rows: list[dict]) -> dict:
    """The run whose CPU per save is the median (the lower middle one of an even number)."""
    return sorted(rows, key=lambda r: r["cpu_ms"])[(len(rows) - 1) // 2]


def summary(label: str, run: dict) -> dict:
    ms = [x * 1000 for x in run["latencies"]]
    n = len(ms)
    row = dict(label=label, n=n, rate=n / run["wall"], cpu_ms=run["cpu"] * 1000 / n, p50=percentile(ms, 50),
               p99=percentile(ms, 99), mean=statistics.fmean(ms), load=run["load"])
    print(f"{label}: {n} saves, {row['rate']:.0f} saves/s, server CPU {row['cpu_ms']:.2f} ms/save, p50 "
          f"{row['p50']:.1f} ms, p99 {row['p99']:.1f} ms; load average {row['load'][0]:.1f} → {row['load'][1]:.1f}")
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--requests", type=int, default=100, help="measured saves per client")
    ap.add_argument("--warmup", type=int, default=10, help="unmeasured saves per client first")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="server processes for the latency run (default: one per CPU, as `serve` does)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="measured runs of each one-process server, one after the other (the median counts)")
    ap.add_argument("--profile", type=Path, help="sample the app's server with py-spy during the CPU runs")
    ap.add_argument("--skip-latency", action="store_true", help="only the CPU runs")
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/BENCHMARKS.md alone")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-api-save-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    t0 = time.perf_counter()
    owned = list(build_database(url, args.cases, args.clients).values())
    tokens = tokens_for(url)
    print(f"database: {args.cases} cases, {args.clients} caseworkers in {time.perf_counter() - t0:.1f} s ({tmp})")
    from bare_save_app import create
    create(str(tmp / "bare.db"), max(i for ids in owned for i in ids))
    rows, failures = [], []
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    try:
        port = free_port()
        server = start_app(url, port, tmp / "app.log", 1)
        spy = None
        try:
            if args.profile:
                spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(server.pid),
                                        "-f", "speedscope" if args.profile.suffix == ".json" else "raw",
                                        "-o", str(args.profile), "-r", "200"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            runs = [asyncio.run(drive(port, tokens, owned, args.warmup, args.requests, True, lambda: [server.pid]))
                    for _ in range(args.rounds)]
        finally:
            if spy:
                spy.send_signal(2)
                spy.wait(timeout=60)
            stop(server)
        failures += [f for run in runs for f in run["failures"]]
        app_rows = [summary(f"the app, 1 process, run {i + 1}", run) for i, run in enumerate(runs)]
        port = free_port()
        bare = start_bare(tmp / "bare.db", port, tmp / "bare.log")
        try:
            runs = [asyncio.run(drive(port, [None] * len(owned), owned, args.warmup, args.requests, False,
                                      lambda: [bare.pid])) for _ in range(args.rounds)]
        finally:
            stop(bare)
        failures += [f for run in runs for f in run["failures"]]
        bare_rows = [summary(f"bare endpoint, 1 process, run {i + 1}", run) for i, run in enumerate(runs)]
        app_row, bare_row = median_run(app_rows), median_run(bare_rows)
        rows += app_rows + bare_rows
        throughput_ratio = app_row["rate"] / bare_row["rate"]
        cpu_ratio = bare_row["cpu_ms"] / app_row["cpu_ms"]
        print(f"ratio: the app's throughput is {throughput_ratio:.2f} of the bare endpoint's (target ≥ 0.25); "
              f"by CPU per save {cpu_ratio:.2f}; CPU per save {app_row['cpu_ms']:.2f} ms (target ≤ 1.5 ms)")
        if not args.skip_latency:
            port = free_port()
            server = start_app(url, port, tmp / "app-workers.log", args.workers)
            try:
                run = asyncio.run(drive(port, tokens, owned, args.warmup, args.requests, True,
                                        lambda: server_processes(server.pid)))
            finally:
                stop(server)
            failures += run["failures"]
            rows.append(summary(f"the app, {args.workers} processes", run))
    finally:
        if failures:
            print(f"{len(failures)} saves failed, e.g. {failures[0]}; see {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        return 1
    if not args.no_write:
        table = "\n".join(f"| {r['label']} | {r['n']} | {r['rate']:.0f}/s | {r['cpu_ms']:.2f} ms | {r['p50']:.1f} ms "
                          f"| {r['p99']:.1f} ms | {r['load'][0]:.1f} → {r['load'][1]:.1f} |" for r in rows)
        latency = rows[2 * args.rounds] if len(rows) > 2 * args.rounds else None
        body = f"""
Run with `.venv/bin/python bench/bench_api_save.py` on {dt.date.today().isoformat()} (commit {commit}).

- Machine: {machine()}.
- {args.clients} API clients (one token each), each saving the "Deltaker og sak" section's answers (JSON, with
  `If-Match`, the name changed each time) of two of its own cases in turn, {args.requests} measured saves each after
  {args.warmup} unmeasured, no pause between saves; 10,000 cases in SQLite. Server CPU is the server process's
  utime + stime (/proc) over the measured saves, divided by their number; latency is measured at the client.
- The bare endpoint (bench/bare_save_app.py): FastAPI under uvicorn merging the same JSON into one SQLite row, nothing
  else, driven the same way in the same run.
- Each one-process server is measured {args.rounds} times in a row (the same server, fresh connections); the figures
  below the table are the median run's, by CPU per save. On this shared machine they vary by up to a quarter from
  one run to the next and from one hour to the next, the bare endpoint's with them: read the two side by side.

| server | saves | throughput | server CPU per save | p50 | p99 | load average (start → end) |
|---|---:|---:|---:|---:|---:|---|
{table}

- CPU per save: **{app_row['cpu_ms']:.2f} ms** (target at most 1.5 ms: {'met' if app_row['cpu_ms'] <= 1.5 else 'NOT met'}).
- Throughput against the bare endpoint: **{throughput_ratio:.2f}** (by CPU per save {cpu_ratio:.2f}; target at least
  0.25: {'met' if throughput_ratio >= 0.25 else 'NOT met'}).
""" + (f"""- p99 at {args.clients} clients with no pause, {args.workers} processes: **{latency['p99']:.1f} ms** (target under
  100 ms: {'met' if latency['p99'] < 100 else 'NOT met'}).
""" if latency else "")
        print(f"written to {write_markdown(body, HEADING)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
