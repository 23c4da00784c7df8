"""The plan builder pages and the fixed versions over HTTP: forms without JavaScript, errors at the field with nothing
typed lost, access by organisation and role, and the stored PDF served as it was printed."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from intake import plans
from intake.models import AuditEntry
from intake.models_plans import Plan
from intake.web.templates import norwegian_date
from tests.plans.helpers import builder, fix_form, post
from tests.web.pages import Page


@pytest.fixture
def amal(db, caseworker, completed_case):
    return completed_case(caseworker)


def test_the_caseworker_makes_the_plan_and_sees_why_each_proposal_was_made(db, caseworker, logged_in, amal):
    web = logged_in(caseworker)
    assert f"/cases/{amal.id}/plan" in Page(web.get(f"/cases/{amal.id}")).links()
    page = builder(web, amal)
    assert "Lag planforslag" in page.text("main")
    r = post(web, f"/cases/{amal.id}/plan")
    assert r.status_code == 303
    page = builder(web, amal)
    plan = db.exec(select(Plan).where(Plan.case_id == amal.id)).one()
    element = next(e for e in plans.elements_of(db, plan) if e.code == "AUTHORISATION")
    assert "Helsedirektoratet" in page.text(f"#element-{element.id} dl")
    why = page.text(f"#element-{element.id} details.why")
    assert why.startswith("Hvorfor?") and "Lovregulert yrke: Sykepleier" in why and "Kilde:" in why
    # The settings form starts from the mapping.
    form = page.form("form#settings-form")
    assert form["end_goal"] == ["work"] and form["duration_months"] == ["12"] and form["language"] == ["ar"]
    # Only the end goals the law allows Amal are offered.
    assert [o.get("value") for o in page.all("#f-end_goal option")] == ["", "work", "higher_education_qualification"]


def test_a_rejection_without_a_reason_is_shown_at_the_field(db, caseworker, logged_in, amal):
    web = logged_in(caseworker)
    post(web, f"/cases/{amal.id}/plan")
    plan = db.exec(select(Plan).where(Plan.case_id == amal.id)).one()
    element = plans.elements_of(db, plan)[0]
    r = post(web, f"/cases/{amal.id}/plan/elements/{element.id}/decision", {"decision": "rejected", "reason": ""})
    assert r.status_code == 422
    page = Page(r)
    dom = f"f-element-{element.id}-reason"
    assert page.field_errors(dom) and page.summary()[0][1] == f"#{dom}"
    r = post(web, f"/cases/{amal.id}/plan/elements/{element.id}/decision",
             {"decision": "rejected", "reason": "Deltakeren har dette fra før."})
    assert r.status_code == 303
    assert "Deltakeren har dette fra før." in builder(web, amal).text(f"#element-{element.id}")


def test_settings_errors_keep_what_was_typed(caseworker, logged_in, amal):
    web = logged_in(caseworker)
    post(web, f"/cases/{amal.id}/plan")
    page = builder(web, amal)
    data = {k: v[-1] for k, v in page.form("form#settings-form").items()}
    data |= {"duration_months": "atten", "long_term_goal": "Jobbe som sykepleier på Drammen sykehus.",
             "norwegian_hours": "450"}
    r = web.post(f"/cases/{amal.id}/plan/settings", data=data)
    assert r.status_code == 422
    page = Page(r)
    assert page.field_errors("f-duration_months") == ["Varigheten må være et helt tall, for eksempel 12."]
    form = page.form("form#settings-form")
    assert form["duration_months"] == ["atten"]
    assert form["long_term_goal"] == ["Jobbe som sykepleier på Drammen sykehus."]
    stored = builder(web, amal).form("form#settings-form")  # what could be read was saved
    assert stored["norwegian_hours"] == ["450"] and stored["duration_months"] == ["12"]


def test_a_duration_beyond_the_law_is_shown_at_the_field_naming_the_limit(caseworker, logged_in, amal):
    web = logged_in(caseworker)
    post(web, f"/cases/{amal.id}/plan")
    data = {k: v[-1] for k, v in builder(web, amal).form("form#settings-form").items()} | {"duration_months": "18"}
    page = Page(web.post(f"/cases/{amal.id}/plan/settings", data=data))
    assert "høyst 12 måneder" in " ".join(page.field_errors("f-duration_months"))


def test_the_justification_is_marked_optional_only_within_the_base_period(caseworker, logged_in, amal):
    web = logged_in(caseworker)
    post(web, f"/cases/{amal.id}/plan")
    label = "label[for=f-extension_justification]"
    page = builder(web, amal)  # 12 months proposed; Amal's base period is 3–6
    assert page.text(label) == "Begrunnelse for forlengelse"
    data = {k: v[-1] for k, v in page.form("form#settings-form").items()} | {"duration_months": "6"}
    assert web.post(f"/cases/{amal.id}/plan/settings", data=data).status_code == 303
    assert builder(web, amal).text(label) == "Begrunnelse for forlengelse (valgfritt)"


def test_the_plan_languages_are_named_in_norwegian_and_in_their_own_script(caseworker, logged_in, amal):
    web = logged_in(caseworker)
    post(web, f"/cases/{amal.id}/plan")
    options = {o.get("value"): "".join(o.itertext()) for o in builder(web, amal).all("#f-language option")}
    assert options["ar"] == "Arabisk (العربية)" and options["ti"] == "Tigrinja (ትግርኛ)"
    assert options["nn"] == "Norsk nynorsk"  # its own name is the same: said once


def test_fixing_stores_the_pdf_once_and_serves_the_same_bytes(db, caseworker, logged_in, amal, ready_plan,
                                                             monkeypatch, today):
    renders = []
    real = plans.pdf_worker.render_documents

    def counting(doc, *args, **kwargs):
        renders.append(doc.version)
        return real(doc, *args, **kwargs)

    monkeypatch.setattr(plans.pdf_worker, "render_documents", counting)
    ready_plan(caseworker, amal)
    web = logged_in(caseworker)
    assert "påbegynt, men ikke fastsatt" in Page(web.get(f"/cases/{amal.id}")).text()
    page = builder(web, amal)
    r = web.post(f"/cases/{amal.id}/plan/fix", data=fix_form(page))
    assert r.status_code == 303, Page(r).summary() if r.status_code == 422 else r.text
    # the case page says which version holds now
    case_page = Page(web.get(f"/cases/{amal.id}")).text()
    assert "Versjon 1 ble fastsatt" in case_page and "Lag og fastsett planen" not in case_page
    assert r.headers["location"] == f"/cases/{amal.id}/plan?fixed=1#fixed-notice"
    page = builder(web, amal)
    assert f"/cases/{amal.id}/plan/versions/1.pdf" in page.links("#versions a")
    # The page opens at the confirmation, which says what happens next, the appeal deadline with it.
    confirmation = Page(web.get(r.headers["location"].split("#")[0]))
    assert confirmation.one("#fixed-notice").get("tabindex") == "-1"
    steps = confirmation.text("#fixed-notice ol")
    deadline = norwegian_date(today + dt.timedelta(weeks=3), long=True)  # e.g. "25. januar 2027"
    assert "to eksemplarer" in steps and "skriver under" in steps and "Gi deltakeren det ene eksemplaret av hver" in steps
    assert "klage innen 3 uker" in steps and f"er klagefristen {deadline}." in steps
    assert f"/cases/{amal.id}/plan/versions/1.pdf" in confirmation.links("#fixed-notice a")

    first = web.get(f"/cases/{amal.id}/plan/versions/1.pdf")
    second = web.get(f"/cases/{amal.id}/plan/versions/1.pdf")
    assert first.status_code == 200 and first.content.startswith(b"%PDF")
    assert first.headers["content-type"] == "application/pdf"
    assert first.headers["content-disposition"].startswith("inline")
    assert first.content == second.content
    assert renders == [1]  # rendered once, at fixing; served from storage after that

    html = web.get(f"/cases/{amal.id}/plan/versions/1")
    assert html.status_code == 200 and "Amal Hassan" in html.text and "Integreringsplan" in html.text
    assert "'sha256-" in html.headers["content-security-policy"]
    assert web.get(f"/cases/{amal.id}/plan/versions/2.pdf").status_code == 404

    reads = db.exec(select(AuditEntry).where(AuditEntry.object_type == "plan", AuditEntry.action == "read",
                                             AuditEntry.username == caseworker.username)).all()
    assert any("version=1 pdf" in e.detail for e in reads)


def test_the_draft_is_shown_as_it_will_be_printed_marked_as_a_draft(db, caseworker, logged_in, amal, ready_plan):
    from tests.plans.helpers import fix

    web = logged_in(caseworker)
    post(web, f"/cases/{amal.id}/plan")
    preview = f"/cases/{amal.id}/plan/preview"
    assert preview in builder(web, amal).links("#fix a")
    # Not ready: the builder, saying what is missing, at its fields.
    r = web.get(preview)
    page = Page(r)
    assert r.status_code == 200 and "Planen kan vises for utskrift når alt som er merket under" in page.text("main")
    assert "#f-start_date" in [href for _message, href in page.summary()]

    plan = ready_plan(caseworker, amal)
    r = web.get(preview)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert "'sha256-" in r.headers["content-security-policy"]
    draft = Page(r)
    assert draft.text(".draft-notice").startswith("UTKAST – planen er ikke fastsatt.")
    assert "Amal Hassan" in draft.text(".doc-head") and "Versjon 1" in draft.text(".doc-id")
    accepted = [e for e in plans.elements_of(db, plan) if e.status == plans.ACCEPTED]
    assert len(draft.all("table.elements tbody tr")) == len(accepted) > 10  # every accepted element is in it
    assert draft.links(".back-link a") == [f"/cases/{amal.id}/plan#fix"]
    assert draft.text(".back-link") == "← Tilbake til planen"
    assert plans.versions_of(db, plan) == []  # looking is not fixing

    assert fix(db, caseworker, amal, plan).number == 1
    fixed = web.get(f"/cases/{amal.id}/plan/versions/1")
    assert 'class="draft-notice"' not in fixed.text  # never in a version
    assert Page(fixed).links(".back-link a") == [f"/cases/{amal.id}/plan#versions"]  # on screen; not in what is stored
    assert 'class="back-link"' not in plans.get_version(db, plan, 1).html
    # Both screen views have a viewport (a phone shows them at its width); the stored text and the PDF do not.
    viewport = "meta[name=viewport][content='width=device-width, initial-scale=1']"
    assert Page(fixed).has(viewport) and Page(web.get(preview)).has(viewport)
    assert 'name="viewport"' not in plans.get_version(db, plan, 1).html
    assert "Versjon 2" in Page(web.get(preview)).text(".doc-id")  # what fixing again would make
    reads = db.exec(select(AuditEntry).where(AuditEntry.object_type == "plan", AuditEntry.object_id == str(plan.id),
                                             AuditEntry.action == "read", AuditEntry.detail.contains("preview"))).all()
    assert reads and all(e.username == caseworker.username for e in reads)


def test_a_draft_that_cannot_be_printed_says_why_instead_of_failing(caseworker, logged_in, amal, ready_plan,
                                                                    monkeypatch):
    from intake.plan import render

    def refuse(*args, **kwargs):
        raise render.PlanRenderError("the plan cannot be printed: elements[0].code: ukjent tiltak")

    ready_plan(caseworker, amal)
    monkeypatch.setattr(render, "render_html", refuse)
    r = logged_in(caseworker).get(f"/cases/{amal.id}/plan/preview")
    assert r.status_code == 200
    assert [m for m, _href in Page(r).summary()] == [
        "Planen kan ikke skrives ut: the plan cannot be printed: elements[0].code: ukjent tiltak"]


def test_each_element_gets_the_status_and_the_dates_the_plan_prints(db, caseworker, logged_in, amal, ready_plan):
    from intake.plan import ELEMENT_STATUSES
    from tests.plans.helpers import fix

    assert tuple(plans.PROGRESS_LABELS) == ELEMENT_STATUSES  # every status the printed plan knows can be chosen
    plan = ready_plan(caseworker, amal)
    web = logged_in(caseworker)
    element = next(e for e in plans.elements_of(db, plan) if e.code == "NOR-TRAINING")
    url = f"/cases/{amal.id}/plan/elements/{element.id}"
    form = {k: v for k, v in builder(web, amal).form(f"#element-{element.id} form[action='{url}']").items()}
    assert form["progress"] == ["planned"] and form["month_only"] == ["0"]  # the box is unticked: only the hidden "0"

    r = web.post(url, data=form | {"progress": "soon", "note": "Kveldskurs."})
    assert r.status_code == 422
    page = Page(r)
    assert page.field_errors(f"f-element-{element.id}-progress") == ["Velg en av statusene i listen."]
    assert page.form(f"#element-{element.id} form[action='{url}']")["note"] == ["Kveldskurs."]  # kept as typed

    data = form | {"start": "2027-01-04", "end": "2027-12-17", "progress": "ongoing", "month_only": ["0", "1"]}
    assert web.post(url, data=data).status_code == 303
    assert "I gang" in builder(web, amal).text(f"#element-{element.id} dl")
    db.expire_all()  # the page changed it in a session of its own
    version = fix(db, caseworker, amal, plan)
    printed = Page(web.get(f"/cases/{amal.id}/plan/versions/{version.number}"))
    row = next(tr for tr in printed.all("table.elements tbody tr") if "Opplæring i norsk" in "".join(tr.itertext()))
    text = " ".join("".join(row.itertext()).split())
    assert "01.2027–12.2027" in text and "I gang" in text
    # A form without the new fields (an older page) leaves them as they were.
    assert plans.edit_element(db, caseworker, plan, element.id, {"responsible": "Voksenopplæringen"}) == []
    db.refresh(element)
    assert (element.progress, element.month_precision) == ("ongoing", True)


def test_fixing_with_undecided_proposals_shows_what_is_missing(caseworker, logged_in, amal):
    web = logged_in(caseworker)
    post(web, f"/cases/{amal.id}/plan")
    page = builder(web, amal)
    r = web.post(f"/cases/{amal.id}/plan/fix", data=page.form("form#fix-form"))
    assert r.status_code == 422
    targets = [href for _message, href in Page(r).summary()]
    assert any(t.endswith("-decision") for t in targets) and "#f-start_date" in targets


def test_another_organisation_sees_nothing(db, caseworker, logged_in, amal, ready_plan, make_org, make_user):
    from tests.plans.helpers import fix

    plan = ready_plan(caseworker, amal)
    assert fix(db, caseworker, amal, plan).number == 1
    bergen = make_user("caseworker", make_org(municipality_number="4601", county_code="46"))
    web = logged_in(bergen)
    for url in (f"/cases/{amal.id}/plan", f"/cases/{amal.id}/plan/preview", f"/cases/{amal.id}/plan/versions/1",
                f"/cases/{amal.id}/plan/versions/1.pdf"):
        assert web.get(url).status_code == 404, url
    assert post(web, f"/cases/{amal.id}/plan/fix", {"_version": str(plan.version)}).status_code == 404
    element = plans.elements_of(db, plan)[0]
    r = post(web, f"/cases/{amal.id}/plan/elements/{element.id}/decision", {"decision": "rejected", "reason": "x"})
    assert r.status_code == 404
    db.refresh(element)
    assert element.status == plans.ACCEPTED


def test_the_leader_reads_and_the_counsellor_does_not(db, caseworker, drammen, logged_in, amal, ready_plan, make_user,
                                                       make_org):
    plan = ready_plan(caseworker, amal)
    leader = logged_in(make_user("leader", drammen))
    page = builder(leader, amal)
    assert not page.has("form#settings-form") and not page.has("form#fix-form")
    assert post(leader, f"/cases/{amal.id}/plan/fix", {"_version": str(plan.version)}).status_code == 403
    counsellor = logged_in(make_user("counsellor", make_org(kind="career_centre")))
    assert counsellor.get(f"/cases/{amal.id}/plan").status_code == 404


def test_the_audit_log_of_a_case_includes_who_read_its_plan(db, caseworker, drammen, logged_in, amal, make_user):
    web = logged_in(caseworker)
    post(web, f"/cases/{amal.id}/plan")
    builder(web, amal)  # a read of the plan, logged against the plan
    plan = db.exec(select(Plan).where(Plan.case_id == amal.id)).one()
    leader = logged_in(make_user("leader", drammen))
    page = Page(leader.get("/audit", params={"case": amal.id}))
    rows = [" ".join("".join(tr.itertext()).split()) for tr in page.all("table.audit tbody tr")]
    assert any(f"Plan {plan.id} (sak {amal.id})" in row and caseworker.username in row and "Lest" in row
               for row in rows), rows
    assert f"/audit?case={amal.id}" in page.links("table.audit a")


def test_the_plan_needs_a_login(client, amal):
    r = client.get(f"/cases/{amal.id}/plan")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_changed_answers_bring_new_proposals_when_the_caseworker_asks(db, caseworker, logged_in, amal):
    from intake.cases import save_answers

    web = logged_in(caseworker)
    post(web, f"/cases/{amal.id}/plan")
    assert not builder(web, amal).has("#stale")
    save_answers(db, caseworker, amal.id, {"digital.skill_level": "basic"})
    page = builder(web, amal)
    assert "Oppdater forslagene" in page.text("#stale")
    assert post(web, f"/cases/{amal.id}/plan/refresh").status_code == 303
    page = builder(web, amal)
    assert not page.has("#stale")
    plan = db.exec(select(Plan).where(Plan.case_id == amal.id)).one()
    added = next(e for e in plans.elements_of(db, plan) if e.code == "DIGITAL-SKILLS")
    assert "Ikke avgjort" in page.text(f"#element-{added.id}")


def test_an_added_element_is_shown_where_the_caseworker_lands_with_its_confirmation(caseworker, logged_in, amal):
    web = logged_in(caseworker)
    post(web, f"/cases/{amal.id}/plan")
    r = post(web, f"/cases/{amal.id}/plan/elements", {"title": "Svømmekurs", "responsible": "Drammensbadet",
                                                       "start": "01.03.2027"})
    assert r.status_code == 303
    location = r.headers["location"]
    anchor = location.split("#")[1]
    assert anchor.startswith("element-") and f"at={anchor}" in location
    page = Page(web.get(location.split("#")[0]))
    element = page.one(f"li#{anchor}")
    assert "Svømmekurs" in "".join(element.itertext())
    assert "Tiltaket er lagt til i planen." in page.text(f"li#{anchor} [role=status]")
    assert not page.has("main > .notice")  # said once, at the element


def test_content_the_law_requires_is_marked_and_its_rejection_asks_why(caseworker, logged_in, amal):
    web = logged_in(caseworker)
    post(web, f"/cases/{amal.id}/plan")
    page = builder(web, amal)
    required, other = [], []
    items, headings = page.all("li.plan-element"), page.all("li.plan-element h3")
    assert len(items) == len(headings)
    for li, h3 in zip(items, headings):
        title = " ".join("".join(h3.itertext()).split())
        (required if "Påkrevd innhold" in "".join(li.itertext()) else other).append(title)
    assert required == ["Opplæring i norsk fram mot norskmålet", "Samfunnskunnskap, 75 timer",
                        "Livsmestring i et nytt land", "Foreldreveiledning"]
    assert "Karriereveiledning på karrieresenteret" in other


def test_the_builder_links_to_its_parts(caseworker, logged_in, amal):
    web = logged_in(caseworker)
    post(web, f"/cases/{amal.id}/plan")
    page = builder(web, amal)
    links = page.links("nav.on-this-page a")
    assert links == ["#settings", "#elements", "#add-element", "#fix", "#versions"]
    for link in links:
        assert page.has(link), link


def in_language(client, lang: str) -> None:
    assert client.get(f"/language/{lang}").status_code == 303


def test_an_own_element_without_a_title_is_shown_at_the_field_in_english(caseworker, logged_in, amal):
    web = logged_in(caseworker)
    post(web, f"/cases/{amal.id}/plan")
    in_language(web, "en")
    r = post(web, f"/cases/{amal.id}/plan/elements", {"title": "", "responsible": "", "end": "31.02.2027"})
    assert r.status_code == 422
    page = Page(r)
    assert page.field_errors("f-new-title") == ["Error: Enter what the measure is."]
    assert page.field_errors("f-new-responsible") == ["Error: Enter who is responsible for the measure."]
    # A label said inside a sentence is in English too.
    assert page.field_errors("f-new-end") == ["Error: The end date must be a valid date, for example 01.02.2027."]
    assert ("Enter what the measure is.", "#f-new-title") in page.summary()


def test_proposals_and_their_reasons_are_shown_in_the_ui_language(caseworker, logged_in, amal):
    web = logged_in(caseworker)
    post(web, f"/cases/{amal.id}/plan")
    in_language(web, "en")
    page = builder(web, amal)
    titles = [" ".join("".join(h.itertext()).split()) for h in page.all("li.plan-element h3")]
    assert titles[:3] == ["Norwegian training towards the Norwegian goal", "Take Norskprøven to document the level",
                          "Social studies, 75 hours"]
    why = page.text("#elements")
    assert "Has completed social studies: No" in why and "Is the level documented?: Not documented" in why
    assert "Har fullført samfunnskunnskap" not in why and "Ikke dokumentert" not in why
    # stored in bokmål all the same: the plan's record keeps the words it was proposed with
    in_language(web, "nb")
    page = builder(web, amal)
    assert "Har fullført samfunnskunnskap: Nei" in page.text("#elements")
    assert "Opplæring i norsk fram mot norskmålet" in page.text("#elements")


def test_settings_and_fixing_errors_are_shown_in_nynorsk(caseworker, logged_in, amal):
    web = logged_in(caseworker)
    post(web, f"/cases/{amal.id}/plan")
    in_language(web, "nn")
    data = {k: v[-1] for k, v in builder(web, amal).form("form#settings-form").items()}
    r = web.post(f"/cases/{amal.id}/plan/settings", data=data | {"duration_months": "atten", "norwegian_hours": "9000"})
    assert r.status_code == 422
    page = Page(r)
    assert page.field_errors("f-duration_months") == ["Varigheita må vere eit heilt tal, til dømes 12."]
    assert page.field_errors("f-norwegian_hours") == ["Timar norskopplæring må vere mellom 0 og 5000."]
    r = web.post(f"/cases/{amal.id}/plan/fix", data=builder(web, amal).form("form#fix-form"))
    assert r.status_code == 422
    summary = Page(r).summary()
    assert ("Fyll ut kor mange timar norskopplæring deltakaren skal ha.", "#f-norwegian_hours") in summary
    assert ("12 månader er meir enn 6 månader, og då er det ei forlenging. Skriv kvifor det er rimeleg å vente at "
            "deltakaren når sluttmålet med forlenginga.", "#f-extension_justification") in summary


HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}


def test_a_new_plan_says_what_is_left_as_a_status_not_an_alert(caseworker, logged_in, amal):
    web = logged_in(caseworker)
    post(web, f"/cases/{amal.id}/plan")
    page = builder(web, amal)
    assert not page.has("#error-summary") and not page.has("[role=alert]")  # nothing to correct yet: nothing focused
    status = page.text("#plan-status")
    assert status.startswith("Dette gjenstår før planen kan fastsettes")
    assert f"{len(page.all('li.plan-element'))} forslag er ikke avgjort" in status
    assert "#f-start_date" in page.links("#plan-status a")  # what is missing, each a link to its field
    assert page.text("#plan-status button") == "Ta med alt påkrevd innhold (4 tiltak)"
    # Once the caseworker tries to fix the plan, the same problems are errors to correct (an alert, focused).
    r = web.post(f"/cases/{amal.id}/plan/fix", data=page.form("form#fix-form"))
    assert r.status_code == 422 and Page(r).one("#error-summary").get("role") == "alert"


def test_a_decision_by_htmx_answers_with_its_card_and_what_follows_from_it(db, caseworker, logged_in, amal):
    web = logged_in(caseworker)
    post(web, f"/cases/{amal.id}/plan")
    page = builder(web, amal)
    plan = db.exec(select(Plan).where(Plan.case_id == amal.id)).one()
    element = next(e for e in plans.elements_of(db, plan) if e.code == "CHILDCARE")
    left = len(plans.elements_of(db, plan))
    r = web.post(f"/cases/{amal.id}/plan/elements/{element.id}/decision", headers=HTMX,
                 data={"_csrf": web.csrf, "decision": "accepted"})
    assert r.status_code == 200 and r.headers["hx-push-url"] == "false"
    part = Page(r)
    card = part.one(f"li#element-{element.id}")
    assert "Tatt med i planen" in "".join(card.itertext())
    assert part.one(f"li#element-{element.id} h3").get("data-focus") == ""  # focus goes to the card's heading
    assert len(part.all("li.plan-element")) == 1  # the one card, not the page
    assert part.one("#plan-status").get("hx-swap-oob") == "true"
    assert f"{left - 1} forslag er ikke avgjort" in part.text("#plan-status")
    said = f"«Søke barnehageplass» er tatt med i planen. {left - 1} forslag er ikke avgjort."
    assert part.text("#plan-announce") == said
    # The forms elsewhere on the page get the plan's new row version, so they are not refused as stale.
    db.refresh(plan)
    assert part.one("#settings-version").get("value") == str(plan.version)
    assert part.form("form#fix-form")["_version"] == [str(plan.version)]
    data = {k: v[-1] for k, v in page.form("form#settings-form").items()} | {"_version": str(plan.version),
                                                                             "norwegian_hours": "500"}
    saved = Page(web.post(f"/cases/{amal.id}/plan/settings", data=data))
    assert "endret i en annen fane" not in saved.text("#error-summary")
    db.refresh(plan)
    assert plan.norwegian_hours == 500


def test_a_rejection_by_htmx_without_a_reason_answers_with_the_card_and_its_error(db, caseworker, logged_in, amal):
    web = logged_in(caseworker)
    post(web, f"/cases/{amal.id}/plan")
    plan = db.exec(select(Plan).where(Plan.case_id == amal.id)).one()
    element = plans.elements_of(db, plan)[0]
    r = web.post(f"/cases/{amal.id}/plan/elements/{element.id}/decision", headers=HTMX,
                 data={"_csrf": web.csrf, "decision": "rejected", "reason": " "})
    assert r.status_code == 422
    part = Page(r)
    assert part.field_errors(f"f-element-{element.id}-reason")
    assert part.one(f"li#element-{element.id} .decision details").get("open") is not None  # the reason field is shown
    assert not part.has("#error-summary")


def test_all_required_content_is_taken_in_with_one_press_with_and_without_javascript(db, caseworker, logged_in, amal):
    web = logged_in(caseworker)
    post(web, f"/cases/{amal.id}/plan")
    r = post(web, f"/cases/{amal.id}/plan/accept-required")
    assert r.status_code == 303 and r.headers["location"].endswith("?notice=required#elements")
    page = Page(web.get(r.headers["location"].split("#")[0]))
    assert "Tiltakene med påkrevd innhold er tatt med i planen." in page.text("main > .notice")
    assert not page.has("#plan-status button")  # nothing required is left undecided
    required = [li for li in page.all("li.plan-element") if "Påkrevd innhold" in "".join(li.itertext())]
    assert len(required) == 4 and all("Tatt med i planen" in "".join(li.itertext()) for li in required)

    r = web.post(f"/cases/{amal.id}/plan/accept-required", headers=HTMX, data={"_csrf": web.csrf})
    assert r.status_code == 200
    part = Page(r)
    assert part.has("ol#elements-list") and part.text("#plan-announce").startswith(
        "Det var ikke noe påkrevd innhold igjen å ta stilling til.")


def test_the_builder_says_when_fixing_again_would_repeat_the_last_version(db, caseworker, logged_in, amal,
                                                                          ready_plan):
    from tests.plans.helpers import fix

    plan = ready_plan(caseworker, amal)
    web = logged_in(caseworker)
    assert not builder(web, amal).has("#unchanged")
    assert fix(db, caseworker, amal, plan).number == 1
    page = builder(web, amal)
    assert "Planen er ikke endret siden versjon 1 ble fastsatt." in page.text("#unchanged")
    assert page.text("#plan-status h2") == "Versjon 1 gjelder"
    r = web.post(f"/cases/{amal.id}/plan/fix", data=fix_form(page))
    assert r.status_code == 422 and Page(r).summary()[0][0].startswith("Planen er ikke endret siden versjon 1")


def test_the_warning_before_fixing_is_on_the_page_and_a_missing_reason_is_shown_at_its_field(db, caseworker,
                                                                                             logged_in, amal,
                                                                                             ready_plan):
    ready_plan(caseworker, amal)  # career guidance is in the plan, and the career centre has sent nothing yet
    web = logged_in(caseworker)
    page = builder(web, amal)
    assert "Karriereveiledningen er ikke gjennomført" in page.text("#fix-form .fix-warning")
    assert page.has("#fix-form textarea#f-before_guidance_reason")
    r = web.post(f"/cases/{amal.id}/plan/fix", data=page.form("form#fix-form") | {"late_reason": ["ignored"]})
    assert r.status_code == 422
    page = Page(r)
    assert ("Skriv hvorfor planen fastsettes før karriereveiledningen er gjennomført.",
            "#f-before_guidance_reason") in page.summary()
    assert page.field_errors("f-before_guidance_reason")
    r = web.post(f"/cases/{amal.id}/plan/fix", data=fix_form(page))
    assert r.status_code == 303


def test_the_integration_contract_is_fixed_with_the_plan_and_served_beside_it(db, caseworker, logged_in, amal,
                                                                               ready_plan):
    from tests.plans.helpers import fix

    plan = ready_plan(caseworker, amal)
    web = logged_in(caseworker)
    draft = Page(web.get(f"/cases/{amal.id}/plan/preview/contract"))
    assert draft.text(".draft-notice").startswith("UTKAST") and "Integreringskontrakt" in draft.text("h1")
    assert "Arbeide som sykepleier i Norge." in draft.text("main")  # the long-term goal, as written

    version = fix(db, caseworker, amal, plan)
    assert version.contract_pdf.startswith(b"%PDF") and "Integreringskontrakt" in version.contract_html
    r = web.get(f"/cases/{amal.id}/plan/versions/1/contract.pdf")
    assert r.status_code == 200 and r.content == version.contract_pdf
    assert 'filename="integreringskontrakt-' in r.headers["content-disposition"]
    view = Page(web.get(f"/cases/{amal.id}/plan/versions/1/contract"))
    assert view.has("meta[name=viewport]") and view.links(".back-link a") == [f"/cases/{amal.id}/plan#versions"]
    assert "Kommunen skal" in view.text("main") and "Du skal" in view.text("main")
    assert f"/cases/{amal.id}/plan/versions/1/contract.pdf" in builder(web, amal).links("#versions a")

    # A version fixed before the contract was printed has none: no link, and nothing served.
    version.contract_pdf, version.contract_html = None, None
    db.add(version)
    db.commit()
    assert f"/cases/{amal.id}/plan/versions/1/contract.pdf" not in builder(web, amal).links("#versions a")
    assert web.get(f"/cases/{amal.id}/plan/versions/1/contract.pdf").status_code == 404
    assert web.get(f"/cases/{amal.id}/plan/versions/1/contract").status_code == 404
