"""Benchmark: the leaders' pages (/oversikt) with 100,000 cases and their plans and referrals, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_leaders.py [--cases 100000] [-n 30] [--postgres URL] [--no-write]

Builds a fresh database of each kind (migrations; PostgreSQL: the schema `public` of URL is dropped and recreated,
default postgresql+psycopg://postgres@127.0.0.1:5432/kt_bench_leaders), fills it with rows written directly
(no answers beyond the name: the figures never read them): 100,000 cases over four municipalities, the first
(the leader's) holding 40 %, settled over the last 14 months and at every stage; about half with a fixed plan (two
versions, an accepted element), 60 % referred to their county's career centre with the referral's history, sessions
and summary as far as it has come. Then, in process (Starlette's TestClient: no network), the municipality leader's
and the career-centre leader's /oversikt for the default period (this year), each requested n times after a warm-up;
prints p50/p95 and writes them into docs/BENCHMARKS.md under "Leaders' pages (100,000 cases)".
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_section_save import machine, write_markdown  # noqa: E402

HEADING = "Leaders' pages (100,000 cases)"
PASSWORD = "bench-passord"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/kt_bench_leaders"
MUNICIPALITIES = [("Drammen kommune", "3301", "33", 0.4), ("Bergen kommune", "4601", "46", 0.2),
                  ("Trondheim kommune", "5001", "50", 0.2), ("Stavanger kommune", "1103", "11", 0.2)]
FORMS = ("in_person", "in_person", "video", "phone", "chat")


def fill(url: str, cases: int, today: dt.date) -> dict[str, str]:
    """The rows; returns the two leaders' user names."""
    from sqlalchemy import insert, text
    from sqlmodel import Session

    from intake.db import get_engine
    from intake.models import Case, Organisation, User
    from intake.models_plans import Plan, PlanElement, PlanVersion
    from intake.models_referrals import GuidanceSession, GuidanceSummary, Referral, ReferralEvent
    from intake.referrals import FIGURE_TIMES
    from intake.security import hash_password

    rnd = random.Random(13)
    engine = get_engine(url)
    password = hash_password(PASSWORD)
    now = dt.datetime.combine(today, dt.time(9), tzinfo=dt.timezone.utc)
    with Session(engine, expire_on_commit=False) as db:
        def staff(org, role: str, n: int, username: str, full_name: str) -> list[int]:
            users = [User(username=f"{username}-{i}", full_name=f"{full_name} {i}", role=role,
                          organisation_id=org.id, password_hash=password) for i in range(n)]
            db.add_all(users)
            db.flush()
            return [user.id for user in users]

        orgs, centres, workers, counsellors = [], {}, {}, {}
        for name, number, county, _share in MUNICIPALITIES:
            org = Organisation(name=name, kind="municipality", municipality_number=number, county_code=county)
            centre = Organisation(name=f"Karrieresenter {county}", kind="career_centre", county_code=county)
            db.add_all([org, centre])
            db.flush()
            orgs.append(org)
            centres[org.id] = centre
            workers[org.id] = staff(org, "caseworker", 12, f"cw{number}", f"Rådgiver {number}")
            counsellors[centre.id] = staff(centre, "counsellor", 6, f"kv{county}", f"Veileder {county}")
        db.add(User(username="bench-leder", full_name="Bench Leder", role="leader", organisation_id=orgs[0].id,
                    password_hash=password))
        db.add(User(username="bench-senterleder", full_name="Bench Senterleder", role="centre_leader",
                    organisation_id=centres[orgs[0].id].id, password_hash=password))
        db.commit()

    rows: dict[str, list[dict]] = {k: [] for k in ("case", "plan", "version", "element", "referral", "event",
                                                   "session", "summary")}
    case_id = plan_id = referral_id = 0
    for org, (_name, _number, _county, share) in zip(orgs, MUNICIPALITIES):
        centre = centres[org.id]
        for _ in range(int(cases * share)):
            case_id += 1
            settled = today - dt.timedelta(days=rnd.randint(0, 420))
            deadline = settled + dt.timedelta(days=91)
            stage = rnd.random()
            completed = settled + dt.timedelta(days=rnd.randint(10, 60)) if stage > 0.2 else None
            fixed = completed + dt.timedelta(days=rnd.randint(5, 60)) if completed and stage > 0.45 else None
            if fixed and fixed > today:
                fixed = None
            if completed and completed > today:
                completed = None
            rows["case"].append(dict(
                id=case_id, organisation_id=org.id, participant_name=f"Deltaker {case_id}", answers={}, drafts={},
                sections={}, version=1, status="completed" if completed else "in_progress",
                mapping_date=settled + dt.timedelta(days=5), settlement_date=settled, decision_deadline=deadline,
                norwegian_goal=rnd.choice(("A2", "B1", "B1", "B2", "A2–B1")), created_by_id=rnd.choice(workers[org.id]),
                completed_at=dt.datetime.combine(completed, dt.time(10), tzinfo=dt.timezone.utc) if completed else None,
                # as fixing the first version sets it (below)
                first_fixed_at=dt.datetime.combine(fixed, dt.time(12), tzinfo=dt.timezone.utc) if fixed else None,
                created_at=now, updated_at=now))
            if fixed:
                plan_id += 1
                rows["plan"].append(dict(id=plan_id, case_id=case_id, organisation_id=org.id,
                                         end_goal=rnd.choice(("work", "work", "upper_secondary",
                                                              "primary_education")),
                                         duration_months=rnd.choice((6, 12, 18, 24, 36)), hours_per_week=37.5,
                                         long_term_goal="", extension_justification="", end_goal_reason="",
                                         norwegian_goal_reason="", language="nb",
                                         proposals_basis="", version=1, created_at=now, updated_at=now))
                for number, later in ((1, 0), (2, 30)):
                    rows["version"].append(dict(plan_id=plan_id, number=number, language="nb", ruleset_version="b",
                                                fingerprint=f"{plan_id}-{number}", answers={}, elements=[],
                                                document={}, html="", pdf=b"", created_at=now,
                                                fixed_at=dt.datetime.combine(fixed + dt.timedelta(days=later),
                                                                             dt.time(12), tzinfo=dt.timezone.utc)))
                rows["element"].append(dict(plan_id=plan_id, code=rnd.choice(("WORK-PRACTICE", "NORWEGIAN")),
                                            title="x", responsible="", status="accepted", progress="planned",
                                            month_precision=False, rejection_reason="", note="", because=[],
                                            source="", ruleset_version="b", sensitive=False,
                                            no_longer_proposed=False, position=0, created_at=now, updated_at=now))
            if completed and rnd.random() < 0.75:
                referral_id += 1
                sent = dt.datetime.combine(completed + dt.timedelta(days=rnd.randint(0, 5)), dt.time(11),
                                           tzinfo=dt.timezone.utc)
                events = [("send", sent)]
                status, counsellor = "sent", rnd.choice(counsellors[centre.id])
                if rnd.random() < 0.05:
                    events.append(("decline", sent + dt.timedelta(days=2)))
                    status = "declined"
                elif rnd.random() < 0.9:
                    accepted = sent + dt.timedelta(days=rnd.randint(1, 10))
                    events.append(("accept", accepted))
                    status = "accepted"
                    if rnd.random() < 0.85:
                        first = accepted + dt.timedelta(days=rnd.randint(3, 20))
                        events.append(("start", first))
                        status = "in_progress"
                        for k in range(rnd.randint(1, 3)):
                            rows["session"].append(dict(referral_id=referral_id, held_on=(first + dt.timedelta(
                                days=7 * k)).date(), form=rnd.choice(FORMS), interpreter_used=rnd.random() < 0.4,
                                created_by_id=counsellor, created_at=now))
                        if rnd.random() < 0.7:
                            done = first + dt.timedelta(days=rnd.randint(10, 40))
                            events.append(("complete", done))
                            status = "completed"
                            rows["summary"].append(dict(referral_id=referral_id, case_id=case_id, summary="x",
                                                        areas={}, recommendation=rnd.choice(("work", "education",
                                                                                             "other")),
                                                        recommendation_text="x", completed_by_id=counsellor,
                                                        completed_at=done))
                rows["referral"].append(dict(
                    id=referral_id, case_id=case_id, from_organisation_id=org.id, to_organisation_id=centre.id,
                    version=1, purpose="x", questions="", contact_user_id=workers[org.id][0], status=status,
                    counsellor_id=counsellor if status not in ("sent", "declined") else None,
                    decline_reason="other" if status == "declined" else None, decline_text="",
                    created_by_id=workers[org.id][0], created_at=sent, sent_at=sent, updated_at=sent,
                    # each step's first time, as the transitions set it
                    **{column: dict(events).get(action) for action, column in FIGURE_TIMES.items()}))
                rows["event"] += [dict(referral_id=referral_id, action=a, to_status="x", at=at, user_name="",
                                       note="") for a, at in events]
    tables = {"case": Case, "plan": Plan, "version": PlanVersion, "element": PlanElement, "referral": Referral,
              "event": ReferralEvent, "session": GuidanceSession, "summary": GuidanceSummary}
    with engine.begin() as conn:
        for key, model in tables.items():
            for i in range(0, len(rows[key]), 5000):
                conn.execute(insert(model.__table__), rows[key][i:i + 5000])
        if engine.dialect.name == "postgresql":  # the ids were given: move the sequences past them
            for table in ("case", "plan", "referral"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                  f"(SELECT MAX(id) FROM \"{table}\"))"))
        else:
            conn.execute(text("ANALYZE"))
    if engine.dialect.name == "postgresql":  # statistics, and the visibility map index-only scans need
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    print(f"  {', '.join(f'{len(v):,} {k}' for k, v in rows.items())}", flush=True)
    return {"leader": "bench-leder", "centre_leader": "bench-senterleder"}


