"""A real OpenID provider for the single sign-on tests, and a browser that goes through its pages.

Fixtures
    oidc_provider (session)  `node tests/oidc/provider.mjs` (npm's `oidc-provider`) on a free port, with one client
                             for the test app: `.issuer`, `.account(sub, **claims)`, `.set_clock(moment)`
    sso(**provider settings) configures the app's provider for this test (KARTLEGGING_OIDC_PROVIDERS) and returns it
    sso_browser              follows a login through the provider: `.login(client, sub, next=None)` answers the app's
                             last response (after the callback), `.follow(client, url)` goes through provider pages
"""

from __future__ import annotations

import json
from typing import Callable, Iterator

import pytest

from tests.oidc.provider import CLIENT_ID, CLIENT_SECRET, Browser, Provider, running_provider
from tests.web.conftest import make_case  # noqa: F401  (shared fixture)


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Provider]:
    with running_provider() as provider:
        yield provider


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


@pytest.fixture
def sso_browser(oidc_provider: Provider) -> Iterator[Browser]:
    browser = Browser(oidc_provider)
    yield browser
    browser.http.close()
