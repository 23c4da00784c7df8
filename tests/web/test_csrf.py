"""CSRF: every unsafe request made with the session cookie needs the session's token (form field or header) and a
same-site origin; the API with a Bearer token needs neither."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from tests.personas import AMAL

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_MESSAGE = "Skjemaet er utløpt eller kom fra et annet nettsted"


def _routes(routes, prefix=""):
    for route in routes:
        if hasattr(route, "original_router"):  # an included router (FastAPI keeps them as a tree)
            yield from _routes(route.original_router.routes, prefix + getattr(route.include_context, "prefix", ""))
        elif hasattr(route, "routes") and not hasattr(route, "methods"):
            yield from _routes(route.routes, prefix)
        else:
            yield prefix, route


def unsafe_html_routes(app) -> list[tuple[str, str]]:
    found = []
    for prefix, route in _routes(app.routes):
        path = prefix + getattr(route, "path", "")
        if isinstance(route, APIRoute) and not path.startswith("/api/") and path != "/login":
            found.extend((method, path) for method in sorted(route.methods & UNSAFE))
    return found


def concrete(path: str, case_id: int) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: {"case_id": str(case_id), "section_id": "participant"}.get(m[1], "1"), path)


def send(c, method, url, *, data=None, headers=None):
    return c.request(method, url, data=data, headers=headers or {})


def refused(r) -> bool:
    return r.status_code == 403 and CSRF_MESSAGE in r.text


def test_the_html_routes_are_found(app):
    routes = unsafe_html_routes(app)
    for expected in ("/logout", "/cases/new", "/cases/{case_id}/sections/{section_id}", "/cases/{case_id}/complete"):
        assert ("POST", expected) in routes


def test_every_unsafe_html_route_refuses_a_post_without_a_valid_token_or_from_another_site(
        app, caseworker, logged_in, make_case, stored):
    case = make_case(caseworker, {**AMAL})
    before = stored(case.id).version
    for method, path in unsafe_html_routes(app):
        c = logged_in(caseworker)
        url = concrete(path, case.id)
        form = {"participant.name": "Endret", "_action": "continue"}
        assert refused(send(c, method, url, data=form)), f"{method} {path} without a token"
        wrong = ("A" if c.csrf[0] != "A" else "B") + c.csrf[1:]
        assert refused(send(c, method, url, data={**form, "_csrf": wrong})), f"{method} {path} wrong token"
        assert refused(send(c, method, url, data=form, headers={"X-CSRF-Token": c.csrf[:-1]})), f"{method} {path}"
        assert refused(send(c, method, url, data={**form, "_csrf": c.csrf},
                            headers={"Origin": "https://evil.example"})), f"{method} {path} from another origin"
        assert refused(send(c, method, url, data={**form, "_csrf": c.csrf},
                            headers={"Sec-Fetch-Site": "cross-site"})), f"{method} {path} cross-site"
        other = logged_in(caseworker)  # another session's token is no good either
        assert refused(send(c, method, url, data={**form, "_csrf": other.csrf})), f"{method} {path} other session"
        assert stored(case.id).version == before, f"{method} {path} changed the case"
        assert not refused(send(c, method, url, data={**form, "_csrf": c.csrf},
                                headers={"Origin": "http://testserver"})), f"{method} {path} with the token"
        before = stored(case.id).version


def test_the_token_may_come_as_a_header_for_htmx(caseworker, logged_in, make_case, stored):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    r = c.post(f"/cases/{case.id}/sections/goals", data={"goals.short_term": "Med header"},
               headers={"X-CSRF-Token": c.csrf, "HX-Request": "true"})
    assert r.status_code == 200
    assert stored(case.id).answers["goals.short_term"] == "Med header"


def test_every_page_with_a_form_carries_the_token(caseworker, logged_in, make_case):
    from tests.web.pages import Page
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    for url in ("/cases", f"/cases/{case.id}", f"/cases/{case.id}/sections/participant", f"/cases/{case.id}/check"):
        page = Page(c.get(url))
        for form in page.all("form[method=post]"):
            tokens = [i.get("value") for i in form.iter() if i.get("name") == "_csrf"]
            assert tokens == [c.csrf], f"a form on {url} lacks the token"
        assert f'"X-CSRF-Token": "{c.csrf}"' in page.html  # htmx requests send it as a header


def test_login_refuses_a_post_from_another_site(client, caseworker):
    from tests.conftest import PASSWORD
    data = {"username": caseworker.username, "password": PASSWORD}
    r = client.post("/login", data=data, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and "kt_session" not in r.headers.get("set-cookie", "")
    r = client.post("/login", data=data, headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    assert client.post("/login", data=data, headers={"Origin": "http://testserver"}).status_code == 303


def test_api_with_a_bearer_token_needs_no_csrf_token(caseworker, api_client):
    api = api_client(caseworker)
    r = api.post("/api/v1/cases", json={"answers": {"participant.name": "Uten CSRF"}})
    assert r.status_code == 201
    r = api.patch(f"/api/v1/cases/{r.json()['id']}/answers", json={"answers": {"goals.short_term": "Ok"}})
    assert r.status_code == 200


def test_api_with_the_session_cookie_needs_the_csrf_header(caseworker, logged_in, make_case, stored):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    body = {"answers": {"goals.short_term": "Via cookie"}}
    r = c.patch(f"/api/v1/cases/{case.id}/answers", json=body)
    assert r.status_code == 403 and r.json() == {"detail": f"{CSRF_MESSAGE}. Last siden på nytt og prøv igjen."}
    assert c.post("/api/v1/cases", json=body).status_code == 403
    assert c.patch(f"/api/v1/cases/{case.id}/answers", json=body,
                   headers={"X-CSRF-Token": c.csrf, "Origin": "https://evil.example"}).status_code == 403
    assert stored(case.id).answers["goals.short_term"] == AMAL["goals.short_term"]
    r = c.patch(f"/api/v1/cases/{case.id}/answers", json=body, headers={"X-CSRF-Token": c.csrf})
    assert r.status_code == 200
    assert stored(case.id).answers["goals.short_term"] == "Via cookie"
    assert c.get(f"/api/v1/cases/{case.id}").status_code == 200  # reading needs no token


@pytest.mark.parametrize("content_type", ["text/plain", "application/json"])
def test_a_form_token_only_counts_in_a_form_body(caseworker, logged_in, make_case, content_type):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL})
    r = c.post(f"/cases/{case.id}/sections/goals", content=f"_csrf={c.csrf}",
               headers={"Content-Type": content_type})
    assert refused(r)
