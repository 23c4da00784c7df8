"""What every answer carries (CSP, framing, referrer, no caching of personal data) and how hostile input is met:
oversized requests, overlong fields, markup in names."""

from __future__ import annotations

import re

import pytest

from intake.config import ROOT
from tests.personas import AMAL
from tests.web.pages import Page, search_cases

SCRIPT_IN_NAME = "<script>alert(1)</script>"


def _csp(response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {d.split()[0]: d.strip() for d in policy.split(";") if d.strip()}


def _assert_safe_headers(r, personal: bool = True):
    csp = _csp(r)
    script = csp.get("script-src", csp["default-src"])
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["object-src"] == "object-src 'none'"
    assert r.headers["referrer-policy"] in ("same-origin", "no-referrer", "strict-origin")
    assert r.headers["x-content-type-options"] == "nosniff"
    if personal:
        assert "no-store" in r.headers["cache-control"]


def test_pages_with_personal_data_are_never_cached_nor_framed(logged_in, caseworker, make_case):
    c = logged_in(caseworker)
    case = make_case(caseworker, AMAL)
    for path in ["/cases", f"/cases/{case.id}", f"/cases/{case.id}/sections/participant", f"/cases/{case.id}/check",
                 f"/api/v1/cases/{case.id}", "/account/password"]:
        r = c.get(path)
        assert r.status_code == 200, path
        _assert_safe_headers(r)


def test_login_and_error_pages_carry_the_same_headers(client):
    _assert_safe_headers(client.get("/login"))
    _assert_safe_headers(client.get("/no-such-page"))


@pytest.fixture
def failing_app(app):
    """An app of its own (the shared one's routes are walked by other tests) with routes that fail as a bug would."""
    from fastapi.testclient import TestClient

    from intake.app import create_app

    broken = create_app()

    def fail():
        raise RuntimeError("a bug")

    broken.add_api_route("/broken-page", fail, include_in_schema=False)
    broken.add_api_route("/api/v1/broken", fail, include_in_schema=False)
    with TestClient(broken, raise_server_exceptions=False, follow_redirects=False) as c:
        yield c


def test_a_server_error_carries_the_same_headers_as_every_page(failing_app):
    """#12 item 19: Starlette answers an unhandled error from outside every middleware, with none of the headers."""
    page = failing_app.get("/broken-page")
    assert page.status_code == 500 and "Noe gikk galt" in Page(page).text("h1")
    _assert_safe_headers(page)
    assert page.headers["x-frame-options"] == "DENY"
    api = failing_app.get("/api/v1/broken")
    assert api.status_code == 500 and api.json() == {"detail": "Noe gikk galt hos oss. Prøv igjen om litt."}
    _assert_safe_headers(api)


@pytest.mark.parametrize("secure", [True, False])
def test_hsts_is_sent_on_every_answer_where_cookies_are_secure(client, failing_app, monkeypatch, secure):
    from intake.config import get_settings

    if secure:
        monkeypatch.setenv("KARTLEGGING_SECURE_COOKIES", "1")
    else:
        monkeypatch.delenv("KARTLEGGING_SECURE_COOKIES", raising=False)
    get_settings.cache_clear()
    try:
        answers = [client.get("/login"), client.get("/no-such-page"), client.get("/static/app.css"),
                   client.post("/login", content=b"x" * 2_000_000,
                               headers={"content-type": "application/x-www-form-urlencoded"}),
                   failing_app.get("/broken-page"), failing_app.get("/api/v1/broken")]
    finally:
        get_settings.cache_clear()
    assert [r.status_code for r in answers] == [200, 404, 200, 413, 500, 500]
    for r in answers:
        if secure:
            assert r.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains", r.request.url
        else:
            assert "strict-transport-security" not in r.headers, r.request.url
        _assert_safe_headers(r, personal=not r.request.url.path.startswith("/static/"))


def test_static_files_may_be_cached_but_not_framed(client):
    r = client.get("/static/app.css")
    assert r.status_code == 200
    _assert_safe_headers(r, personal=False)


def test_versioned_static_files_are_cached_for_a_year_and_others_are_checked_each_time(logged_in, caseworker):
    # #16 item 15: static files were sent without Cache-Control. A page names them with their content's hash.
    page = logged_in(caseworker).get("/cases").text
    urls = re.findall(r'(?:href|src)="(/static/[^"]+\?v=[0-9a-f]{12})"', page)
    assert {"/static/app.css", "/static/app.js", "/static/vendor/htmx/htmx.min.js"} <= {u.split("?")[0] for u in urls}
    for url in urls:
        r = logged_in(caseworker).get(url)
        assert r.status_code == 200 and r.headers["cache-control"] == "public, max-age=31536000, immutable", url
    assert logged_in(caseworker).get("/static/app.css").headers["cache-control"] == "no-cache"


def test_pages_and_static_files_are_compressed_for_a_browser_that_accepts_it(logged_in, caseworker, make_case):
    c = logged_in(caseworker)
    case = make_case(caseworker, AMAL)
    for path in (f"/cases/{case.id}/sections/participant", "/static/app.css", "/static/vendor/htmx/htmx.min.js",
                 f"/api/v1/cases/{case.id}"):
        r = c.get(path, headers={"Accept-Encoding": "gzip"})
        assert r.status_code == 200 and r.headers.get("content-encoding") == "gzip", path
        assert "no-store" in r.headers["cache-control"] or path.startswith("/static/")
    assert "content-encoding" not in c.get("/static/app.css", headers={"Accept-Encoding": "identity"}).headers


def test_no_template_has_inline_script_or_event_handlers():
    # The CSP would block them; this says where instead of a silent failure in the browser.
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"<script\b[^>]*>", text):
            if "src=" not in m.group(0):
                offenders.append(f"{path.relative_to(ROOT)}: inline <script>")
        for m in re.finditer(r"\son[a-z]+\s*=", text):
            offenders.append(f"{path.relative_to(ROOT)}: event handler attribute {m.group(0).strip()}")
        if "javascript:" in text:
            offenders.append(f"{path.relative_to(ROOT)}: javascript: URL")
    assert not offenders, "\n".join(offenders)


