"""A real OpenID provider for the single sign-on tests, and a browser that goes through its pages.

Fixtures
    oidc_provider (session)  `node tests/oidc/provider.mjs` (npm's `oidc-provider`) on a free port, with one client
                             for the test app: `.issuer`, `.account(sub, **claims)`, `.set_clock(moment)`
    sso(**provider settings) configures the app's provider for this test (KARTLEGGING_OIDC_PROVIDERS) and returns it
    sso_browser               follows a login through the provider: `.login(client, sub, next=None)` answers the app's
                             last response (after the callback), `.follow(client, url)` goes through provider pages
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.web.conftest import make_case  # noqa: F401  (shared fixture)

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID, CLIENT_SECRET = "kartlegging-test", "tests-only-client-secret"
APP = "http://testserver"  # the TestClient's address, where the provider sends the browser back


class Provider:
    def __init__(self, issuer: str):
        self.issuer = issuer

    def account(self, sub: str, **claims) -> str:
        httpx.post(f"{self.issuer}/__test/account", json={"sub": sub, **claims}).raise_for_status()
        return sub

    def set_clock(self, moment) -> None:
        httpx.post(f"{self.issuer}/__test/clock", json={"now": moment.timestamp()}).raise_for_status()


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Provider]:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("the single sign-on tests need Node.js and `npm ci` (scripts/setup)", pytrace=False)
    clients = [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                "redirect_uris": [f"{APP}/login/sso/callback"], "post_logout_redirect_uris": [f"{APP}/login"]}]
    proc = subprocess.Popen([node, str(ROOT / "tests" / "oidc" / "provider.mjs")], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env={**os.environ, "TEST_OIDC_CLIENTS": json.dumps(clients)})
    try:
        line = proc.stdout.readline()
        if not line:
            pytest.fail("the test OpenID provider did not start", pytrace=False)
        yield Provider(json.loads(line)["issuer"])
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def sso(oidc_provider: Provider, monkeypatch, today) -> Callable:
    """Configure the app's provider (settings as KARTLEGGING_OIDC_PROVIDERS takes them) for this test."""
    from intake import oidc
    from intake.config import get_settings
    from intake import clock

    oidc_provider.set_clock(clock.now())  # the provider issues tokens on the test's clock

    def configure(**settings) -> dict:
        provider = {"name": "test", "label": "Testkommunens konto", "issuer": oidc_provider.issuer,
                    "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **settings}
        monkeypatch.setenv("KARTLEGGING_OIDC_PROVIDERS", json.dumps([provider]))
        get_settings.cache_clear()
        return provider

    yield configure
    monkeypatch.delenv("KARTLEGGING_OIDC_PROVIDERS", raising=False)
    get_settings.cache_clear()
    oidc._cache.clear()


FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)
INPUT = re.compile(r'<input([^>]*)>')


def _attr(tag: str, name: str) -> str | None:
    found = re.search(rf'\b{name}="([^"]*)"', tag)
    return html.unescape(found.group(1)) if found else None


class Browser:
    """The person at the provider's pages: a cookie jar of its own there, forms submitted as they come."""

    def __init__(self, provider: Provider):
        self.provider = provider
        self.http = httpx.Client(follow_redirects=False, timeout=10)
        self.pages: list[str] = []  # the provider pages shown, for tests that look at them

    def follow(self, client, url: str, sub: str | None = None, ready: Callable[[str], bool] | None = None):
        """Go to `url`, through the provider's redirects and pages (its login form as `sub`, its consent and logout
        confirmations), until the provider sends the browser back to the app; answers the app's response to that."""
        for _ in range(20):
            if url.startswith(APP):
                parts = urlsplit(url)
                return client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
            response = self.http.get(url) if isinstance(url, str) else url
            while True:
                if response.is_redirect:
                    url = str(response.url.join(response.headers["location"]))
                    break
                page = response.text
                self.pages.append(page)
                form = FORM.search(page)
                assert form is not None, f"the provider showed a page without a form:\n{page[:2000]}"
                fields = {}
                for tag in INPUT.findall(form.group(2)):
                    name = _attr(tag, "name")
                    if name:
                        fields[name] = _attr(tag, "value") or ""
                if "login" in fields:
                    assert sub is not None, "the provider asks for a login"
                    fields.update(login=sub, password="any")
                if 'name="logout"' in page:
                    fields["logout"] = "yes"
                response = self.http.post(str(response.url.join(html.unescape(form.group(1)))), data=fields)
        raise AssertionError("too many redirects between the app and the provider")

    def login(self, client, sub: str, next: str | None = None, name: str = "test"):
        start = client.get(f"/login/sso/{name}" + (f"?next={next}" if next else ""))
        assert start.status_code == 303, start.text
        return self.follow(client, start.headers["location"], sub)


@pytest.fixture
def sso_browser(oidc_provider: Provider) -> Iterator[Browser]:
    browser = Browser(oidc_provider)
    yield browser
    browser.http.close()
