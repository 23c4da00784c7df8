"""The command line: `python main.py [serve|migrate|seed-demo|create-token|list-tokens|revoke-token|verify-audit|
anchor-audit|create-org|create-user|purge|erase-case|export-case|backup|restore]`."""

from __future__ import annotations

import argparse
import sys

from sqlmodel import select

from .config import get_settings
from .db import get_engine, new_session


def _db():
    return new_session(get_engine(get_settings().database_url))


def cmd_migrate(args) -> int:
    from .migrate import upgrade
    upgrade(get_settings().database_url)
    print("database up to date")
    return 0


def cmd_serve(args) -> int:
    import logging
    import logging.config

    import uvicorn

    from .migrate import upgrade
    from .observability import LOG_CONFIG
    logging.config.dictConfig(LOG_CONFIG)  # from the first line on, the server's output is JSON
    upgrade(get_settings().database_url)
    logging.getLogger("kartlegging").info("database up to date")
    workers = args.workers or get_settings().workers
    # JSON lines with the request id; uvicorn's access line (path and query string) is replaced by the app's own
    options = dict(log_config=LOG_CONFIG, access_log=False, proxy_headers=True)
    if workers > 1:  # each process binds the address itself, and the kernel shares the connections out
        from . import workers as server_processes
        _metrics_shared_by(workers)
        return server_processes.serve(args.host, args.port, workers, options)
    from .app import create_app
    from .observability import lean_log_records
    from .workers import freeze_start_up
    app = create_app()
    freeze_start_up()
    lean_log_records()
    uvicorn.run(app, host=args.host, port=args.port, **options)
    return 0


def _metrics_shared_by(workers: int) -> None:
    """Several server processes write their metrics to one directory, which /metrics sums up (prometheus-client's
    multiprocess mode). Set before the workers start, which read it as they import prometheus-client; emptied first,
    so a restart does not count the last run's requests again."""
    import os
    import shutil
    import tempfile
    from pathlib import Path

    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True)
    else:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="kartlegging-metrics-")


def cmd_seed_demo(args) -> int:
    from .demo import seed_demo
    if not get_settings().demo:
        # The demo users' password is `demo`, the one exception to the password rules, and only in demo mode.
        print("seed-demo is for demo mode only (KARTLEGGING_DEMO=1): its users' password is 'demo'", file=sys.stderr)
        return 2
    with _db() as db:
        for line in seed_demo(db):
            print("created", line)
    print("demo data ready: log in as veileder / demo")
    return 0


def cmd_create_token(args) -> int:
    from .admin import issue_token
    from .models import User
    with _db() as db:
        user = db.exec(select(User).where(User.username == args.username.lower())).first()
        if user is None:
            print(f"no user named {args.username!r}", file=sys.stderr)
            return 1
        token, errors = issue_token(db, None, user, args.name, args.days, by=f"cli:{_operator()}")
        if errors:
            return _errors_out(errors)
        print(f"API token {args.name!r} for {user.username}, valid for {args.days} days (shown once; use as "
              f"'Authorization: Bearer <token>'):")
    print(token)
    return 0


def cmd_list_tokens(args) -> int:
    from .admin import organisation_tokens
    from .security import token_live
    with _db() as db:
        rows = organisation_tokens(db, None)
    rows = [(t, u) for t, u in rows if not args.user or u.username == args.user.lower()]
    for token, user in rows:
        state = (f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at
                 else "live" if token_live(token) else "expired")
        print(f"{token.id}\t{user.username}\t{token.name or '-'}\tcreated {token.created_at:%Y-%m-%d}\t"
              f"expires {token.expires_at:%Y-%m-%d}\t{state}")
    if not rows:
        print("no API tokens", file=sys.stderr)
    return 0


def cmd_revoke_token(args) -> int:
    from .admin import revoke_token
    with _db() as db:
        if not revoke_token(db, None, args.token_id, None, f"by=cli:{_operator()}"):
            print(f"no API token with id {args.token_id}", file=sys.stderr)
            return 1
    print(f"API token {args.token_id} revoked")
    return 0


