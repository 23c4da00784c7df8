"""Harness for real-browser tests: the app served by `main.py serve`, driven by Debian's Chromium.

Uses Playwright's sync API directly (not pytest-playwright's fixtures).

Fixtures
    live_server       (session)  base URL of the app, started on a free port with demo data in a temp dir, its
                                 clock on tests/days.py's TODAY (as the tests' own), so the dates a test types
                                 and the server's "today" agree whatever the machine's date
    browser           (session)  headless Chromium from /usr/bin/chromium
    page              (function) a fresh context per test (bypass_csp, locale nb-NO) and one page in it
    no_js_page        (function) the same with JavaScript off (the plain HTML forms)
    login             (function) the `login` helper below
    axe_violations    (function) the `axe_violations` helper below
    assert_accessible (function) the `assert_accessible` helper below

Every test under tests/browser gets the `browser` marker. Without /usr/bin/chromium the tests are
skipped, except with CI=true, where they fail. On a failed test the report carries the tail of the
server log and the page's JavaScript errors, and a screenshot is written to test-results/browser/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlparse

import pytest

from tests.days import TODAY, morning
from tests.serving import demo_environment, run_cli, serving

REPO_ROOT = Path(__file__).resolve().parents[2]
BROWSER_TESTS_DIR = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOT_DIR = REPO_ROOT / "test-results" / "browser"

DEFAULT_TIMEOUT_MS = 10_000  # Playwright actions and navigations
# "Fastsett plan" waits for the plan's and the contract's PDFs from the PDF worker: on a machine busy with other test
# runs that took over 10 s (a wait, not a speed target: bench/bench_plan_pdf.py measures the speed).
PDF_TIMEOUT_MS = 60_000

# The server's clock starts here and ticks: the tests' day (TODAY, from 10:00), so a browser test's dates are
# relative to the same "today" as its server's.
SERVER_CLOCK_START = morning(TODAY)

_server_log: Path | None = None  # set by live_server, read by the report hook
_server_env: dict[str, str] | None = None  # set by live_server: `live_cli` runs main.py against its database


# --------------------------------------------------------------------------------------------
# Marking and reporting
# --------------------------------------------------------------------------------------------


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees every collected item, not just this folder's: mark only ours.
    for item in items:
        if BROWSER_TESTS_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"_rep_{report.when}", report)
    # (setup failures of live_server already carry the log in their message)
    if (
        report.failed
        and report.when != "setup"
        and BROWSER_TESTS_DIR in Path(str(item.path)).resolve().parents
    ):
        if _server_log is not None and _server_log.exists():
            report.sections.append(("live server log (last 80 lines)", _tail(_server_log, 80)))
        errors = getattr(item, "_page_errors", None)
        if errors:
            report.sections.append(("page JavaScript errors", "\n".join(errors)))


def _tail(path: Path, lines: int) -> str:
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:])


# --------------------------------------------------------------------------------------------
# The app under test
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate, seed the demo data and serve the app on a free port (tests/serving.py); yields its base URL."""
    global _server_log, _server_env
    tmp = tmp_path_factory.mktemp("live_server")
    _server_log = tmp / "server.log"
    _server_env = demo_environment(tmp)
    run_cli(["migrate"], _server_env, _server_log, at=SERVER_CLOCK_START)
    run_cli(["seed-demo"], _server_env, _server_log, at=SERVER_CLOCK_START)
    with serving(_server_log, _server_env, at=SERVER_CLOCK_START, ready="/login") as (base_url, _):
        yield base_url


@pytest.fixture
def live_cli(live_server) -> Callable[..., str]:
    """`live_cli("list-tokens")`: main.py run against the live server's database; its output."""
    assert _server_env is not None and _server_log is not None
    return lambda *args: run_cli(list(args), _server_env, _server_log, at=SERVER_CLOCK_START)


# --------------------------------------------------------------------------------------------
# The browser
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        reason = (
            f"{CHROMIUM} not found: install Debian's chromium (`scripts/setup --browser` as root, "
            "or `apt-get install chromium`)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason)

    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        pw.stop()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest):
    context = browser.new_context(bypass_csp=True, locale="nb-NO")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    pg = context.new_page()

    errors: list[str] = []
    request.node._page_errors = errors
    pg.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    pg.on(
        "console",
        lambda msg: errors.append(f"console.error: {msg.text}") if msg.type == "error" else None,
    )

    yield pg

    rep = getattr(request.node, "_rep_call", None)
    if rep is not None and rep.failed:
        try:
            SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
            pg.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)
        except Exception:  # a screenshot is a nicety; never mask the real failure
            pass
    context.close()


@pytest.fixture
def no_js_page(browser):
    context = browser.new_context(java_script_enabled=False, locale="nb-NO")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield context.new_page()
    context.close()


# --------------------------------------------------------------------------------------------
# Helpers (also offered as fixtures of the same name)
# --------------------------------------------------------------------------------------------


def login(page, base_url: str, username: str, password: str = "demo") -> None:
    """Log in through the login form and wait until the browser has left /login."""
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("button[type=submit], input[type=submit]").first.click()
    try:
        page.wait_for_url(lambda url: urlparse(url).path != "/login", timeout=DEFAULT_TIMEOUT_MS)
    except Exception as exc:
        body = page.locator("body").inner_text()[:1000]
        raise AssertionError(
            f"login as {username!r} did not leave /login (now at {page.url}).\nPage text:\n{body}"
        ) from exc


def axe_violations(page, impacts=("serious", "critical"), options: dict | None = None) -> list:
    """Run axe-core (node_modules/axe-core) on the page; return the violations of those impacts."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run scripts/setup (npm ci)", pytrace=False)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    violations = page.evaluate(
        """async (options) => {
            const results = await axe.run(document, options);
            return results.violations;
        }""",
        {"resultTypes": ["violations"], **(options or {})},
    )
    return [v for v in violations if v.get("impact") in impacts]


def format_violations(violations: list) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} [{v.get('impact')}]: {v.get('help')} ({v.get('helpUrl', '')})")
        for node in v.get("nodes", []):
            target = " ".join(
                t if isinstance(t, str) else " >> ".join(t) for t in node.get("target", [])
            )
            lines.append(f"    at {target}")
            for line in (node.get("failureSummary") or "").splitlines():
                if line.strip():
                    lines.append(f"       {line.strip()}")
    return "\n".join(lines)


def assert_accessible(page, impacts=("serious", "critical"), options: dict | None = None) -> None:
    """Fail with a readable list if axe finds violations of the given impacts on the page."""
    violations = axe_violations(page, impacts, options)
    if violations:
        raise AssertionError(
            f"axe found {len(violations)} {'/'.join(impacts)} violation(s) on {page.url}:\n"
            + format_violations(violations)
        )


@pytest.fixture(name="login")
def _login_fixture():
    return login


@pytest.fixture(name="axe_violations")
def _axe_violations_fixture():
    return axe_violations


@pytest.fixture(name="assert_accessible")
def _assert_accessible_fixture():
    return assert_accessible
