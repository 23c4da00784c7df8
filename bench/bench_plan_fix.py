"""Benchmark: "Fastsett plan" (fixing a plan, its PDF rendered) alone, and twenty at once beside caseworkers saving.

    .venv/bin/python bench/bench_plan_fix.py [--fixers 20] [--alone 20] [--savers 20] [--no-write]

One fresh SQLite database (bench/bench_section_save.py's 10,000 cases and 20 caseworkers with an API token each), and
`--alone + --fixers` completed mappings with a plan ready to fix (Amal's answers, every proposal accepted, the
settings filled in), each caseworker fixing plans logged in through the login form. The real server (`main.py serve`,
one worker per CPU, each with its warm PDF worker process) then sees:

1. One caseworker fixing `--alone` plans one after the other: the time from posting "Fastsett plan" to its answer
   (the version stored, its PDF rendered and kept): p50/p95 (target: p95 under 1.5 s).
2. `--savers` API clients saving a section with no pause (bench/bench_api_save.py's clients) for a few seconds: their
   p50/p99 (the baseline);
3. the same savers while `--fixers` caseworkers post "Fastsett plan" at the same moment: the savers' p50/p99 over
   the time the fixing takes (target: p99 under 100 ms, as without the fixing), and how long the fixers waited.

The load average is printed with every figure: other work on the machine slows all of them.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("KARTLEGGING_DEMO", "1")  # the personas' synthetic national ids, as the bench's server runs

from bench_api_save import Client, start_app, stop, tokens_for  # noqa: E402
from bench_section_save import PASSWORD, build_database, free_port, machine, percentile, write_markdown  # noqa: E402

HEADING = "Fixing plans (the PDF included), alone and twenty at once beside saves"
FIX_REASONS = {"late_reason": "Deltakeren var syk i hele oktober.",
               "before_guidance_reason": "Karrieresenteret har ventetid; planen justeres etter veiledningen.",
               "work_minimum_reason": "Deltakeren har fått fast deltidsjobb som teller som arbeid ved siden av."}


def ready_plans(url: str, count: int, fixers: int) -> list[tuple[str, list[int]]]:
    """`fixers` caseworkers in the first municipality, and `count` completed cases with a plan ready to fix, dealt
    out to them in turn. Returns [(user name, case ids)]."""
    os.environ["DATABASE_URL"] = url
    from sqlmodel import Session, create_engine, select

    from intake import plans
    from intake.cases import complete_mapping, create_case
    from intake.demo_personas import PERSONAS
    from intake.models import Organisation, User
    from intake.security import hash_password

    engine = create_engine(url)
    out = []
    with Session(engine, expire_on_commit=False) as db:
        org = db.exec(select(Organisation).order_by(Organisation.id)).first()
        users = [User(username=f"planlegger{i:02d}", full_name=f"Planlegger {i:02d}", role="caseworker",
                      phone="32 00 00 00",
                      organisation_id=org.id, password_hash=hash_password(PASSWORD)) for i in range(fixers)]
        db.add_all(users)
        db.commit()
        owned: dict[str, list[int]] = {u.username: [] for u in users}
        for i in range(count):
            user = users[i % fixers]
            case, errors = create_case(db, user, dict(PERSONAS["amal"]))
            assert not errors, errors
            assert complete_mapping(db, user, case) == []
            plan, errors = plans.create_plan(db, user, case)
            assert not errors, errors
            for element in plans.elements_of(db, plan):
                assert plans.decide(db, user, plan, element.id, plans.ACCEPTED) == []
            saved = plans.save_settings(db, user, case, plan, {
                "start_date": (dt.date.today() + dt.timedelta(days=30)).isoformat(), "norwegian_hours": "550",
                "extension_justification": "Trenger tid til B2 i norsk."}, plan.version)
            assert saved.errors == [], saved.errors
            owned[user.username].append(case.id)
        out = list(owned.items())
    engine.dispose()
    return out


class Fixer:
    def __init__(self, base: str, username: str, case_ids: list[int]):
        self.client = httpx.AsyncClient(base_url=base, timeout=300)
        self.username, self.case_ids = username, list(case_ids)
        self.times: list[float] = []

    async def log_in(self) -> None:
        r = await self.client.post("/login", data={"username": self.username, "password": PASSWORD, "next": "/cases"})
        assert r.status_code == 303, r.status_code

    async def form(self, case_id: int) -> dict[str, str]:
        page = await self.client.get(f"/cases/{case_id}/plan")
        assert page.status_code == 200, page.status_code
        form = page.text[page.text.index('id="fix-form"'):]
        hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form[:form.index("</form>")]))
        return hidden | FIX_REASONS

    async def fix(self, case_id: int, form: dict[str, str]) -> None:
        start = time.perf_counter()
        r = await self.client.post(f"/cases/{case_id}/plan/fix", data=form)
        elapsed = time.perf_counter() - start
        if r.status_code != 303 or "fixed=" not in r.headers.get("location", ""):
            problems = re.findall(r'class="error-text">([^<]+)<', r.text)[:5]
            raise SystemExit(f"fixing plan of case {case_id} answered {r.status_code}: {problems}")
        self.times.append(elapsed)


async def run(base: str, port: int, tokens, owned, fixers_owned, alone: int, fixers: int, seconds: float):
    result = {}
    # 1. One caseworker fixing plans one after the other.
    first = Fixer(base, *fixers_owned[0])
    await first.log_in()
    load = os.getloadavg()[0]
    for case_id in first.case_ids[:alone]:
        await first.fix(case_id, await first.form(case_id))
    result["alone"] = (sorted(first.times), (load, os.getloadavg()[0]))
    await first.client.aclose()

    savers = [Client(port, token, ids, True) for token, ids in zip(tokens, owned)]
    await asyncio.gather(*(c.connect() for c in savers))
    stop_saving = asyncio.Event()

    async def save_until(c: Client, offset: int):
        i = 0
        while not stop_saving.is_set():
            await c.save(offset + i, True)
            i += 1

    async def saving(offset: int, during):
        for c in savers:
            c.latencies = []
        stop_saving.clear()
        load = os.getloadavg()[0]
        tasks = [asyncio.create_task(save_until(c, offset)) for c in savers]
        extra = await during()
        stop_saving.set()
        await asyncio.gather(*tasks)
        return sorted(x for c in savers for x in c.latencies), (load, os.getloadavg()[0]), extra

    for c in savers:  # warm-up
        for i in range(5):
            await c.save(i, False)
    # 2. The savers alone (the baseline).
    result["baseline"] = await saving(100, lambda: asyncio.sleep(seconds))

    # 3. The savers while the fixers all post "Fastsett plan" at the same moment (each its own plan).
    group = [Fixer(base, *owned_) for owned_ in fixers_owned[:fixers]]
    await asyncio.gather(*(f.log_in() for f in group))
    forms = await asyncio.gather(*(f.form(f.case_ids[-1]) for f in group))

    async def fixing():
        await asyncio.sleep(1.0)  # the savers under way first
        start = time.perf_counter()
        await asyncio.gather(*(f.fix(f.case_ids[-1], form) for f, form in zip(group, forms)))
        return time.perf_counter() - start, sorted(t for f in group for t in f.times)

    result["with_fixing"] = await saving(100_000, fixing)
    for f in group:
        await f.client.aclose()
    for c in savers:
        c.writer.close()
    if any(c.failures for c in savers):
        raise SystemExit(f"saves failed: {[c.failures[:1] for c in savers if c.failures][:3]}")
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fixers", type=int, default=20)
    ap.add_argument("--alone", type=int, default=20, help="plans fixed one after the other")
    ap.add_argument("--savers", type=int, default=20)
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--seconds", type=float, default=10.0, help="length of the savers' baseline run")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-plan-fix-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    t0 = time.perf_counter()
    owned = list(build_database(url, args.cases, args.savers).values())
    tokens = tokens_for(url)
    # the plans: the first fixer's `alone` one after the other, then one more for each fixer
    fixers_owned = ready_plans(url, args.alone + args.fixers, args.fixers)
    first_name, first_ids = fixers_owned[0]
    print(f"database ready in {time.perf_counter() - t0:.0f} s ({tmp})")
    # the first fixer fixes `alone` plans; every fixer keeps its last plan for the simultaneous run
    extra = [ids[-1] for _, ids in fixers_owned]
    pool = [i for _, ids in fixers_owned for i in ids if i not in extra]
    fixers_owned[0] = (first_name, pool[:args.alone] + [first_ids[-1]])
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    port = free_port()
    server = start_app(url, port, tmp / "app.log", args.workers, pdf_warmup=True)
    try:
        time.sleep(5)  # the PDF workers warm up as the server starts
        result = asyncio.run(run(f"http://127.0.0.1:{port}", port, tokens, owned, fixers_owned, args.alone,
                                 args.fixers, args.seconds))
    finally:
        stop(server)
    shutil.rmtree(tmp, ignore_errors=True)

    alone, alone_load = result["alone"]
    ms = lambda xs: [x * 1000 for x in xs]  # noqa: E731
    lines = [f"| one caseworker fixing {len(alone)} plans one after the other | fix | {len(alone)} | "
             f"{percentile(ms(alone), 50):.0f} ms | {percentile(ms(alone), 95):.0f} ms (p95) | "
             f"{alone_load[0]:.1f} → {alone_load[1]:.1f} |"]
    print(lines[-1])
    base, base_load, _ = result["baseline"]
    lines.append(f"| {args.savers} clients saving, no pause ({args.seconds:g} s) | save | {len(base)} | "
                 f"{percentile(ms(base), 50):.1f} ms | {percentile(ms(base), 99):.1f} ms (p99) | "
                 f"{base_load[0]:.1f} → {base_load[1]:.1f} |")
    print(lines[-1])
    during, during_load, (fix_wall, fix_times) = result["with_fixing"]
    lines.append(f"| the same, while {args.fixers} caseworkers fix a plan at the same moment | save | {len(during)} | "
                 f"{percentile(ms(during), 50):.1f} ms | {percentile(ms(during), 99):.1f} ms (p99) | "
                 f"{during_load[0]:.1f} → {during_load[1]:.1f} |")
    print(lines[-1])
    lines.append(f"| the {args.fixers} fixing at the same moment | fix | {len(fix_times)} | "
                 f"{percentile(ms(fix_times), 50):.0f} ms | {percentile(ms(fix_times), 95):.0f} ms (p95), the last "
                 f"after {fix_wall:.1f} s | |")
    print(lines[-1])
    p95_alone = percentile(ms(alone), 95)
    p99_during = percentile(ms(during), 99)
    if not args.no_write:
        body = f"""
Run with `.venv/bin/python bench/bench_plan_fix.py` on {dt.date.today().isoformat()} (commit {commit}).

- Machine: {machine()}.
- The real server (`main.py serve --workers {args.workers}`, each process with its warm PDF worker), SQLite with
  {args.cases:,} cases. "Fastsett plan" is posted as the builder's form does (Amal's plan, every proposal accepted),
  timed from the post to its answer: the version stored and its PDF rendered and kept. The savers are
  bench/bench_api_save.py's API clients saving a section with no pause.

| run | request | count | p50 | tail | load average (start → end) |
|---|---|---:|---:|---:|---|
{chr(10).join(lines)}

- Fixing a plan alone: p95 **{p95_alone:.0f} ms** (target under 1.5 s: {'met' if p95_alone < 1500 else 'NOT met'}).
- Saves while {args.fixers} plans are fixed at once: p99 **{p99_during:.1f} ms** (target under 100 ms:
  {'met' if p99_during < 100 else 'NOT met'}).
"""
        print(f"written to {write_markdown(body, HEADING)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
