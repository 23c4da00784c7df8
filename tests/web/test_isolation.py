"""Every case request is checked against the user's organisation and role: another organisation's case is 404 in
pages and API alike; a leader reads but does not edit; a career counsellor does not see municipality cases."""

from __future__ import annotations

import pytest

from tests.personas import AMAL, YONAS
from tests.web.pages import HTMX, Page, search_cases


@pytest.fixture
def bergen(make_org, make_user):
    return make_user("caseworker", make_org(municipality_number="4601", county_code="46"))


@pytest.fixture
def drammen_case(caseworker, make_case):
    return make_case(caseworker, {**AMAL})


def case_urls(case):
    return [f"/cases/{case.id}", f"/cases/{case.id}/sections/participant", f"/cases/{case.id}/sections/assessment",
            f"/cases/{case.id}/check"]


def test_another_municipalitys_caseworker_gets_404_everywhere(bergen, drammen_case, logged_in, api_client, stored):
    c = logged_in(bergen)
    before = stored(drammen_case.id)
    missing = c.get("/cases/999999999")
    assert missing.status_code == 404
    assert "Logg ut" in missing.text  # signed in: the error page keeps the menu
    for url in case_urls(drammen_case):
        r = c.get(url)
        assert r.status_code == 404, url
        assert r.text == missing.text  # exactly like a case that does not exist
        assert "Amal" not in r.text
    form = {"_csrf": c.csrf, "_action": "continue", "participant.name": "Kapret"}
    assert c.post(f"/cases/{drammen_case.id}/sections/participant", data=form).status_code == 404
    assert c.post(f"/cases/{drammen_case.id}/sections/participant", data=form,
                  headers={**HTMX, "X-CSRF-Token": c.csrf}).status_code == 404
    assert c.post(f"/cases/{drammen_case.id}/complete", data={"_csrf": c.csrf}).status_code == 404
    api = api_client(bergen)
    r = api.get(f"/api/v1/cases/{drammen_case.id}")
    assert r.status_code == 404 and "Amal" not in r.text
    assert api.get("/api/v1/cases/999999999").json() == r.json()
    r = api.patch(f"/api/v1/cases/{drammen_case.id}/answers", json={"answers": {"participant.name": "Kapret"}})
    assert r.status_code == 404
    # the cookie session on the API, too
    r = c.patch(f"/api/v1/cases/{drammen_case.id}/answers", json={"answers": {"participant.name": "Kapret"}},
                headers={"X-CSRF-Token": c.csrf})
    assert r.status_code == 404
    after = stored(drammen_case.id)
    assert after.answers == before.answers and after.status == before.status and after.version == before.version


def test_the_case_list_and_search_show_only_the_own_organisation(bergen, drammen_case, logged_in, make_case):
    make_case(bergen, {**YONAS})
    c = logged_in(bergen)
    text = Page(c.get("/cases")).text("main")
    assert "Yonas" in text and "Amal" not in text
    assert not Page(search_cases(c, "Amal")).has("table.cases tbody tr")
    assert not Page(search_cases(c, AMAL["participant.duf_number"])).has("table.cases tbody tr")


def test_a_leader_reads_but_does_not_edit(caseworker, drammen, make_user, drammen_case, logged_in, api_client, stored):
    leader = make_user("leader", drammen)
    c = logged_in(leader)
    assert "Amal Hassan" in Page(c.get("/cases")).text("table")
    page = Page(c.get(f"/cases/{drammen_case.id}"))
    assert "Amal Hassan" in page.text("h1")
    assert not page.has(".task-list a")  # no way into the forms
    check = Page(c.get(f"/cases/{drammen_case.id}/check"))
    assert "Amal Hassan" in check.text("main")
    assert not check.has("form[action$='/complete']") and "Endre" not in check.text("main")
    assert c.get(f"/cases/{drammen_case.id}/sections/participant").status_code == 403
    before = stored(drammen_case.id).version
    r = c.post(f"/cases/{drammen_case.id}/sections/participant",
               data={"_csrf": c.csrf, "_action": "continue", "participant.name": "Endret"})
    assert r.status_code == 403
    assert c.post(f"/cases/{drammen_case.id}/complete", data={"_csrf": c.csrf}).status_code == 403
    assert c.post("/cases/new", data={"_csrf": c.csrf}).status_code == 403
    api = api_client(leader)
    assert api.get(f"/api/v1/cases/{drammen_case.id}").status_code == 200
    assert api.patch(f"/api/v1/cases/{drammen_case.id}/answers",
                     json={"answers": {"participant.name": "Endret"}}).status_code == 403
    assert api.post("/api/v1/cases", json={"answers": {}}).status_code == 403
    assert stored(drammen_case.id).version == before
    assert stored(drammen_case.id).answers["participant.name"] == "Amal Hassan"


def test_a_career_counsellor_does_not_see_municipality_cases(make_org, make_user, drammen_case, logged_in,
                                                             api_client):
    counsellor = make_user("counsellor", make_org(kind="career_centre", county_code="33"))
    c = logged_in(counsellor)
    assert "Amal" not in c.get("/cases").text
    for url in case_urls(drammen_case):
        assert c.get(url).status_code == 404, url
    assert c.post(f"/cases/{drammen_case.id}/complete", data={"_csrf": c.csrf}).status_code == 404
    assert api_client(counsellor).get(f"/api/v1/cases/{drammen_case.id}").status_code == 404


def test_an_unknown_section_is_404(caseworker, drammen_case, logged_in):
    c = logged_in(caseworker)
    assert c.get(f"/cases/{drammen_case.id}/sections/nothing").status_code == 404
    assert c.post(f"/cases/{drammen_case.id}/sections/nothing", data={"_csrf": c.csrf}).status_code == 404


@pytest.mark.parametrize("case_id", [0, -1, 2**31, 2**63])
def test_ids_no_case_can_have_are_404_not_errors(caseworker, logged_in, api_client, case_id):
    c = logged_in(caseworker)
    for url in (f"/cases/{case_id}", f"/cases/{case_id}/sections/goals", f"/cases/{case_id}/check"):
        assert c.get(url).status_code == 404, url
    assert c.post(f"/cases/{case_id}/complete", data={"_csrf": c.csrf}).status_code == 404
    api = api_client(caseworker)
    assert api.get(f"/api/v1/cases/{case_id}").status_code == 404
    assert api.patch(f"/api/v1/cases/{case_id}/answers", json={"answers": {}}).status_code == 404