def cmd_verify_audit(args) -> int:
    from .audit import verify_chain
    from .audit_anchor import advance, reset
    from .ledger import for_session
    with _db() as db:
        ledger = for_session(db)
        if args.reset:
            # The chain itself must hold; only the anchor is set anew (recorded in the log)
            problems = verify_chain(db)
            anchor = None if problems else reset(db, f"verify-audit --reset by={_operator()}", ledger)
        else:
            problems, anchor = advance(db, ledger, whole_chain=True)
        rewritable = ledger.rewritable_by_app(db)
    for p in problems:
        print(p)
    if rewritable:
        print(f"warning: the application's database role can change or remove what {ledger.where} holds: run "
              f"`main.py setup-ledger` as a PostgreSQL administrator", file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in the audit log (the anchor in {ledger.where} was left where it was)")
        return 1
    print("audit log intact" + (f"; anchored at entry {anchor.id} in {ledger.where}" if anchor else " (empty)"))
    return 0


def cmd_anchor_audit(args) -> int:
    from .audit_anchor import advance, reset
    from .ledger import for_session
    with _db() as db:
        ledger = for_session(db)
        if args.reset:
            problems, anchor = [], reset(db, f"anchor-audit --reset by={_operator()}", ledger)
        else:
            problems, anchor = advance(db, ledger)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print("anchor not moved: run verify-audit, and --reset only once the cause is known", file=sys.stderr)
        return 1
    print(f"audit log anchored at entry {anchor.id} in {ledger.where}" if anchor
          else "the audit log is empty: nothing to anchor")
    return 0


def cmd_setup_ledger(args) -> int:
    import os

    from .ledger import app_role, setup
    admin_url = args.admin_url or os.environ.get("KARTLEGGING_LEDGER_ADMIN_URL")
    settings = get_settings()
    if not settings.database_url.startswith("postgresql") or not admin_url:
        print("setup-ledger is for PostgreSQL: give an administrator's URL with --admin-url (or "
              "KARTLEGGING_LEDGER_ADMIN_URL); DATABASE_URL names the application's role", file=sys.stderr)
        return 2
    role = args.app_role or app_role(settings.database_url)
    for line in setup(admin_url, role):
        print(line)
    return 0


def _errors_out(errors) -> int:
    for e in errors:
        print(f"{e.field}: {e.message}", file=sys.stderr)
    return 1


def _operator() -> str:
    import getpass
    try:
        return getpass.getuser()
    except Exception:  # no login name (e.g. a container without a passwd entry)
        return "unknown"


def cmd_create_org(args) -> int:
    from .admin import create_organisation
    with _db() as db:
        org, errors = create_organisation(db, None, name=args.name, kind=args.kind,
                                          municipality_number=args.municipality or "", county_code=args.county or "")
        if errors:
            return _errors_out(errors)
        print(f"created organisation {org.id}: {org.name}")
    return 0


def cmd_create_user(args) -> int:
    from .admin import NewUser, create_user
    from .models import Organisation
    with _db() as db:
        org = (db.get(Organisation, int(args.org)) if args.org.isdigit()
               else db.exec(select(Organisation).where(Organisation.name == args.org)).first())
        chosen = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else None
        user, password, errors = create_user(db, None, NewUser(
            username=args.username, full_name=args.name, role=args.role, organisation_id=org.id if org else None,
            email=args.email or "", phone=args.phone or ""), chosen)
        if errors:
            return _errors_out(errors)
    if chosen is not None:
        print(f"created user {user.username} ({user.role}) with the password given; it must be changed at the first "
              f"login")
        return 0
    print(f"created user {user.username} ({user.role}); temporary password (shown once; it must be changed at the "
          f"first login):")
    print(password)
    return 0


def cmd_purge(args) -> int:
    from .privacy import purge
    years = args.years if args.years is not None else get_settings().purge_years
    if years < 1:
        print("--years must be 1 or more", file=sys.stderr)
        return 2
    with _db() as db:
        done = purge(db, years, dry_run=args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    for p in done:
        rows = ", ".join(f"{t} {n}" for t, n in sorted(p.deleted.items()))
        print(f"{verb} case {p.case_id} (organisation {p.organisation_id}, last activity "
              f"{p.last_activity.date().isoformat()}): {rows}")
    print(f"{len(done)} case(s) {verb} (completed or closed, no activity for {years} years)")
    return 0


def cmd_erase_case(args) -> int:
    import datetime as dt

    from .privacy import erase_case
    if not args.reason.strip():
        print("give the reason for the erasure with --reason", file=sys.stderr)
        return 2
    try:
        requested_on = dt.date.fromisoformat(args.requested) if args.requested else None
    except ValueError:
        print("--requested takes a date as YYYY-MM-DD", file=sys.stderr)
        return 2
    with _db() as db:
        counts = erase_case(db, None, args.case_id, args.reason, by=args.by or _operator(), requested_on=requested_on)
    if counts is None:
        print(f"no case {args.case_id}", file=sys.stderr)
        return 1
    print(f"erased case {args.case_id}: " + ", ".join(f"{t} {n}" for t, n in sorted(counts.items())))
    return 0


def cmd_export_case(args) -> int:
    from .models import Case
    from .privacy import export_case, export_document
    with _db() as db:
        case = db.get(Case, args.case_id)
        if case is None:
            print(f"no case {args.case_id}", file=sys.stderr)
            return 1
        data = export_case(db, None, case, args.format, f"by={_operator()} via=main.py")
    body = export_document(data, args.format)
    if args.output:
        from pathlib import Path
        Path(args.output).write_bytes(body)
        print(f"wrote {args.output}")
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    return 0


def cmd_backup(args) -> int:
    from .backup import BackupError, backup
    try:
        path = backup(get_settings().database_url, args.path)
    except BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backup written to {path}")
    return 0


def cmd_restore(args) -> int:
    from .audit_anchor import reset
    from .backup import BackupError, restore
    from .ledger import for_session
    from .privacy import reapply_erasures
    settings = get_settings()
    with _db() as db:
        ledger = for_session(db)
        register = ledger.register_where
        missing = not ledger.register_exists(db)
    if missing and not args.without_erasure_register:
        print(f"the erasure register ({register}) is not there: a restore would bring back every case erased since "
              f"the backup. Point KARTLEGGING_ERASURE_REGISTER_PATH (or the ledger) at it, or, if it is truly lost, "
              f"restore with --without-erasure-register and erase those cases again by hand", file=sys.stderr)
        return 1
    try:
        restore(settings.database_url, args.path)
    except BackupError as exc:
        print(f"restore failed: {exc}", file=sys.stderr)
        return 1
    cmd_migrate(args)
    with _db() as db:
        # Cases erased after the backup was taken stay erased; then the log, taken back to the backup's, is anchored
        # anew (recorded in the log, with the entry the old anchor named).
        done, problems = reapply_erasures(db)
        without = " without the erasure register" if missing else ""
        reset(db, f"restore from {args.path}{without} by={_operator()}")
    for line in done:
        print(line)
    print(f"database restored from {args.path}")
    if missing:
        print("restored WITHOUT the erasure register: cases erased since the backup are back", file=sys.stderr)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"the erasure register {register} has lines that could not be read: check that "
              f"the cases they name are not in the database", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="main.py", description="Kartlegging")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="migrate, then start the app (default)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=None,
                       help="server processes (default KARTLEGGING_WORKERS, else one per CPU)")
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(func=cmd_migrate)
    sub.add_parser("seed-demo", help="add demo organisations, users and cases").set_defaults(func=cmd_seed_demo)
    from .security import TOKEN_DAYS, TOKEN_MAX_DAYS

    token = sub.add_parser("create-token", help="print a new API token for a user (last line; audited)")
    token.add_argument("username")
    token.add_argument("--name", required=True, help="what the token is for, e.g. the system that uses it")
    token.add_argument("--days", type=int, default=TOKEN_DAYS,
                       help=f"days until it expires (default {TOKEN_DAYS}, at most {TOKEN_MAX_DAYS})")
    token.set_defaults(func=cmd_create_token)
    tokens = sub.add_parser("list-tokens", help="list API tokens: id, user, name, created, expires, state")
    tokens.add_argument("--user", help="only this user's")
    tokens.set_defaults(func=cmd_list_tokens)
    revoke = sub.add_parser("revoke-token", help="revoke an API token by its id (from list-tokens; audited)")
    revoke.add_argument("token_id", type=int)
    revoke.set_defaults(func=cmd_revoke_token)
    verify = sub.add_parser("verify-audit", help="check the audit log's hash chain and its anchor, then move the "
                            "anchor on")
    verify.add_argument("--reset", action="store_true",
                        help="the chain must hold, but anchor it anew without the old anchor (audited): a database "
                             "created or replaced on purpose, or a lost anchor whose cause is known")
    verify.set_defaults(func=cmd_verify_audit)
    ledger = sub.add_parser("setup-ledger", help="PostgreSQL: give the ledger schema to a role that cannot log in; "
                            "the application's role may only read and add (run once as an administrator)")
    ledger.add_argument("--admin-url", help="an administrator's database URL (default KARTLEGGING_LEDGER_ADMIN_URL)")
    ledger.add_argument("--app-role", help="the application's role (default: the user of DATABASE_URL)")
    ledger.set_defaults(func=cmd_setup_ledger)
    anchor = sub.add_parser("anchor-audit", help="check the audit anchor, then move it to the log's last entry (cron)")
    anchor.add_argument("--reset", action="store_true",
                        help="anchor the log as it is, without the check (audited); after the database was replaced "
                             "on purpose")
    anchor.set_defaults(func=cmd_anchor_audit)
    org = sub.add_parser("create-org", help="create an organisation (municipality or career centre)")
    org.add_argument("name")
    org.add_argument("--kind", choices=["municipality", "career_centre"], required=True)
    org.add_argument("--municipality", help="municipality number (four digits), for a municipality")
    org.add_argument("--county", help="county code (two digits), for a career centre")
    org.set_defaults(func=cmd_create_org)
    from .admin import ROLES  # the roles an administrator may give

    user = sub.add_parser("create-user", help="create a user; prints a temporary password (last line)")
    user.add_argument("username")
    user.add_argument("--name", required=True, help="full name")
    user.add_argument("--role", choices=list(ROLES), required=True)
    user.add_argument("--org", required=True, help="organisation id or exact name")
    user.add_argument("--email")
    user.add_argument("--phone")
    user.add_argument("--password-stdin", action="store_true",
                      help="read the first password from standard input (one line) instead of making one; at least "
                           "12 characters and not a common password. Either must be changed at the first login")
    user.set_defaults(func=cmd_create_user)
    purge = sub.add_parser("purge", help="delete completed or closed cases with no activity for N years (audited)")
    purge.add_argument("--years", type=int, help="retention in years (default: KARTLEGGING_PURGE_YEARS, 5)")
    purge.add_argument("--dry-run", action="store_true", help="list what would be deleted; delete nothing")
    purge.set_defaults(func=cmd_purge)
    erase = sub.add_parser("erase-case", help="erase a case on the participant's request (audited with the reason)")
    erase.add_argument("case_id", type=int)
    erase.add_argument("--reason", required=True)
    erase.add_argument("--by", help="who asked for or carried out the erasure (default: the operating system user)")
    erase.add_argument("--requested", help="the date the participant asked for it (YYYY-MM-DD)")
    erase.set_defaults(func=cmd_erase_case)
    export = sub.add_parser("export-case", help="a participant's data export (JSON or PDF), audited")
    export.add_argument("case_id", type=int)
    export.add_argument("--format", choices=["json", "pdf"], default="json")
    export.add_argument("--output", "-o", help="file to write (default: standard output)")
    export.set_defaults(func=cmd_export_case)
    bk = sub.add_parser("backup", help="back up the whole database to PATH (SQLite online backup, or pg_dump)")
    bk.add_argument("path")
    bk.set_defaults(func=cmd_backup)
    rs = sub.add_parser("restore", help="replace the whole database with the backup at PATH, then migrate")
    rs.add_argument("path")
    rs.add_argument("--without-erasure-register", action="store_true",
                    help="restore although the erasure register is missing (cases erased since the backup come back)")
    rs.set_defaults(func=cmd_restore)
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["serve", *(argv or [])])
    return args.func(args)
