"""The UI in bokmål, nynorsk and English: complete catalogues, the language switch, and pages and errors in the chosen
language (bokmål by default; the JSON API follows Accept-Language)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from intake import i18n
from intake.config import ROOT
from intake.domain.derived import duration_error
from intake.domain.messages import N_
from intake.domain.questionnaire import default_questionnaire
from tests.personas import AMAL
from tests.web.pages import Page

PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The msgids pybabel extracts from the code and templates as they are now (babel.cfg)."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg", "-o", str(pot),
                    "."], cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as f:
        return {m.id for m in read_po(f) if m.id}


def _catalogue(lang: str):
    with (ROOT / "locale" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return {m.id: m for m in read_po(f, locale=lang) if m.id}


@pytest.mark.parametrize("lang", ["nn", "en"])
def test_every_string_has_a_translation(extracted, lang):
    catalogue = _catalogue(lang)
    missing = sorted(str(x) for x in extracted if x not in catalogue)
    assert not missing, f"not in locale/{lang} (run scripts/translations, then translate): {missing}"
    for msgid in extracted:
        m = catalogue[msgid]
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        assert all(s.strip() for s in strings), f"{lang}: no translation for {msgid!r}"
        assert not m.fuzzy, f"{lang}: fuzzy (check and remove the flag): {msgid!r}"
        sources = msgid if isinstance(msgid, tuple) else (msgid,)
        wanted = set(PLACEHOLDER.findall(sources[-1]))
        for s in strings:
            assert set(PLACEHOLDER.findall(s)) == wanted, f"{lang}: placeholders differ in {s!r} for {msgid!r}"


def test_the_template_is_up_to_date(extracted):
    with (ROOT / "locale" / "messages.pot").open("rb") as f:
        kept = {m.id for m in read_po(f) if m.id}
    assert kept == extracted, "locale/messages.pot is out of date: run scripts/translations"


def test_accept_language_picks_our_best_language():
    assert i18n.from_accept_language(None) == "nb"
    assert i18n.from_accept_language("en-US,en;q=0.9") == "en"
    assert i18n.from_accept_language("nn-NO, nb;q=0.8") == "nn"
    assert i18n.from_accept_language("de, no;q=0.5") == "nb"
    assert i18n.from_accept_language("fr") == "nb"


def test_a_validation_message_is_bokmal_and_translated_when_shown():
    message = duration_error({"assessment.proposed_duration_months": 60},
                             {"has_upper_secondary": True,
                              "duration_limits": {"base_min": 3, "base_max": 6, "extension": 6, "max": 12}})
    assert message == ("Varigheten kan være høyst 12 måneder for deltakere med videregående eller høyere utdanning "
                       "(3–6 måneder, og inntil 6 måneders forlengelse). Foreslått: 60 måneder.")  # JSON API, logs
    assert i18n.translate(message, "nn") == (
        "Varigheita kan vere høgst 12 månader for deltakarar med vidaregåande eller høgare utdanning "
        "(3–6 månader, og inntil 6 månaders forlenging). Føreslått: 60 månader.")
    assert i18n.translate(message, "en").startswith("The duration can be at most 12 months for participants with")
    label = default_questionnaire().by_id["participant.name"].label
    required = N_("Fyll ut «{label}».", label=label)
    assert i18n.translate(required, "en") == f"Fill in “{label['en']}”."  # the label from the questionnaire's en


def switch(c, lang, next="/cases"):
    r = c.get(f"/language/{lang}", params={"next": next})
    assert r.status_code == 303 and r.headers["location"] == next
    return r


def test_the_login_page_in_each_language(client):
    page = Page(client.get("/login"))
    assert page.text("h1") == "Logg inn"
    assert 'lang="nb"' in page.html[:200]
    switch(client, "nn", "/login")
    r = client.get("/login")
    assert "<h1>Logg inn</h1>" in r.text and "Brukarnamn" in r.text and '<html lang="nn">' in r.text
    r = client.post("/login", data={"username": "", "password": ""})
    assert "Skriv brukarnamnet ditt." in r.text
    switch(client, "en", "/login")
    r = client.get("/login")
    assert "<h1>Log in</h1>" in r.text and "Username" in r.text and '<html lang="en">' in r.text
    assert "Skip to main content" in r.text


def test_the_switch_links_are_in_the_header_and_go_back_to_the_same_page(client):
    page = Page(client.get("/login?next=/cases/1"))
    links = page.all("nav.language-switch a")
    assert [a.text for a in links] == ["Bokmål", "Nynorsk", "English"]
    assert all("next=/login%3Fnext%3D/cases/1" in a.get("href") for a in links)
    assert client.get("/language/xx").headers["set-cookie"].startswith("lang=nb")
    assert client.get("/language/nn", params={"next": "//evil.example"}).headers["location"] == "/cases"


def test_on_a_page_that_answers_a_form_the_switch_leads_back_to_the_form_never_to_a_post_only_address(client):
    # A login with an error answers the POST with a page; a link cannot repeat the POST, so it goes to the form's page.
    headers = {"Origin": "http://testserver", "Referer": "http://testserver/login?next=/cases/1"}
    r = client.post("/login", data={"username": "", "password": "", "next": "/cases/1"}, headers=headers)
    assert r.status_code == 422
    hrefs = [a.get("href") for a in Page(r).all("nav.language-switch a")]
    assert hrefs and all(h.endswith("next=/login%3Fnext%3D/cases/1") for h in hrefs)
    assert client.get(hrefs[1].replace("http://testserver", "")).headers["location"] == "/login?next=/cases/1"
    # A Referer from another site is not followed: the start page instead.
    headers["Referer"] = "http://evil.example/login"
    r = client.post("/login", data={"username": "", "password": ""}, headers=headers)
    assert all(a.get("href").endswith("next=/") for a in Page(r).all("nav.language-switch a"))


def test_the_case_list_in_nynorsk_and_english(caseworker, logged_in, make_case):
    c = logged_in(caseworker)
    make_case(caseworker, AMAL)
    r = c.get("/cases")
    assert "Ny kartlegging" in r.text and "Frist for vedtak" in r.text  # bokmål by default
    switch(c, "nn")
    r = c.get("/cases")
    assert '<html lang="nn">' in r.text
    assert "Søk etter namn eller DUF-nummer" in r.text and "Deltakar" in r.text and "Logg ut" in r.text
    assert 'aria-current="true">Nynorsk' in r.text
    switch(c, "en")
    r = c.get("/cases")
    assert "New mapping" in r.text and "Decision deadline" in r.text and "Log out" in r.text
    assert ">Cases</a>" in r.text and "Programme caseworker" in r.text
    assert "Ny kartlegging" not in r.text


def test_a_wizard_section_with_its_labels_and_errors_in_nynorsk_and_english(caseworker, logged_in, make_case):
    c = logged_in(caseworker)
    case = make_case(caseworker)
    url = f"/cases/{case.id}/sections/participant"
    bad = {"_csrf": c.csrf, "_action": "autosave", "participant.national_id": "123",
           "participant.birth_date": "31.02.2024"}
    r = c.post(url, data=bad)
    assert "Fødselsnummer og D-nummer har 11 siffer, men dette har 3." in r.text  # bokmål by default
    switch(c, "nn", url)
    r = c.get(url)
    q = default_questionnaire()
    assert q.by_id["participant.name"].label["nn"] in r.text
    assert q.by_id["participant.name"].help["nn"] in r.text
    assert "Fødselsnummer og D-nummer har 11 siffer, men dette har 3." in r.text  # the same words in nynorsk
    assert "Datoen finst ikkje. Sjekk dag og månad." in r.text
    assert "Lagre og hald fram" in r.text and "Vel …" in r.text
    switch(c, "en", url)
    r = c.get(url)
    assert q.by_id["participant.name"].label["en"] in r.text
    assert "National identity numbers and D numbers have 11 digits, but this one has 3." in r.text
    assert "The date does not exist. Check the day and month." in r.text
    assert "There are 2 errors you must correct" in r.text
    assert "Save and continue" in r.text and "(optional)" in r.text
    assert Page(r).text("h1") == q.section("participant").title["en"]


def test_the_api_answers_in_bokmal_unless_accept_language_asks(caseworker, api_client):
    c = api_client(caseworker)
    body = {"answers": {"participant.national_id": "123"}}
    r = c.post("/api/v1/cases", json=body)
    assert r.status_code == 422
    assert r.json()["errors"][0]["message"] == "Fødselsnummer og D-nummer har 11 siffer, men dette har 3."
    c.cookies.set(i18n.COOKIE, "en")  # a page's language choice does not change the API
    assert c.post("/api/v1/cases", json=body).json()["errors"][0]["message"].startswith("Fødselsnummer")
    r = c.post("/api/v1/cases", json=body, headers={"Accept-Language": "en"})
    assert r.json()["errors"][0]["message"] == "National identity numbers and D numbers have 11 digits, but this one has 3."
    r = c.post("/api/v1/cases", json=body, headers={"Accept-Language": "nn"})
    assert r.json()["errors"][0]["message"] == "Fødselsnummer og D-nummer har 11 siffer, men dette har 3."


def test_the_case_page_in_english_and_nynorsk(caseworker, logged_in, make_case):
    c = logged_in(caseworker)
    case = make_case(caseworker, AMAL)
    switch(c, "en", f"/cases/{case.id}")
    r = c.get(f"/cases/{case.id}")
    assert "Integration plan" in r.text and "Career guidance" in r.text and "Check the answers" in r.text
    assert default_questionnaire().sections[0].title["en"] in r.text
    switch(c, "nn", f"/cases/{case.id}")
    assert "Integreringsplan" in c.get(f"/cases/{case.id}").text and "Kartlegginga" in c.get(f"/cases/{case.id}").text


def test_the_counsellors_inbox_in_english(logged_in, make_org, make_user):
    centre = make_org(kind="career_centre", municipality_number=None, county_code="33")
    c = logged_in(make_user("counsellor", centre))
    switch(c, "en", "/inbox")
    r = c.get("/inbox")
    assert r.status_code == 200
    assert "Referrals by status" in r.text and "No referrals here." in r.text and ">Inbox</a>" in r.text


def test_the_plan_page_in_english(caseworker, logged_in, make_case):
    c = logged_in(caseworker)
    case = make_case(caseworker, AMAL)
    switch(c, "en", f"/cases/{case.id}/plan")
    r = c.get(f"/cases/{case.id}/plan")
    assert r.status_code == 200
    assert "<h1>Integration plan</h1>" in r.text and "Complete the mapping first." in r.text


def test_a_refused_status_change_is_translated_when_shown():
    from intake.domain.guidance import TRANSITIONS, not_allowed_message

    message = not_allowed_message(TRANSITIONS["accept"], "draft")
    assert message == "«Godta henvisningen» er ikke mulig når henvisningen har status «Utkast». Det er mulig fra: Mottatt."
    assert i18n.translate(message, "en") == (
        "“Accept the referral” is not possible when the referral has the status “Draft”. It is possible from: Received.")
