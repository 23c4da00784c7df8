"""The leaders' pages and the caseworker's start page in a real browser: on a 390 px wide phone nothing is wider than
the screen, the charts are drawn (no script), and axe-core finds no serious or critical problem."""

from __future__ import annotations

import pytest

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("username, path, heading", [
    ("leder", "/oversikt", "Oversikt – Drammen kommune"),
    ("karriereleder", "/oversikt", "Oversikt – "),
    ("veileder", "/cases", "Saker – Drammen kommune"),
])
def test_the_page_reads_on_a_phone_and_is_accessible(page, live_server, login, assert_accessible, username, path,
                                                     heading):
    login(page, live_server, username)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}{path}")
    assert page.locator("h1").inner_text().startswith(heading)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert_accessible(page)


def test_a_figure_chart_is_drawn_beside_its_table(page, live_server, login):
    login(page, live_server, "leder")
    page.goto(f"{live_server}/oversikt")
    figure = page.locator("#fig-status")
    assert figure.locator("svg.chart").is_visible()
    assert figure.locator("table.figure-table th[scope=row]").count() == 3
    # The period form: a wrong date is said at the field and what was typed stays
    page.fill("#f-from", "31.02.2026")
    page.get_by_role("button", name="Vis perioden").click()
    page.locator("#f-from-error").wait_for()
    assert page.input_value("#f-from") == "31.02.2026"
