"""Smoke test in a real browser: the login page works, is accessible, and leads to the case list."""

from urllib.parse import urlparse


def test_login_page_loads(page, live_server):
    response = page.goto(f"{live_server}/login")
    assert response is not None and response.status == 200
    assert page.locator("input[name=username]").is_visible()
    assert page.locator("input[name=password]").is_visible()
    assert page.locator("html").get_attribute("lang"), "<html> needs a lang attribute"
    assert page.title().strip(), "the login page needs a <title>"


def test_login_page_has_no_serious_accessibility_violations(page, live_server, assert_accessible):
    page.goto(f"{live_server}/login")
    assert_accessible(page)


def test_caseworker_logs_in_and_sees_the_case_list(page, live_server, login):
    login(page, live_server, "veileder")
    if urlparse(page.url).path != "/cases":
        page.goto(f"{live_server}/cases")
    assert urlparse(page.url).path == "/cases", f"expected the case list, got {page.url}"
    heading = page.locator("h1").first
    heading.wait_for(state="visible")
    assert heading.inner_text().strip()
