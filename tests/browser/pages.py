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
