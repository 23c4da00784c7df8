"""Single sign-on in a real browser, with the pages' Content-Security-Policy in force: the login page's button, the
provider's login and consent pages, back to the case list; "Logg ut" ends our session and the provider's.

The app is served by `main.py serve` of its own (demo data), configured for the test provider (tests/oidc/)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Iterator
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import DEFAULT_TIMEOUT_MS, SERVER_CLOCK_START
from tests.serving import demo_environment, free_port, run_cli, serving
from tests.oidc.provider import CLIENT_ID, CLIENT_SECRET, Provider, running_provider


@pytest.fixture(scope="module")
def sso_server(tmp_path_factory) -> Iterator[tuple[str, Provider]]:
    tmp = tmp_path_factory.mktemp("sso_server")
    log = tmp / "server.log"
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"  # the provider needs it (the redirect address) before the server starts
    with running_provider(base_url) as provider:
        env = demo_environment(tmp, KARTLEGGING_PDF_WARMUP="0", KARTLEGGING_OIDC_PROVIDERS=None,
                               KARTLEGGING_OIDC_ISSUER=provider.issuer, KARTLEGGING_OIDC_CLIENT_ID=CLIENT_ID,
                               KARTLEGGING_OIDC_CLIENT_SECRET=CLIENT_SECRET,
                               KARTLEGGING_OIDC_LABEL="Drammen kommunes konto")
        run_cli(["migrate"], env, log, at=SERVER_CLOCK_START)
        run_cli(["seed-demo"], env, log, at=SERVER_CLOCK_START)
        started = time.perf_counter()
        with serving(log, env, port=port, at=SERVER_CLOCK_START, ready="/login"):
            # The provider on the server's clock (which started at SERVER_CLOCK_START and ticks).
            provider.set_clock(SERVER_CLOCK_START + dt.timedelta(seconds=time.perf_counter() - started))
            yield base_url, provider


def test_a_caseworker_logs_in_with_the_provider_and_out_again(browser, sso_server):
    base_url, provider = sso_server
    provider.account("vera-1234", email="veileder@example.no", email_verified=True, name="Vera Veileder")
    context = browser.new_context(locale="nb-NO")  # no bypass_csp: the app's own policy applies
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(f"{base_url}/login")
        page.get_by_role("link", name="Logg inn med Drammen kommunes konto").click()
        page.wait_for_url(f"{provider.issuer}/**")
        page.fill("input[name=login]", "vera-1234")
        page.fill("input[name=password]", "any")
        page.get_by_role("button", name="Sign-in").click()
        page.get_by_role("button", name="Continue").click()  # the provider's consent
        page.wait_for_url(f"{base_url}/cases")
        assert "Vera Veileder" in page.locator("header").inner_text()

        page.get_by_role("button", name="Logg ut").click()
        page.wait_for_url(f"{provider.issuer}/**")  # sent on to the provider's logout
        page.get_by_role("button", name="Yes, sign me out").click()
        page.wait_for_url(f"{base_url}/login")
        page.goto(f"{base_url}/cases")
        assert urlparse(page.url).path == "/login"
    finally:
        context.close()
