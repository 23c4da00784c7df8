"""Shared fixtures for HTTP and storage tests: a migrated test database, the app, clients and factories.

Fixtures
    database_url (session)  SQLite in a temp file, or KARTLEGGING_TEST_DATABASE_URL (PostgreSQL: schema `public` is
                            dropped and recreated, the ledger's dropped, then migrated). DATABASE_URL, KARTLEGGING_DEMO=1 and the paths of
                            the audit anchor and erasure register (temp files) are set for the app and for `main.py`
                            subprocesses while the session runs.
    app          (session)  `create_app()` against that database.
    client                  an unauthenticated TestClient (redirects are not followed: tests assert them).
    db                      a database Session on the app's engine.
    make_org(kind="municipality", municipality_number="3301", county_code="33", name=None) -> Organisation
    make_user(role, org, username=None) -> User   (password: PASSWORD)
    logged_in(user) -> TestClient with a session cookie and `.csrf` (the session's CSRF token) and `.user`
    api_client(user) -> TestClient with `Authorization: Bearer <token>` and `.token`, `.user`

    today        (autouse)  the day the test runs on (tests/days.py): the clock is moved there with time-machine

Every test makes its own organisations and users with unique names, so tests never depend on each other or on order.
The database is shared by the session (not rolled back per test); nothing may rely on a table being empty.
No test depends on the machine's date: each runs on `today` (tests/days.py says how to choose another day).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from typing import Callable, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from tests.days import TODAY, morning

PASSWORD = "riktig-hest-batteri-stift"

_ENV_KEYS = ("DATABASE_URL", "KARTLEGGING_DEMO", "KARTLEGGING_AUDIT_ANCHOR_PATH", "KARTLEGGING_ERASURE_REGISTER_PATH",
             "KARTLEGGING_PDF_WARMUP")


def _reset_caches() -> None:
    from intake import db as db_mod
    from intake.config import get_settings

    get_settings.cache_clear()
    for engine in db_mod._engines.values():
        engine.dispose()
    db_mod._engines.clear()


def _recreate_postgres_schema(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("DROP SCHEMA IF EXISTS kartlegging_ledger CASCADE"))  # the last run's anchors
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "today(date): the day the test runs on, instead of tests/days.py's TODAY")


@pytest.fixture(autouse=True)
def today(request: pytest.FixtureRequest, time_machine) -> dt.date:
    """The test's today: the clock (time-machine) starts at 10:00 Oslo time on it and ticks. Autouse, so it is set
    before any other fixture of the test makes data; `@pytest.mark.today(day)` picks another day."""
    marker = request.node.get_closest_marker("today")
    day = marker.args[0] if marker else TODAY
    time_machine.move_to(morning(day), tick=True)
    return day


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from intake.migrate import upgrade

    url = os.environ.get("KARTLEGGING_TEST_DATABASE_URL")
    if url:
        if make_url(url).get_backend_name() != "postgresql":
            pytest.fail(f"KARTLEGGING_TEST_DATABASE_URL must be a PostgreSQL URL, not {url!r}", pytrace=False)
        _recreate_postgres_schema(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    saved = {k: os.environ.get(k) for k in _ENV_KEYS}
    os.environ["DATABASE_URL"] = url
    os.environ["KARTLEGGING_DEMO"] = "1"
    # The audit anchor and the erasure register of this run, never the ones under data/
    outside = tmp_path_factory.mktemp("outside")
    os.environ["KARTLEGGING_AUDIT_ANCHOR_PATH"] = str(outside / "audit-anchor.json")
    os.environ["KARTLEGGING_ERASURE_REGISTER_PATH"] = str(outside / "erasures.jsonl")
    os.environ["KARTLEGGING_PDF_WARMUP"] = "0"  # tests/plans/test_pdf_worker.py starts the PDF worker itself
    _reset_caches()
    upgrade(url)
    try:
        yield url
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        _reset_caches()


@pytest.fixture(scope="session")
def app(database_url: str):
    from intake.app import create_app

    return create_app()


@pytest.fixture(scope="session")
def _password_hash() -> str:
    from intake.security import hash_password

    return hash_password(PASSWORD)  # Argon2 is slow by design: hash once for every test user


def _error_links_land(response) -> None:
    """Every page a test gets is checked: each link of an error summary to this page names an element that is there
    and is a field, holds one, or says something (an empty anchor leaves the caseworker nowhere: #16 item 1)."""
    if "text/html" not in response.headers.get("content-type", "") or 'id="error-summary"' not in response.text:
        return
    from tests.web.pages import Page

    page = Page(response)
    for _message, href in page.summary():
        if not href or not href.startswith("#"):
            continue
        targets = page.all(f"[id='{href[1:]}']")
        assert targets, f"the error link {href} of {response.request.url} leads to nothing on the page"
        target = targets[0]
        fields = "input, select, textarea, button"
        assert target.tag.endswith(("input", "select", "textarea")) or page.all(f"[id='{href[1:]}'] :is({fields})") \
            or "".join(target.itertext()).strip(), \
            f"the error link {href} of {response.request.url} leads to an empty element, not a field or what it says"


def _client(app, **kwargs):
    from fastapi.testclient import TestClient

    client = TestClient(app, follow_redirects=False, **kwargs)
    client.event_hooks["response"].append(lambda r: (r.read(), _error_links_land(r)))
    return client


@pytest.fixture
def client(app) -> Iterator:
    # From an address of its own: logins are throttled per address (intake/security.py), and the tests share one
    # database on one clock, so failed logins of one test must not slow down another's.
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"
    with _client(app, client=(address, 50000)) as c:
        yield c


@pytest.fixture
def db(app) -> Iterator[Session]:
    from intake.db import new_session

    session = new_session(app.state.engine)
    try:
        yield session
    finally:
        session.close()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def make_org(db: Session) -> Callable:
    from intake.models import Organisation

    def make(kind: str = "municipality", municipality_number: str | None = "3301", county_code: str = "33",
             name: str | None = None) -> Organisation:
        org = Organisation(name=name or unique(f"Org {kind}"), kind=kind,
                           municipality_number=municipality_number if kind == "municipality" else None,
                           county_code=county_code)
        db.add(org)
        db.commit()
        db.refresh(org)
        return org

    return make


@pytest.fixture
def make_user(db: Session, _password_hash: str) -> Callable:
    from intake.models import User

    def make(role: str, org, username: str | None = None):
        name = username or unique(role)
        user = User(username=name.lower(), full_name=f"Test {role.title()} {name[-4:]}", role=role,
                    organisation_id=org.id, password_hash=_password_hash, email=f"{name}@example.no")
        db.add(user)
        db.commit()
        db.refresh(user)
        return user

    return make


def _clients(app, prepare: Callable) -> Iterator[Callable]:
    """A factory of clients, each made ready by `prepare(client, user)`, all closed at the end of the test."""
    clients = []

    def make(user):
        c = _client(app)
        c.__enter__()
        clients.append(c)
        c.user = user
        prepare(c, user)
        return c

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def logged_in(app, db: Session) -> Iterator[Callable]:
    """A client with a live login session for the user (made directly; tests/web/test_auth.py covers the form)."""
    from intake.security import create_session
    from intake.web.deps import SESSION_COOKIE

    def prepare(c, user):
        session, cookie = create_session(db, user)
        c.cookies.set(SESSION_COOKIE, cookie)
        c.csrf = session.csrf_token

    yield from _clients(app, prepare)


@pytest.fixture
def api_client(app, db: Session) -> Iterator[Callable]:
    from intake.security import create_api_token

    def prepare(c, user):
        c.token = create_api_token(db, user)
        c.headers["Authorization"] = f"Bearer {c.token}"

    yield from _clients(app, prepare)