# --- hostile input ---------------------------------------------------------------------------------------------


def test_a_request_over_the_size_limit_is_refused_with_413(logged_in, caseworker, make_case):
    c = logged_in(caseworker)
    case = make_case(caseworker)
    r = c.post(f"/cases/{case.id}/sections/participant", content=b"a=" + b"x" * 1_100_000,
               headers={"content-type": "application/x-www-form-urlencoded", "X-CSRF-Token": c.csrf})
    assert r.status_code == 413
    assert "for stor" in Page(r).text("main")
    r = c.post("/api/v1/cases", content=b'{"answers": {"participant.name": "' + b"x" * 1_100_000 + b'"}}',
               headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["detail"]


def test_a_body_sent_in_chunks_without_a_length_is_limited_too(logged_in, api_client, caseworker, make_case):
    def chunks():  # no Content-Length: the limit has to count as the body arrives
        yield b"goals.short_term="
        for _ in range(30):
            yield b"x" * 100_000

    c = logged_in(caseworker)
    case = make_case(caseworker, AMAL)
    r = c.post(f"/cases/{case.id}/sections/goals", content=chunks(),
               headers={"content-type": "application/x-www-form-urlencoded", "X-CSRF-Token": c.csrf})
    assert r.status_code == 413 and "for stor" in Page(r).text("main")
    r = api_client(caseworker).post("/api/v1/cases", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


@pytest.mark.parametrize("path, field, extra", [
    ("/admin/organisations", "name", {"kind": "municipality", "municipality_number": "3301"}),
    ("/admin/users/new", "full_name", {"username": "lang.navn", "role": "caseworker"}),
    ("/admin/users/new", "username", {"full_name": "Lang Brukernavn", "role": "caseworker"}),
    ("/admin/users/new", "email", {"full_name": "Lang E-post", "username": "lang.epost", "role": "caseworker"}),
    ("/admin/users/new", "phone", {"full_name": "Lang Telefon", "username": "lang.telefon", "role": "caseworker"}),
], ids=["org-name", "user-name", "username", "email", "phone"])
def test_every_administration_field_has_a_maximum_length(logged_in, make_user, drammen, path, field, extra):
    c = logged_in(make_user("admin", drammen))
    data = {"_csrf": c.csrf, "organisation_id": str(drammen.id), **extra, field: "x" * 10_000}
    r = c.post(path, data=data)
    assert r.status_code == 422
    page = Page(r)
    assert any("høyst" in m for m in page.field_errors(f"f-{field}"))
    assert page.form(f"main form[action='{path}']")[field] == ["x" * 10_000]  # what was typed is kept


def test_search_and_filters_refuse_overlong_queries_without_crashing(logged_in, caseworker, make_user, drammen):
    c = logged_in(caseworker)
    r = search_cases(c, "x" * 10_000)
    assert r.status_code == 422 and Page(r).field_errors("f-q") == ["Søket kan ha høyst 100 tegn."]
    leader = logged_in(make_user("leader", drammen))
    assert leader.get("/audit", params={"case": "9" * 10_000}).status_code in (400, 422)
    assert leader.get("/audit", params={"case": "tolv"}).status_code == 422


def test_a_script_in_a_name_is_shown_as_text_everywhere(logged_in, caseworker, make_case, make_user, drammen):
    c = logged_in(caseworker)
    case = make_case(caseworker, {**AMAL, "participant.name": SCRIPT_IN_NAME})
    for path in ["/cases", f"/cases/{case.id}", f"/cases/{case.id}/sections/participant", f"/cases/{case.id}/check"]:
        r = c.get(path)
        assert r.status_code == 200
        assert SCRIPT_IN_NAME not in r.text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text, path
    assert SCRIPT_IN_NAME in Page(c.get(f"/cases/{case.id}")).text("h1")  # a person reads it literally
    admin = logged_in(make_user("admin", drammen))
    r = admin.post("/admin/users/new", data={"_csrf": admin.csrf, "full_name": SCRIPT_IN_NAME, "role": "caseworker",
                                             "username": f"skript{case.id}", "organisation_id": str(drammen.id)})
    assert r.status_code == 200 and SCRIPT_IN_NAME not in r.text
    assert SCRIPT_IN_NAME not in admin.get("/admin/users").text


def test_every_text_question_has_a_maximum_length():
    from intake.domain.questionnaire import default_questionnaire

    q = default_questionnaire()
    fields = [f for x in q.questions() for f in ((x, *x.fields) if x.type == "repeat" else (x,))]
    unbounded = [f.id for f in fields if f.type in ("text", "longtext", "occupation") and not f.max_length]
    assert not unbounded, unbounded


def test_an_overlong_answer_through_the_api_is_a_field_error(api_client, caseworker, make_case):
    case = make_case(caseworker, AMAL)
    r = api_client(caseworker).patch(f"/api/v1/cases/{case.id}/answers",
                                     json={"answers": {"participant.name": "x" * 10_000}})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["participant.name"]
