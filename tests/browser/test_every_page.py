"""Every page each role can reach, in a real browser: it answers without a server error and axe-core finds no serious
or critical problem on it. The pages are found by following the links each role is shown, from its home page, so a
new page is checked as soon as a menu or a case links to it.

Amal's integration plan is first made and fixed through the browser (proposals accepted, settings filled in,
"Fastsett plan"), so that the plan builder with its proposals, the fixed version and its print view are among the pages.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import PDF_TIMEOUT_MS, axe_violations, format_violations, login
from tests.browser.pages import accept_every_proposal, answer_fix_warnings

# Not pages of the role: logging in and out, switching language (a redirect), and downloads (PDF, JSON).
NOT_A_PAGE = re.compile(r"^/(login|logout|language/)|\.(pdf|json|csv)$|/pdf$|/export/")
# Pages of one shape (ids aside) visited at most this often: enough to meet cases in different states.
PER_SHAPE = 3
# The mapping's sections have their own, deeper accessibility tests (test_accessibility.py): one of each here.
PER_SECTION_SHAPE = 1
# Reflow (WCAG 1.4.10): every page is read at this width (a phone, or a laptop at 400 % zoom) and must not scroll
# sideways; a wide table scrolls inside its own box instead.
NARROW = 320
WIDER_THAN_THE_SCREEN = """width => [...document.querySelectorAll('body *')]
    .filter(el => !el.closest('.table-scroll') && el.getBoundingClientRect().right > width)
    .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
        ' (' + Math.round(el.getBoundingClientRect().right) + ' px)')"""


def too_wide(page) -> str | None:
    """What makes the page wider than the screen, or None."""
    width = page.evaluate("document.documentElement.clientWidth")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width <= width:
        return None
    return f"{scroll_width} px wide on a {width} px screen: " + ", ".join(page.evaluate(WIDER_THAN_THE_SCREEN, width))


def _shape(path: str) -> str:
    return re.sub(r"/\d+", "/{id}", path.split("?", 1)[0])


def crawl(page, base_url: str, also: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    """Follow the links on the role's pages, breadth first, from its home page and the pages `also` names (first,
    so that a case in the state a test needs is among those visited). Returns (pages visited, problems found)."""
    queue = [urlparse(page.url).path, *also]
    seen: set[str] = set()
    per_shape: dict[str, int] = {}
    visited, problems = [], []
    while queue:
        path = queue.pop(0)
        shape = _shape(path)
        limit = PER_SECTION_SHAPE if "/sections/" in shape else PER_SHAPE
        if path in seen or per_shape.get(shape, 0) >= limit:
            continue
        seen.add(path)
        per_shape[shape] = per_shape.get(shape, 0) + 1
        response = page.goto(base_url + path)
        if response is None or response.status != 200:
            problems.append(f"{path}: HTTP {response.status if response else 'no response'}")
            continue
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        visited.append(path)
        wide = too_wide(page)
        if wide:
            problems.append(f"{path}: {wide}")
        violations = axe_violations(page)
        if violations:
            problems.append(f"{path}:\n{format_violations(violations)}")
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            url = urlparse(href)
            if url.netloc or not url.path.startswith("/") or NOT_A_PAGE.search(url.path):
                continue
            queue.append(url.path + (f"?{url.query}" if url.query else ""))
    return visited, problems


@pytest.fixture(scope="module")
def amal_plan(browser, live_server) -> str:
    """Amal's plan made and fixed as a caseworker does it in the browser; returns the plan page's path."""
    context = browser.new_context(bypass_csp=True, locale="nb-NO")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        login(page, live_server, "veileder")
        # Other browser tests make cases with Amal's answers too: the demo data's own (completed) one came first.
        cases = page.get_by_role("link", name="Amal Hassan").evaluate_all("links => links.map(a => a.pathname)")
        page.goto(live_server + min(cases, key=lambda path: int(path.rsplit("/", 1)[1])))
        page.get_by_role("link", name="Gå til integreringsplanen").click()
        plan_path = urlparse(page.url).path
        if page.get_by_role("button", name="Lag planforslag").count():
            page.get_by_role("button", name="Lag planforslag").click()
            page.get_by_text("Planen er laget av forslagene fra kartleggingen.").wait_for()
        if page.locator("#versions tbody tr").count() == 0:
            page.get_by_label("Begrunnelse for forlengelse").fill("Godkjenning som sykepleier og norsk på B2-nivå.")
            page.get_by_label("Startdato for programmet").fill("2027-01-04")
            page.get_by_label("Timer opplæring i norsk").fill("550")
            page.get_by_role("button", name="Lagre mål og omfang").click()
            page.wait_for_url(re.compile(r"notice=settings"))
            accept_every_proposal(page)
            answer_fix_warnings(page)
            page.get_by_role("button", name="Fastsett plan").click(timeout=PDF_TIMEOUT_MS)
            page.get_by_text("Versjon 1 er fastsatt").wait_for()
        pdf = page.request.get(f"{live_server}{plan_path}/versions/1.pdf")
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF-")
        return plan_path
    finally:
        context.close()


@pytest.mark.parametrize("username, reads_amal, must_reach", [
    ("veileder", True, ["/cases", "/plan", "/plan/preview", "/plan/versions/1", "/referrals/new", "/consent"]),
    ("leder", True, ["/oversikt", "/cases", "/audit", "/plan", "/erase"]),
    ("karriere", False, ["/inbox", "/print", "/contract", "/sessions", "/summary"]),
    ("karriereleder", False, ["/oversikt"]),
    ("admin", False, ["/admin/users", "/admin/organisations", "/admin/counties", "/admin/tokens"]),
])
def test_every_page_a_role_reaches_answers_and_is_accessible(page, live_server, amal_plan, username, reads_amal,
                                                             must_reach):
    # at 320 px: nothing may scroll the page sideways (#16 item 8)
    page.set_viewport_size({"width": NARROW, "height": 800})
    page.goto(f"{live_server}/login")
    assert too_wide(page) is None
    login(page, live_server, username)
    # Amal's case and plan first (other tests' cases fill the case list): the plan in every state is then met.
    amal_case = amal_plan.rsplit("/plan", 1)[0]
    visited, problems = crawl(page, live_server, (amal_case, amal_plan) if reads_amal else ())
    assert not problems, f"{username}: {len(problems)} page(s) with problems:\n" + "\n".join(problems)
    for part in must_reach:  # the crawl really went where the role works
        assert any(path.endswith(part) or path.startswith(part) for path in visited), (part, visited)
