"""The command line: `python main.py [serve|migrate|seed-demo|create-token|create-user|verify-audit]`."""

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
    import uvicorn
    cmd_migrate(args)
    from .app import create_app
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="info", proxy_headers=True)
    return 0


def cmd_seed_demo(args) -> int:
    from .demo import seed_demo
    with _db() as db:
        for line in seed_demo(db):
            print("created", line)
    print("demo data ready: log in as veileder / demo")
    return 0


def cmd_create_token(args) -> int:
    from .models import User
    from .security import create_api_token
    with _db() as db:
        user = db.exec(select(User).where(User.username == args.username.lower())).first()
        if user is None:
            print(f"no user named {args.username!r}", file=sys.stderr)
            return 1
        token = create_api_token(db, user)
    print(f"API token for {user.username} (shown once; use as 'Authorization: Bearer <token>'):")
    print(token)
    return 0


def cmd_verify_audit(args) -> int:
    from .audit import verify_chain
    with _db() as db:
        problems = verify_chain(db)
    for p in problems:
        print(p)
    print("audit log intact" if not problems else f"{len(problems)} problem(s) in the audit log")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="main.py", description="Kartlegging")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="migrate, then start the app (default)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(func=cmd_migrate)
    sub.add_parser("seed-demo", help="add demo organisations, users and cases").set_defaults(func=cmd_seed_demo)
    token = sub.add_parser("create-token", help="print a new API token for a user (last line)")
    token.add_argument("username")
    token.set_defaults(func=cmd_create_token)
    sub.add_parser("verify-audit", help="check the audit log's hash chain").set_defaults(func=cmd_verify_audit)
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["serve", *(argv or [])])
    return args.func(args)
