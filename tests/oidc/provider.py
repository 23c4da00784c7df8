"""The test OpenID provider (provider.mjs beside this file) as the tests use it: started with a client for the app,
given accounts and a clock over HTTP, and a `Browser` that goes through its pages (tests/oidc/conftest.py, and the
browser test tests/browser/test_single_sign_on.py)."""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

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


@contextlib.contextmanager
def running_provider(app_url: str = APP) -> Iterator[Provider]:
    """`tests/oidc/provider.mjs` with one client for the app at `app_url`, until the block ends."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("the single sign-on tests need Node.js and `npm ci` (scripts/setup)", pytrace=False)
    clients = [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                "redirect_uris": [f"{app_url}/login/sso/callback"], "post_logout_redirect_uris": [f"{app_url}/login"]}]
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

    def follow(self, client, url: str, sub: str | None = None):
        """Go to `url`, through the provider's redirects and pages (its login form as `sub`, its consent and logout
        confirmations), until the provider sends the browser back to the app; answers the app's response to that."""
        response = self.http.get(url)
        for _ in range(20):
            if response.is_redirect:
                url = str(response.url.join(response.headers["location"]))
                if url.startswith(APP):
                    parts = urlsplit(url)
                    return client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
                response = self.http.get(url)
                continue
            page = response.text
            self.pages.append(page)
            form = FORM.search(page)
            assert form is not None, f"the provider showed a page without a form:\n{page[:2000]}"
            fields = {_attr(tag, "name"): _attr(tag, "value") or "" for tag in INPUT.findall(form.group(2))}
            fields.pop(None, None)
            if "login" in fields:
                assert sub is not None, "the provider asks for a login"
                fields.update(login=sub, password="any")
            if 'name="logout"' in page:
                fields["logout"] = "yes"  # "Yes, sign me out"
            response = self.http.post(str(response.url.join(html.unescape(form.group(1)))), data=fields)
        raise AssertionError("too many redirects between the app and the provider")

    def login(self, client, sub: str, next: str | None = None, name: str = "test"):
        start = client.get(f"/login/sso/{name}" + (f"?next={next}" if next else ""))
        assert start.status_code == 303, start.text
        return self.follow(client, start.headers["location"], sub)
