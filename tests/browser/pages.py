"""Small helpers shared by the browser tests for finding things on the wizard's pages."""

from __future__ import annotations

import re
from urllib.parse import urlparse


def start_case(page, base_url: str) -> str:
    """Press "Ny kartlegging" on the case list (with the mouse); returns the new case's path, /cases/<id>."""
    page.goto(f"{base_url}/cases")
    page.get_by_role("button", name="Ny kartlegging").click()
    page.wait_for_url(re.compile(r"/cases/\d+/sections/participant$"))
    return urlparse(page.url).path.rsplit("/sections/", 1)[0]


def summary_row(page, section_id: str, label: str):
    """The check-answers row of the question labelled `label` in a section."""
    block = page.locator(f"section[aria-labelledby='h-{section_id}']")
    return block.locator(".summary-row", has=page.locator("dt", has_text=re.compile("^" + re.escape(label)))).first


def completed_case(page, base_url: str, answers: dict) -> str:
    """A case of the signed-in caseworker's own with `answers`, its mapping completed (made through the JSON API with
    the browser's session, completed with "Fullfør kartlegging"); returns its path, /cases/<id>. Browser tests share
    one server, so a test that changes a plan makes its own case."""
    import json

    page.goto(f"{base_url}/cases")
    csrf = page.locator("body").get_attribute("data-csrf")
    made = page.request.post(f"{base_url}/api/v1/cases", data=json.dumps({"answers": answers}),
                             headers={"Content-Type": "application/json", "X-CSRF-Token": csrf})
    assert made.status == 201, made.text()
    case_path = f"/cases/{made.json()['id']}"
    page.goto(f"{base_url}{case_path}/check")
    page.get_by_role("button", name="Fullfør kartlegging").click()
    page.wait_for_url(re.compile(re.escape(case_path) + r"\?completed=1"))
    return case_path


def answer_fix_warnings(page) -> None:
    """On the plan builder: a reason for each warning shown before "Fastsett plan" (before career guidance, after the
    decision deadline), as the caseworker writes it."""
    for name, reason in (("before_guidance_reason", "Ventetid på karrieresenteret; planen justeres etterpå."),
                         ("late_reason", "Deltakeren var syk i flere uker.")):
        field = page.locator(f"#f-{name}")
        if field.count():
            field.fill(reason)


def left_to_decide(page) -> int:
    """How many proposals the plan builder's status at the top says are not decided."""
    found = re.search(r"(\d+) forslag er ikke avgjort", page.locator("#plan-status").inner_text())
    return int(found.group(1)) if found else 0


def accept_every_proposal(page) -> None:
    """On the plan builder: take every proposal into the plan, one card at a time, waiting for each swap (htmx) or
    page (without JavaScript) to come back before the next."""
    while left_to_decide(page):
        before = left_to_decide(page)
        page.locator("li.plan-element.status-proposed").first.get_by_role(
            "button", name=re.compile("^Ta med i planen")).click()
        page.wait_for_function(
            "n => !document.querySelector('#plan-status').innerText.includes(n + ' forslag er ikke avgjort')",
            arg=before)