def measure(url: str, users: dict[str, str], n: int) -> dict[str, tuple[list[float], list[float]]]:
    """Per role, each request's time (ms) and this process's CPU time in it (with SQLite that is the database's
    work too; with PostgreSQL the server's is not in it)."""
    from fastapi.testclient import TestClient
    from sqlmodel import Session, select

    from intake.app import create_app
    from intake.config import get_settings
    from intake.db import get_engine
    from intake.models import User
    from intake.security import create_session
    from intake.web.deps import SESSION_COOKIE

    os.environ["DATABASE_URL"] = url
    os.environ["KARTLEGGING_PDF_WARMUP"] = "0"
    get_settings.cache_clear()
    app = create_app()
    out = {}
    with Session(get_engine(url)) as db:
        sessions = {role: create_session(db, db.exec(select(User).where(User.username == name)).one())[1]
                    for role, name in users.items()}
    with TestClient(app) as client:
        for role, session in sessions.items():
            client.cookies.set(SESSION_COOKIE, session)
            for _ in range(3):
                assert client.get("/oversikt").status_code == 200
            times, cpu = [], []
            for _ in range(n):
                start, start_cpu = time.perf_counter(), time.process_time()
                r = client.get("/oversikt")
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
                assert r.status_code == 200, r.text[:500]
            out[role] = (times, cpu)
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("-n", type=int, default=30, help="measured requests per page")
    ap.add_argument("--postgres", default=os.environ.get("KARTLEGGING_BENCH_POSTGRES_URL", DEFAULT_PG))
    ap.add_argument("--only", choices=("sqlite", "postgresql"))
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/BENCHMARKS.md alone")
    args = ap.parse_args()

    from intake import clock
    from intake.migrate import upgrade

    today = clock.today()
    os.environ.setdefault("KARTLEGGING_DEMO", "1")
    load_start = os.getloadavg()[0]
    results, loads = {}, {}
    tmp = tempfile.mkdtemp(prefix="bench-leaders-")
    for kind in ("sqlite", "postgresql"):
        if args.only and kind != args.only:
            continue
        url = f"sqlite:///{tmp}/bench.db" if kind == "sqlite" else args.postgres
        if kind == "postgresql":
            from sqlalchemy import create_engine, text
            from sqlalchemy.engine import make_url
            server = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
            with server.connect() as conn:  # a fresh machine has no benchmark database yet
                name = make_url(url).database
                if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
            server.dispose()
            engine = create_engine(url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
        print(f"{kind}: building {args.cases:,} cases …", flush=True)
        upgrade(url)
        started = time.perf_counter()
        users = fill(url, args.cases, today)
        print(f"  filled in {time.perf_counter() - started:.0f} s; measuring …", flush=True)
        load_before = os.getloadavg()[0]
        results[kind] = measure(url, users, args.n)
        loads[kind] = (load_before, os.getloadavg()[0])
        for role, (times, cpu) in results[kind].items():
            print(f"  {role}: p50 {statistics.median(times):.0f} ms, p95 {p95(times):.0f} ms, "
                  f"CPU p50 {statistics.median(cpu):.0f} ms; load average {loads[kind][0]:.1f}–{loads[kind][1]:.1f}",
                  flush=True)
    load_end = os.getloadavg()[0]
    if args.no_write:
        return 0
    commit = os.popen(f"git -C {ROOT} rev-parse --short HEAD").read().strip()
    lines = [f"Run with `.venv/bin/python bench/bench_leaders.py` on {today} (commit {commit}).", "",
             f"- Machine: {machine()}. Load average {load_start:.1f} at the start and {load_end:.1f} at the end "
             "of the run (other work on the machine at the same time slows every figure below).",
             f"- Set-up: {args.cases:,} cases over four municipalities (the leader's holding 40 %), settled over "
             "14 months and at every stage, about half with a fixed plan (two versions), three in four completed "
             "mappings referred to the county's career centre with their history, sessions and summaries. Each "
             f"page requested {args.n} times in process (TestClient, no network) after 3 unmeasured, for the "
             "default period (this year). The figures are SQL aggregates over the stored times and covering "
             "indexes (intake/figures.py; figures over the same rows share a query). CPU: this process's CPU time "
             "per request (with SQLite the database's work is in it, with PostgreSQL the server's is not).", "",
             "| database | page | p50 | p95 | CPU p50 | load average while measured |", "|---|---|---|---|---|---|"]
    names = {"leader": "municipality leader's /oversikt", "centre_leader": "career-centre leader's /oversikt"}
    for kind, by_role in results.items():
        for role, (times, cpu) in by_role.items():
            lines.append(f"| {'SQLite ' + sqlite3.sqlite_version if kind == 'sqlite' else 'PostgreSQL'} | "
                         f"{names[role]} | {statistics.median(times):.0f} ms | {p95(times):.0f} ms | "
                         f"{statistics.median(cpu):.0f} ms | {loads[kind][0]:.1f}–{loads[kind][1]:.1f} |")
    print(write_markdown("\n".join(lines), HEADING))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
