"""Benchmark: a section save (the wizard's autosave) with 20 caseworkers saving at once and 10,000 cases in SQLite.

    .venv/bin/python bench/bench_section_save.py [--clients 20] [--cases 10000] [--requests 150] [--no-write]

Builds a fresh SQLite database (migrations), 10,000 cases with the personas' answers spread over four
municipalities (with an audit entry each), and 20 caseworkers; starts the real server (`main.py serve`, as in
production); logs the caseworkers in; then each of the 20 posts the "Deltaker og sak" section as htmx's autosave
does (the whole section form, one answer changed each time), alternating between two of its own cases, as fast as
the answers come back (no pause between saves: a worst case, 20 requests always in flight). Every save is a real
change, validated, stored, audited and answered with the re-rendered form.

Prints p50/p99 latency and throughput, and writes them with the machine into docs/BENCHMARKS.md under
"Section save (20 concurrent caseworkers, 10,000 cases, SQLite)" (only that section is replaced).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import datetime as dt
import functools
import os
import platform
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from intake.audit import _digest  # noqa: E402
from intake.demo_personas import PERSONAS  # noqa: E402
from intake.domain.questionnaire import default_questionnaire  # noqa: E402
from intake.migrate import upgrade  # noqa: E402
from intake.models import AuditEntry, Case, Organisation, User  # noqa: E402
from intake.security import hash_password  # noqa: E402
from intake.web.forms import to_form  # noqa: E402

HEADING = "Section save (20 concurrent caseworkers, 10,000 cases, SQLite)"
SECTION = "participant"
PASSWORD = "bench-passord"
MUNICIPALITIES = [("Drammen kommune", "3301", "33"), ("Bergen kommune", "4601", "46"),
                  ("Trondheim kommune", "5001", "50"), ("Stavanger kommune", "1103", "11")]
FIRST_NAMES = ["Amal", "Yonas", "Ahmad", "Fatima", "Mariam", "Tesfay", "Omar", "Layla", "Dawit", "Hana"]
LAST_NAMES = ["Hassan", "Tesfamariam", "Rahimi", "Ali", "Haile", "Ahmadi", "Osman", "Karimi", "Bekele", "Noor"]


# -- the database -------------------------------------------------------------------------------------


def build_database(url: str, n_cases: int, n_users: int) -> dict[int, list[int]]:
    """Migrate, then bulk-insert organisations, caseworkers, cases and their audit entries.
    Returns {user id: case ids in that user's organisation}."""
    from sqlalchemy import insert
    from sqlmodel import Session, create_engine, select

    from intake.cases import derived_values

    upgrade(url)
    engine = create_engine(url)
    q = default_questionnaire()
    sections_done = {s.id: {"version": 1, "completed": True} for s in q.sections}
    personas = list(PERSONAS.values())
    deadlines = [derived_values(Case(answers=p, mapping_date=dt.date.today())).get("decision_deadline")
                 for p in personas]
    now = dt.datetime.now(dt.timezone.utc)
    with Session(engine) as db:
        orgs = [Organisation(name=name, kind="municipality", municipality_number=number, county_code=county)
                for name, number, county in MUNICIPALITIES]
        db.add_all(orgs)
        db.flush()
        password_hash = hash_password(PASSWORD)  # one hash for all: argon2 is slow by design
        users = [User(username=f"saksbehandler{i:02d}", full_name=f"Saksbehandler {i:02d}", role="caseworker",
                      organisation_id=orgs[i % len(orgs)].id, password_hash=password_hash) for i in range(n_users)]
        db.add_all(users)
        db.flush()
        rows = []
        for i in range(n_cases):
            k = i % len(personas)
            answers = copy.deepcopy(personas[k])
            name = f"{FIRST_NAMES[i % 10]} {LAST_NAMES[(i // 10) % 10]} {i:05d}"
            answers["participant.name"] = name
            deadline = deadlines[k]
            rows.append(dict(organisation_id=orgs[i % len(orgs)].id, participant_name=name,
                             duf_number=answers.get("participant.duf_number"),
                             decision_deadline=dt.date.fromisoformat(deadline) if deadline else None,
                             answers=answers, drafts={}, sections=sections_done if i % 3 else {}, version=1,
                             status="in_progress", mapping_date=dt.date.today(), created_at=now, updated_at=now,
                             created_by_id=users[i % len(users)].id))
        for start in range(0, len(rows), 1000):
            db.execute(insert(Case), rows[start:start + 1000])
        db.flush()
        cases = db.exec(select(Case.id, Case.organisation_id).order_by(Case.id)).all()
        # An audit log of the size these cases would have left: one "create" entry each, chained.
        prev = ""
        entries = []
        for entry_id, (case_id, org_id) in enumerate(cases, start=1):
            entry = AuditEntry(id=entry_id, at=now, user_id=users[0].id, username=users[0].username,
                               organisation_id=org_id, action="create", object_type="case", object_id=str(case_id))
            entry.prev_hash, entry.hash = prev, _digest(entry, prev)
            prev = entry.hash
            entries.append(entry.model_dump())
        for start in range(0, len(entries), 1000):
            db.execute(insert(AuditEntry), entries[start:start + 1000])
        db.commit()
        by_org: dict[int, list[int]] = {}
        for case_id, org_id in cases:
            by_org.setdefault(org_id, []).append(case_id)
        user_ids = [(u.id, u.organisation_id) for u in users]
    engine.dispose()
    # Each caseworker works on two cases of their own organisation, not shared with the others.
    return {uid: by_org[org_id][(i // len(orgs)) * 2:(i // len(orgs)) * 2 + 2] for i, (uid, org_id) in
            enumerate(user_ids)}


# -- the server ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int, log: Path, workers: int = 1) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "KARTLEGGING_DEMO": "1", "PYTHONUNBUFFERED": "1",
           # the audit anchor (written at shutdown) beside the throwaway database, not in data/
           "KARTLEGGING_AUDIT_ANCHOR_PATH": str(log.parent / "audit-anchor.json")}
    env.pop("KARTLEGGING_TEST_DATABASE_URL", None)
    env.pop("KARTLEGGING_ERASURE_REGISTER_PATH", None)
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "main.py", "serve", "--host", "127.0.0.1", "--port", str(port),
                                 "--workers", str(workers)],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.terminate()
    raise SystemExit(f"server did not answer within 60 s:\n{log.read_text()[-3000:]}")


# -- the caseworkers ----------------------------------------------------------------------------------


class Caseworker:
    def __init__(self, base: str, username: str, case_ids: list[int]):
        self.client = httpx.AsyncClient(base_url=base, timeout=60)
        self.username = username
        self.case_ids = case_ids
        self.csrf = ""
        self.pages: dict[int, dict[str, str]] = {}  # case id -> the page's _version and _form
        self.latencies: list[float] = []
        self.failures = 0

    async def log_in(self) -> None:
        r = await self.client.post("/login", data={"username": self.username, "password": PASSWORD, "next": "/cases"})
        assert r.status_code == 303, f"login of {self.username} answered {r.status_code}"
        for case_id in self.case_ids:
            page = await self.client.get(f"/cases/{case_id}/sections/{SECTION}")
            assert page.status_code == 200, page.status_code
            self.csrf = _hidden(page.text, "_csrf")
            self.pages[case_id] = {"_version": _hidden(page.text, "_version"), "_form": _hidden(page.text, "_form")}

    async def save(self, i: int, measure: bool) -> None:
        case_id = self.case_ids[i % len(self.case_ids)]
        pairs = [(k, f"{v} {i}" if k == "participant.name" else v) for k, v in _section_form(case_id % 3)]  # a change
        pairs += [("_csrf", self.csrf), ("_questions", QUESTION_IDS), ("_action", "autosave"),
                  *self.pages[case_id].items()]
        headers = {"HX-Request": "true", "HX-Request-Type": "partial", "X-CSRF-Token": self.csrf,
                   "Content-Type": "application/x-www-form-urlencoded"}
        start = time.perf_counter()
        r = await self.client.post(f"/cases/{case_id}/sections/{SECTION}", content=urlencode(pairs), headers=headers)
        elapsed = time.perf_counter() - start
        if r.status_code != 200 or "Lagret kl." not in r.text:
            self.failures += 1
            return
        self.pages[case_id]["_version"] = _hidden(r.text, "_version")
        if measure:
            self.latencies.append(elapsed)


@functools.lru_cache(maxsize=3)
def _section_form(persona: int) -> tuple[tuple[str, str], ...]:
    """The section's form fields for a persona, as the browser posts them (built once: the client's own work is kept
    small, since it shares the two CPUs with the server)."""
    answers = PERSONAS[("amal", "yonas", "ahmad")[persona]]
    form = to_form(default_questionnaire().section(SECTION), answers)
    return tuple((k, v) for k, values in form.items() for v in values)


QUESTION_IDS = " ".join(q.id for q in default_questionnaire().section(SECTION).questions)


def _hidden(html: str, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert m, f"no hidden field {name} in the page"
    return m.group(1)


async def run_load(base: str, assignments: dict[str, list[int]], warmup: int, requests: int, pause: float):
    """Three runs, each as (sorted latencies, wall time): one caseworker alone; all at once with no pause between
    saves; all at once with a random pause (mean `pause` seconds) between each one's saves. And the failures."""
    workers = [Caseworker(base, username, ids) for username, ids in assignments.items()]
    await asyncio.gather(*(w.log_in() for w in workers))
    rng = random.Random(2026)

    async def loop(w: Caseworker, count: int, measure: bool, offset: int, mean_pause: float = 0.0):
        for i in range(count):
            if mean_pause:
                await asyncio.sleep(rng.expovariate(1 / mean_pause))
            await w.save(offset + i, measure)

    async def run(group: list[Caseworker], offset: int, mean_pause: float = 0.0):
        for w in group:
            w.latencies = []
        start = time.perf_counter()
        await asyncio.gather(*(loop(w, requests, True, offset, mean_pause) for w in group))
        return sorted(x for w in group for x in w.latencies), time.perf_counter() - start

    await asyncio.gather(*(loop(w, warmup, False, 0) for w in workers))
    alone = await run(workers[:1], warmup)  # the time a save takes when nothing waits in front of it
    together = await run(workers, warmup + requests)
    paced = await run(workers, warmup + 2 * requests, pause)
    for w in workers:
        await w.client.aclose()
    return (alone, together, paced), sum(w.failures for w in workers)


# -- reporting ----------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    k = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        ram = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return (f"{os.cpu_count()} CPUs ({cpu}), {ram} RAM, {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")


def write_markdown(body: str, heading: str = HEADING) -> Path:
    """Replace the section under `heading` in docs/BENCHMARKS.md with `body` (add it at the end if missing)."""
    path = ROOT / "docs" / "BENCHMARKS.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    section = f"## {heading}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--requests", type=int, default=150, help="measured saves per caseworker")
    ap.add_argument("--warmup", type=int, default=10, help="unmeasured saves per caseworker first")
    ap.add_argument("--pause", type=float, default=1.0, help="mean pause (s) between a caseworker's saves, last run")
    ap.add_argument("--workers", type=int, default=1, help="server processes (main.py serve --workers)")
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/BENCHMARKS.md alone")
    ap.add_argument("--keep", action="store_true", help="keep the database and server log (path printed)")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-section-save-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    t0 = time.perf_counter()
    owned = build_database(url, args.cases, args.clients)
    print(f"database: {args.cases} cases, {args.clients} caseworkers in {time.perf_counter() - t0:.1f} s ({tmp})")
    port = free_port()
    server = start_server(url, port, tmp / "server.log", args.workers)
    load_before = os.getloadavg()[0]
    try:
        assignments = {f"saksbehandler{i:02d}": ids for i, ids in enumerate(owned.values())}
        runs, failures = asyncio.run(run_load(f"http://127.0.0.1:{port}", assignments, args.warmup, args.requests,
                                              args.pause))
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    load_after = os.getloadavg()[0]
    if failures or not runs[1][0]:
        print(f"{failures} saves failed; see {tmp / 'server.log'}", file=sys.stderr)
        return 1
    rows = []
    labels = ("1 caseworker alone", f"{args.clients} at once, no pause",
              f"{args.clients} at once, a pause of {args.pause:g} s on average between each one's saves")
    for label, (latencies, wall) in zip(labels, runs):
        ms = [x * 1000 for x in latencies]
        row = dict(label=label, n=len(ms), p50=percentile(ms, 50), p99=percentile(ms, 99), mean=statistics.fmean(ms),
                   max=max(ms), rate=len(ms) / wall)
        rows.append(row)
        print(f"{label}: {row['n']} saves, p50 {row['p50']:.1f} ms, p99 {row['p99']:.1f} ms, mean {row['mean']:.1f} ms, "
              f"max {row['max']:.1f} ms; {row['rate']:.0f} saves/s")
    verdicts = ["met" if r["p50"] < 20 and r["p99"] < 100 else "NOT met" for r in rows]
    print(f"target (p50 < 20 ms, p99 < 100 ms): {verdicts[2]} with pauses (no pause, a stress figure: {verdicts[1]})")
    print(f"load average: {load_before:.1f} before, {load_after:.1f} after (other work on the machine slows every figure)")
    if not args.no_write:
        table = "\n".join(f"| {r['label']} | {r['n']} | {r['p50']:.1f} ms | {r['p99']:.1f} ms | {r['mean']:.1f} ms | "
                          f"{r['max']:.1f} ms | {r['rate']:.0f} saves/s |" for r in rows)
        body = f"""
Run with `.venv/bin/python bench/bench_section_save.py` on {dt.date.today().isoformat()}.

- Machine: {machine()}. Load average {load_before:.1f} at the start and {load_after:.1f} at the end of the run
  (other work on the machine at the same time slows every figure below).
- Set-up: a fresh SQLite database (WAL) with {args.cases:,} cases (the personas' answers, four municipalities)
  and {args.cases:,} audit entries; the real server (`main.py serve --workers {args.workers}`: {args.workers} uvicorn process{'es' if args.workers > 1 else ''}); {args.clients}
  caseworkers logged in, each saving the "Deltaker og sak" section as the autosave does (whole section form, one
  answer changed, htmx headers), alternating between two of its own cases. {args.warmup} unmeasured saves each
  first; then {args.requests} saves by one caseworker alone; then {args.requests} each by all {args.clients} at
  once with no pause between saves ({args.clients} requests always in flight: the worst case); then
  {args.requests} each by all {args.clients} with a random pause (exponential, mean {args.pause:g} s) before each
  save, still far more saves than {args.clients} people typing make. Latency is measured at the client, from
  sending the request to having the whole response.
- Every save validates the section, stores it with its row-version guard, writes its audit entry (one "update",
  chained by hash) and returns the re-rendered form.

| | saves | p50 | p99 | mean | max | throughput |
|---|---|---|---|---|---|---|
{table}

Target (p50 under 20 ms, p99 under 100 ms at {args.clients} caseworkers working at once): **{verdicts[2]}**
(with pauses). With no pause at all (the stress figure): {verdicts[1]}.

Reading it: each server process runs one request's Python at a time (its thread pool shares one interpreter), so
it works on one save at a time; {args.workers} process{'es share' if args.workers > 1 else ' takes'} the saves. With {args.clients} saves always in
flight each waits for the others: the p50 is about {args.clients}/{args.workers} times the time alone, and no save
that does real work could meet the target that way (it is a stress figure, not a working day). With pauses, a save
mostly finds a process free and takes about its time alone: the target is read against that run, the
{args.clients} caseworkers working at once.
"""
        print(f"written to {write_markdown(body)}")
    if not args.keep:
        for p in sorted(tmp.glob("*"), reverse=True):
            p.unlink()
        tmp.rmdir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
