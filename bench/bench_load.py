"""Load test: 50 simulated caseworkers for 2 minutes against one server on this machine (SQLite, loopback only).

    .venv/bin/python bench/bench_load.py [--caseworkers 50] [--seconds 120] [--cases 2000] [--think 0.5] [--no-write]

Builds a fresh SQLite database (migrations; the personas' answers in --cases cases over four municipalities, as
bench_section_save.py does), starts the real server (`main.py serve`), logs every caseworker in, then each of them,
until the time is up (and never more than --max-actions times), does what a caseworker does, with a random pause of
0 to 2 x --think seconds between actions:

    30 %  open a section of one of their cases          10 %  list the organisation's cases
    40 %  autosave a section (htmx, a real change)       10 %  search the cases by name
                                                         10 %  open the check-answers page

Every answer must be 200 (errors counts anything else, and failed connections). Afterwards the server is stopped and
the database read directly: every save a caseworker saw acknowledged must be there (the case holds the last
acknowledged value, and the audit log has an update entry for each acknowledged save): saves lost must be 0.

Prints requests per second, p50 and p99 latency per kind and overall, errors and saves lost, and writes them with the
machine into docs/BENCHMARKS.md under "Load test (50 caseworkers, 2 minutes)" (only that section is replaced).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# The database, the server and the machine line are made exactly as for the section-save benchmark.
from bench_section_save import (PASSWORD, build_database, free_port, machine, percentile,  # noqa: E402
                                start_server, write_markdown)

from intake.demo_personas import PERSONAS  # noqa: E402
from intake.domain.questionnaire import default_questionnaire  # noqa: E402
from intake.web.forms import to_form  # noqa: E402

HEADING = "Load test (50 caseworkers, 2 minutes)"
SAVE_SECTION = "goals"
SAVE_FIELD = "goals.short_term"
Q = default_questionnaire()
SECTIONS = [s.id for s in Q.sections]
SEARCH_TERMS = ["Hassan", "Amal", "Rahimi", "Tesf", "Noor", "Omar"]
MIX = [("section", 30), ("save", 40), ("list", 10), ("search", 10), ("check", 10)]


def _hidden(html: str, name: str) -> str | None:
    m = re.search(rf'name="{name}" value="([^"]*)"', html)
    return m.group(1) if m else None


class Caseworker:
    def __init__(self, base: str, username: str, case_ids: list[int], rng: random.Random):
        self.client = httpx.AsyncClient(base_url=base, timeout=60)
        self.username, self.case_ids, self.rng = username, case_ids, rng
        self.csrf = ""
        self.versions: dict[int, str] = {}
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter[str] = Counter()
        self.acked: dict[int, list[str]] = defaultdict(list)  # case -> values acknowledged, in order

    async def log_in(self) -> None:
        r = await self.client.post("/login", data={"username": self.username, "password": PASSWORD, "next": "/cases"})
        assert r.status_code == 303, f"login of {self.username} answered {r.status_code}"
        for case_id in self.case_ids:
            page = await self.client.get(f"/cases/{case_id}/sections/{SAVE_SECTION}")
            assert page.status_code == 200, page.status_code
            self.csrf = _hidden(page.text, "_csrf") or ""
            self.versions[case_id] = _hidden(page.text, "_version") or ""

    async def _timed(self, kind: str, request) -> httpx.Response | None:
        start = time.perf_counter()
        try:
            r = await request
        except httpx.HTTPError as exc:
            self.errors[f"{kind}: {type(exc).__name__}"] += 1
            return None
        elapsed = time.perf_counter() - start
        if r.status_code != 200:
            self.errors[f"{kind}: {r.status_code}"] += 1
            return None
        self.latencies[kind].append(elapsed)
        return r

    async def act(self, kind: str, n: int) -> None:
        case_id = self.rng.choice(self.case_ids)
        c = self.client
        if kind == "list":
            await self._timed(kind, c.get("/cases"))
        elif kind == "search":
            # posted, as the case list's form does (#12 item 12: the term is in no address)
            await self._timed(kind, c.post("/cases", data={"_csrf": self.csrf, "q": self.rng.choice(SEARCH_TERMS)}))
        elif kind == "check":
            await self._timed(kind, c.get(f"/cases/{case_id}/check"))
        elif kind == "section":
            r = await self._timed(kind, c.get(f"/cases/{case_id}/sections/{self.rng.choice(SECTIONS)}"))
            if r is not None and f"/sections/{SAVE_SECTION}" in str(r.url):
                self.versions[case_id] = _hidden(r.text, "_version") or self.versions[case_id]
        else:
            value = f"Mål {self.username} nr. {n}"
            answers = copy.deepcopy(PERSONAS[("amal", "yonas", "ahmad")[case_id % 3]])
            answers[SAVE_FIELD] = value
            form = to_form(Q.section(SAVE_SECTION), answers)
            pairs = [(k, v) for k, values in form.items() for v in values]
            pairs += [("_csrf", self.csrf), ("_action", "autosave"), ("_version", self.versions[case_id]),
                      ("_questions", " ".join(q.id for q in Q.section(SAVE_SECTION).questions))]
            headers = {"HX-Request": "true", "HX-Request-Type": "partial", "X-CSRF-Token": self.csrf,
                       "Content-Type": "application/x-www-form-urlencoded"}
            r = await self._timed(kind, c.post(f"/cases/{case_id}/sections/{SAVE_SECTION}", content=urlencode(pairs),
                                               headers=headers))
            if r is not None:
                self.acked[case_id].append(value)
                self.versions[case_id] = _hidden(r.text, "_version") or self.versions[case_id]

    async def run(self, until: float, think: float, max_actions: int) -> None:
        kinds, weights = zip(*MIX)
        for n in range(max_actions):
            if time.perf_counter() >= until:
                break
            await self.act(self.rng.choices(kinds, weights)[0], n)
            await asyncio.sleep(self.rng.uniform(0, 2 * think))


async def run_load(base: str, assignments: dict[str, list[int]], seconds: float, think: float, max_actions: int,
                   seed: int):
    workers = [Caseworker(base, u, ids, random.Random(seed + i)) for i, (u, ids) in enumerate(assignments.items())]
    for w in workers:  # one at a time: logging in is slow on purpose (Argon2), and not what is measured
        await w.log_in()
    start = time.perf_counter()
    await asyncio.gather(*(w.run(start + seconds, think, max_actions) for w in workers))
    wall = time.perf_counter() - start
    for w in workers:
        await w.client.aclose()
    return workers, wall


def saves_lost(url: str, workers: list[Caseworker]) -> tuple[int, int]:
    """(acknowledged saves, those missing from the database) after the run."""
    from sqlalchemy import func
    from sqlmodel import Session, create_engine, select

    from intake.models import AuditEntry, Case

    engine = create_engine(url)
    acked = lost = 0
    with Session(engine) as db:
        for w in workers:
            for case_id, values in w.acked.items():
                acked += len(values)
                case = db.get(Case, case_id)
                if case is None or case.answers.get(SAVE_FIELD) != values[-1]:
                    lost += 1
                updates = db.exec(select(func.count()).select_from(AuditEntry).where(
                    AuditEntry.object_type == "case", AuditEntry.object_id == str(case_id),
                    AuditEntry.action == "update")).one()
                lost += max(0, len(values) - updates)
    engine.dispose()
    return acked, lost


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--caseworkers", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--think", type=float, default=0.5, help="mean pause between a caseworker's actions, seconds")
    ap.add_argument("--max-actions", type=int, default=5000, help="bound on each caseworker's actions")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1, help="server processes (main.py serve --workers)")
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/BENCHMARKS.md alone")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    owned = build_database(url, args.cases, args.caseworkers)
    assignments = {f"saksbehandler{i:02d}": ids for i, ids in enumerate(owned.values())}
    load_before = os.getloadavg()[0]  # other work on the machine shows in the figures: say how much there was
    port = free_port()
    server = start_server(url, port, tmp / "server.log", args.workers)
    try:
        workers, wall = asyncio.run(run_load(f"http://127.0.0.1:{port}", assignments, args.seconds,
                                             args.think, args.max_actions, args.seed))
    finally:
        server.terminate()
        server.wait(timeout=60)
    acked, lost = saves_lost(url, workers)

    by_kind: dict[str, list[float]] = defaultdict(list)
    for w in workers:
        for kind, values in w.latencies.items():
            by_kind[kind].extend(values)
    every = sorted(x for values in by_kind.values() for x in values)
    errors = sum((w.errors for w in workers), Counter())
    total = len(every) + sum(errors.values())
    rows = []
    for kind, _ in MIX + [("all", 0)]:
        values = sorted(by_kind[kind]) if kind != "all" else every
        if values:
            rows.append(f"| {kind} | {len(values)} | {len(values) / wall:.1f} | {percentile(values, 50) * 1000:.0f} "
                        f"| {percentile(values, 99) * 1000:.0f} |")
    body = f"""`bench/bench_load.py` (run once, {time.strftime('%Y-%m-%d')}): {args.caseworkers} caseworkers, each with
two cases of their own among {args.cases} in four municipalities, for {args.seconds:.0f} s against one `main.py serve`
(`--workers {args.workers}`: {args.workers} server process{'es' if args.workers > 1 else ''}) over loopback, with a random pause of 0–{2 * args.think:g} s between actions. SQLite.

Machine: {machine()}. Load average when the run started: {load_before:.1f}.

| request | count | per second | p50 ms | p99 ms |
|---|---:|---:|---:|---:|
{chr(10).join(rows)}

- Requests: {total} in {wall:.1f} s: **{total / wall:.1f} requests per second**, p50 {percentile(every, 50) * 1000:.0f} ms,
  p99 {percentile(every, 99) * 1000:.0f} ms.
- Errors: **{sum(errors.values())}**{(' (' + ', '.join(f'{k}: {v}' for k, v in errors.most_common()) + ')') if errors else ''}.
- Saves acknowledged: {acked}; saves lost: **{lost}** (checked in the database after the run: the last acknowledged
  value of every case, and an audit entry for every acknowledged save).
"""
    print(body)
    if not args.no_write:
        print(f"written to {write_markdown(body, HEADING)}")
    return 0 if not errors and lost == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
