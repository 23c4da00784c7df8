"""Names in Ge'ez and Arabic script on screen (#16 item 11): the UI loads the printed plan's fonts for those scripts
(only their subsets, only when a page holds such a character), so a machine without them shows letters, not boxes."""

from __future__ import annotations

import copy
import json

from tests.browser.conftest import login
from tests.personas import AMAL

LOADED = """family => document.fonts.ready.then(() =>
    [...document.fonts].some(f => f.family.replace(/"/g, '') === family && f.status === 'loaded'))"""
# Loads the face for these characters (as drawing them would, on a machine without a font of its own for them).
LOADS = """([family, text]) => document.fonts.load('16px "' + family + '"', text)
    .then(faces => faces.length > 0 && faces.every(f => f.status === 'loaded'))"""


def _case_named(page, live_server, name: str) -> str:
    answers = copy.deepcopy(AMAL)
    answers["participant.name"] = name
    page.goto(f"{live_server}/cases")
    csrf = page.locator("body").get_attribute("data-csrf")
    made = page.request.post(f"{live_server}/api/v1/cases", data=json.dumps({"answers": answers}),
                             headers={"Content-Type": "application/json", "X-CSRF-Token": csrf})
    assert made.status == 201, made.text()
    return f"/cases/{made.json()['id']}"


def test_a_tigrinya_and_an_arabic_name_are_drawn_with_the_plans_fonts(page, live_server):
    login(page, live_server, "veileder")
    assert not page.evaluate(LOADED, "Noto Sans Ethiopic")  # a page without Ge'ez downloads nothing of it
    stack = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Noto Sans Ethiopic" in stack and "Vazirmatn" in stack
    page.goto(live_server + _case_named(page, live_server, "ሰላም ተስፋይ"))
    # (a machine with a Ge'ez font of its own draws with that one; this one has none, so the page loads ours)
    assert page.evaluate(LOADED, "Noto Sans Ethiopic") or page.evaluate(LOADS, ["Noto Sans Ethiopic", "ሰላም"])
    page.goto(live_server + _case_named(page, live_server, "أمل حسن"))
    assert page.evaluate(LOADS, ["Vazirmatn", "أمل حسن"])  # served from our own origin (font-src 'self')
