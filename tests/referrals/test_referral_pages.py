"""Career guidance over HTTP, as the caseworker and the counsellor see it: who sees what, consent and its withdrawal,
the snapshot, versions, errors at the field, the summary back in the case, the audit trail."""

from __future__ import annotations

import io
import logging

from intake.cases import save_answers
from tests.days import days_from_today
from tests.personas import AMAL
from tests.referrals.conftest import ORDINARY, consent_form, point_county, referral_form
from tests.web.pages import Page

def _life_label():
    """A question of the sensitive life section, as the counsellor would read it."""
    from intake.domain.questionnaire import default_questionnaire
    return default_questionnaire().by_id["life.children_under_18"].label["nb"]


def _receive(client, referral_id: int) -> None:
    """The counsellor's "Marker som mottatt" on the referral's page (opening the page changes nothing)."""
    form = Page(client.get(f"/inbox/{referral_id}")).form(f"form[action='/inbox/{referral_id}/receive']")
    r = client.post(f"/inbox/{referral_id}/receive", data={k: v[0] for k, v in form.items()})
    assert r.status_code == 303 and r.headers["location"] == f"/inbox/{referral_id}?done=receive", r.text[:2000]


def _complete(client, referral_id: int, recommendation="education", text="Godkjenning av sykepleierutdanningen."):
    assert client.post(f"/inbox/{referral_id}/accept", data={"_csrf": client.csrf,
                                                               "planned_first_session": days_from_today(8)}).status_code == 303
    assert client.post(f"/inbox/{referral_id}/contract", data={
        "_csrf": client.csrf, "goal": "Finne veien til arbeid som sykepleier.", "frame": "Tre samtaler med tolk.",
        "agreed_on": days_from_today(0)}).status_code == 303
    assert client.post(f"/inbox/{referral_id}/sessions", data={
        "_csrf": client.csrf, "held_on": days_from_today(0), "form": "in_person", "interpreter_used": "true"}).status_code == 303
    r = client.post(f"/inbox/{referral_id}/complete", data={
        "_csrf": client.csrf, "summary": "Amal har klare mål og sterk fagbakgrunn.",
        "areas.me_in_context": "Trygg i rollen som sykepleier.", "recommendation": recommendation,
        "recommendation_text": text})
    assert r.status_code == 303, r.text[:2000]


def test_caseworker_sends_with_consent_and_the_right_centre_receives_it(world, make_case, send_referral, logged_in,
                                                                        referral_of):
    case = make_case(world.caseworker)
    rid = send_referral(world.caseworker, case)
    counsellor = logged_in(world.counsellor)
    inbox = Page(counsellor.get("/inbox"))
    assert "Amal Hassan" in inbox.text("table.inbox")
    assert f"/inbox/{rid}" in inbox.links()

    page = Page(counsellor.get(f"/inbox/{rid}"))
    assert page.response.status_code == 200
    assert "Avklare veien til godkjenning som sykepleier." in page.text()
    assert "Sendt" in page.text(".referral-status")  # opening it changes nothing
    assert referral_of(rid).status == "sent"
    assert "Marker som mottatt" in page.text("form[action$='/receive']")
    assert not page.has("form[action$='/accept']")  # accepted or declined once received

    _receive(counsellor, rid)
    page = Page(counsellor.get(f"/inbox/{rid}?done=receive"))
    assert "markert som mottatt" in page.text(".panel-success")
    assert "Mottatt" in page.text(".referral-status") and referral_of(rid).status == "received"
    assert "Mottatt av karrieresenteret" in page.text("table.history")
    assert page.has("form[action$='/accept']") and not page.has("form[action$='/receive']")
    # The municipality sees the new status in the case and in the case list.
    caseworker = logged_in(world.caseworker)
    assert "Mottatt" in Page(caseworker.get(f"/cases/{case.id}")).text("#karriereveiledning")
    assert "Mottatt" in Page(caseworker.get("/cases")).text("table.cases")


def test_a_counsellor_of_another_centre_gets_404_and_an_empty_inbox(world, make_case, send_referral, logged_in):
    rid = send_referral(world.caseworker, make_case(world.caseworker))
    other = logged_in(world.other_counsellor)
    for url in (f"/inbox/{rid}", f"/referrals/{rid}/print", f"/referrals/{rid}/pdf"):
        assert other.get(url).status_code == 404, url
    assert other.post(f"/inbox/{rid}/accept", data={"_csrf": other.csrf,
                                                    "planned_first_session": days_from_today(8)}).status_code == 404
    assert "Amal Hassan" not in Page(other.get("/inbox")).text()


def test_a_caseworker_in_another_municipality_sees_nothing_of_it(world, make_case, send_referral, logged_in):
    case = make_case(world.caseworker)
    rid = send_referral(world.caseworker, case)
    other = logged_in(world.other_caseworker)
    for url in (f"/cases/{case.id}/referrals/{rid}", f"/referrals/{rid}/print", f"/referrals/{rid}/pdf",
                f"/cases/{case.id}/consent", f"/cases/{case.id}/referrals/new"):
        assert other.get(url).status_code == 404, url
    assert other.post(f"/cases/{case.id}/referrals/{rid}/withdraw", data={"_csrf": other.csrf}).status_code == 404
    assert other.get("/inbox").status_code == 403


def test_the_life_section_reaches_the_counsellor_only_when_the_consent_ticks_it(world, make_case, send_referral,
                                                                               logged_in):
    counsellor = logged_in(world.counsellor)
    without = send_referral(world.caseworker, make_case(world.caseworker))
    text = Page(counsellor.get(f"/inbox/{without}")).text()
    assert "Livssituasjon" not in text and _life_label() not in text
    assert "Sykepleie" in text  # the education they do see

    with_life = send_referral(world.caseworker, make_case(world.caseworker), sections=ORDINARY + ["life"])
    page = Page(counsellor.get(f"/inbox/{with_life}"))
    assert _life_label() in page.text("#shared-life + dl")
    assert "Sensitiv" in page.text("#shared-life")


def test_the_national_id_reaches_the_centre_only_where_the_consent_names_it(world, make_case, send_referral,
                                                                          logged_in):
    """#12 item 20: the basic data ("Deltaker og sak", always shared) gives the centre what it needs to guide (name,
    languages, interpreter), not the national id, which leaves only where the consent names it."""
    number = AMAL["participant.national_id"]
    counsellor = logged_in(world.counsellor)
    without = send_referral(world.caseworker, make_case(world.caseworker))
    named = send_referral(world.caseworker, make_case(world.caseworker),
                          sensitive_questions=["participant.national_id"])
    for rid, shown in ((without, False), (named, True)):
        for url in (f"/inbox/{rid}", f"/referrals/{rid}/print"):
            text = Page(counsellor.get(url)).text()
            assert "Amal Hassan" in text and "arabisk" in text.lower(), url  # the name, a language, the interpreter's
            assert (number in text.replace(" ", "")) is shown, (url, shown)
            assert ("Fødselsnummer eller D-nummer" in text) is shown, (url, shown)
    # The consent form offers it, unticked, among what is shared only when named
    caseworker = logged_in(world.caseworker)
    page = Page(caseworker.get(f"/cases/{make_case(world.caseworker).id}/consent"))
    assert "Fødselsnummer eller D-nummer" in page.text("#f-sensitive_questions")
    assert "participant.national_id" not in page.form("form[action$='/consent']").get("sensitive_questions", [])


def test_a_caseworker_ticking_nothing_sensitive_is_the_default(world, make_case, logged_in):
    caseworker = logged_in(world.caseworker)
    case = make_case(world.caseworker)
    form = Page(caseworker.get(f"/cases/{case.id}/consent")).form("form[action$='/consent']")
    assert "life" not in form.get("sections", []) and "participant" in form["sections"]


def test_withdrawing_consent_removes_the_centres_access_and_is_recorded(world, make_case, send_referral, logged_in,
                                                                       db, audit_entries):
    from intake.referrals import active_consent
    case = make_case(world.caseworker)
    rid = send_referral(world.caseworker, case)
    counsellor = logged_in(world.counsellor)
    assert counsellor.get(f"/inbox/{rid}").status_code == 200
    consent = active_consent(db, case.id)

    caseworker = logged_in(world.caseworker)
    confirm = Page(caseworker.get(f"/cases/{case.id}/consent/{consent.id}/withdraw"))
    assert "mister karrieresenteret tilgangen" in confirm.text()
    r = caseworker.post(f"/cases/{case.id}/consent/{consent.id}/withdraw",
                        data={"_csrf": caseworker.csrf, "note": "Deltakeren ønsker det ikke lenger."})
    assert r.status_code == 303

    assert counsellor.get(f"/inbox/{rid}").status_code == 404
    assert counsellor.get(f"/referrals/{rid}/pdf").status_code == 404
    assert "Amal Hassan" not in Page(counsellor.get("/inbox?tab=new")).text()
    history = Page(caseworker.get(f"/cases/{case.id}/referrals/{rid}")).text("table.history")
    assert "Samtykket trukket tilbake" in history and world.caseworker.full_name in history
    # the case page says the centre no longer has it, beside its status
    block = Page(caseworker.get(f"/cases/{case.id}?consent_withdrawn=1")).text("#karriereveiledning")
    assert "Samtykket trukket tilbake – karrieresenteret har ikke tilgang" in block
    assert "ikke lenger tilgang til henvisningene som ble sendt med det" in block
    assert [e.action for e in audit_entries("consent", consent.id, world.caseworker)][-1] == "withdraw"
    # Sending again needs a new consent.
    r = caseworker.post(f"/cases/{case.id}/referrals", data=referral_form(caseworker))
    assert r.status_code == 422
    assert any("samtykke" in message for message, _ in Page(r).summary())


def test_later_edits_in_the_case_do_not_change_what_was_sent_and_a_new_version_can_be_sent(
        world, make_case, send_referral, logged_in, db, referral_of):
    case = make_case(world.caseworker)
    first = send_referral(world.caseworker, case)
    counsellor = logged_in(world.counsellor)
    _receive(counsellor, first)
    save_answers(db, world.caseworker, case.id, {"goals.long_term": "Bli intensivsykepleier."})

    assert "Bli intensivsykepleier." not in Page(counsellor.get(f"/inbox/{first}")).text()
    assert AMAL["goals.long_term"] in Page(counsellor.get(f"/inbox/{first}")).text()

    caseworker = logged_in(world.caseworker)
    assert "Send ny versjon" in Page(caseworker.get(f"/cases/{case.id}")).text("#karriereveiledning")
    new_form = Page(caseworker.get(f"/cases/{case.id}/referrals/new"))
    assert new_form.form("form[action$='/referrals']")["purpose"] == ["Avklare veien til godkjenning som sykepleier."]
    r = caseworker.post(f"/cases/{case.id}/referrals", data=referral_form(caseworker))
    assert r.status_code == 303
    second = int(r.headers["location"].split("/referrals/")[1].split("?")[0])
    assert referral_of(second).version == 2
    assert "Bli intensivsykepleier." in Page(counsellor.get(f"/inbox/{second}")).text()
    # The first version, not yet taken on by the centre, is replaced.
    assert referral_of(first).status == "withdrawn"
    assert "Erstattet av versjon 2" in Page(caseworker.get(f"/cases/{case.id}/referrals/{first}")).text()


def test_sending_without_consent_shows_the_error_and_keeps_what_was_typed(world, make_case, logged_in):
    case = make_case(world.caseworker)
    caseworker = logged_in(world.caseworker)
    r = caseworker.post(f"/cases/{case.id}/referrals",
                        data=referral_form(caseworker, purpose="Mitt eget formål", questions="Mitt spørsmål"))
    assert r.status_code == 422
    page = Page(r)
    assert any("samtykke" in message for message, _ in page.summary())
    form = page.form("form[action*='/referrals']")
    assert form["purpose"] == ["Mitt eget formål"] and form["questions"] == ["Mitt spørsmål"]
    # It was kept as a draft: nothing typed is lost.
    assert "Fortsett på utkastet" in Page(caseworker.get(f"/cases/{case.id}")).text("#karriereveiledning")


def test_enter_in_a_field_saves_the_draft_and_never_sends(world, make_case, logged_in):
    # A browser submits a form on Enter by "clicking" its first submit button (HTML's implicit submission).
    caseworker = logged_in(world.caseworker)
    page = Page(caseworker.get(f"/cases/{make_case(world.caseworker).id}/referrals/new"))
    first = page.all("form[action$='/referrals'] button[type=submit]")[0]
    assert (first.get("name"), first.get("value")) == ("_action", "save")
    assert first.get("tabindex") == "-1" and first.get("aria-hidden") == "true"


def test_consent_form_errors_are_shown_at_the_fields(world, make_case, logged_in):
    case = make_case(world.caseworker)
    caseworker = logged_in(world.caseworker)
    r = caseworker.post(f"/cases/{case.id}/consent", data=consent_form(
        caseworker, sections=["goals"], given_how="", given_on=days_from_today(1)))
    assert r.status_code == 422
    page = Page(r)
    assert page.field_errors("f-sections") and page.field_errors("f-given_how") and page.field_errors("f-given_on")
    assert page.form("form[action$='/consent']")["sections"] == ["goals"]


def test_a_referral_date_outside_2000_to_2100_is_said_at_its_field(world, make_case, logged_in, send_referral,
                                                                  referral_of):
    """#12 item 16: a year typed as 1 or 9999 is refused at the field, in words, on every form of the referral."""
    case = make_case(world.caseworker)
    caseworker = logged_in(world.caseworker)
    r = caseworker.post(f"/cases/{case.id}/consent", data=consent_form(caseworker, given_on="0001-01-01"))
    assert r.status_code == 422
    assert Page(r).field_errors("f-given_on") == ["Datoen samtykket ble gitt må være mellom 01.01.2000 og 31.12.2100."]
    assert Page(r).one("input[name='given_on']").get("min") == "2000-01-01"
    assert Page(r).one("input[name='given_on']").get("max") == "2100-12-31"
    assert caseworker.post(f"/cases/{case.id}/consent", data=consent_form(caseworker)).status_code == 303
    r = caseworker.post(f"/cases/{case.id}/referrals", data=referral_form(caseworker, decision_deadline="9999-12-31"))
    assert r.status_code == 422
    assert Page(r).field_errors("f-decision_deadline") == [
        "Fristen for vedtak må være mellom 01.01.2000 og 31.12.2100."]

    rid = send_referral(world.caseworker, make_case(world.caseworker))
    counsellor = logged_in(world.counsellor)
    _receive(counsellor, rid)
    r = counsellor.post(f"/inbox/{rid}/accept", data={"_csrf": counsellor.csrf, "planned_first_session": "9999-01-01"})
    assert r.status_code == 422 and "mellom 01.01.2000 og 31.12.2100" in Page(r).field_errors(
        "f-planned_first_session")[0]
    assert referral_of(rid).status == "received"


def test_accept_and_decline_errors_are_shown_at_the_field(world, make_case, send_referral, logged_in, referral_of):
    rid = send_referral(world.caseworker, make_case(world.caseworker))
    counsellor = logged_in(world.counsellor)
    _receive(counsellor, rid)
    r = counsellor.post(f"/inbox/{rid}/accept", data={"_csrf": counsellor.csrf, "planned_first_session": "neste uke"})
    assert r.status_code == 422 and Page(r).field_errors("f-planned_first_session")
    r = counsellor.post(f"/inbox/{rid}/decline", data={"_csrf": counsellor.csrf, "decline_reason": "other"})
    assert r.status_code == 422 and Page(r).field_errors("f-decline_text")
    r = counsellor.post(f"/inbox/{rid}/decline", data={"_csrf": counsellor.csrf, "decline_reason": "wrong_county",
                                                        "decline_text": "Bor i Vestland."})
    assert r.status_code == 303 and referral_of(rid).status == "declined"
    caseworker = logged_in(world.caseworker)
    text = Page(caseworker.get(f"/cases/{referral_of(rid).case_id}/referrals/{rid}")).text()
    assert "Feil fylke" in text and "Bor i Vestland." in text
    # The centre no longer sees the shared answers of a declined referral.
    assert "Sykepleie" not in Page(counsellor.get(f"/inbox/{rid}")).text()


def test_an_action_not_possible_in_the_status_answers_409(world, make_case, send_referral, logged_in):
    rid = send_referral(world.caseworker, make_case(world.caseworker))
    counsellor = logged_in(world.counsellor)
    r = counsellor.post(f"/inbox/{rid}/complete", data={"_csrf": counsellor.csrf, "summary": "x",
                                                         "recommendation": "work", "recommendation_text": "y"})
    assert r.status_code == 409 and "ikke mulig" in Page(r).text()


def test_the_summary_and_recommendation_come_back_to_the_case(world, make_case, send_referral, logged_in):
    case = make_case(world.caseworker)
    rid = send_referral(world.caseworker, case)
    counsellor = logged_in(world.counsellor)
    _receive(counsellor, rid)
    _complete(counsellor, rid)
    assert "Amal Hassan" in Page(counsellor.get("/inbox?tab=completed")).text("table.inbox")

    block = Page(logged_in(world.caseworker).get(f"/cases/{case.id}")).text("#karriereveiledning")
    assert "Fullført" in block and "Utdanning" in block
    assert "Godkjenning av sykepleierutdanningen." in block and "Amal har klare mål" in block
    assert "Trygg i rollen som sykepleier." in block
    # A leader of the municipality reads it too, but cannot send or withdraw.
    leader = logged_in(world.leader)
    assert "Godkjenning av sykepleierutdanningen." in Page(leader.get(f"/cases/{case.id}")).text()
    assert leader.post(f"/cases/{case.id}/referrals/{rid}/withdraw", data={"_csrf": leader.csrf}).status_code == 403


def test_overdue_referrals_stand_out_in_the_inbox(world, make_case, send_referral, logged_in):
    send_referral(world.caseworker, make_case(world.caseworker), decision_deadline=days_from_today(-30))
    page = Page(logged_in(world.counsellor).get("/inbox"))
    assert "passert" in page.text("tr.overdue")


def test_every_read_and_change_of_a_referral_is_audited(world, make_case, send_referral, logged_in, audit_entries):
    rid = send_referral(world.caseworker, make_case(world.caseworker))
    counsellor = logged_in(world.counsellor)
    _receive(counsellor, rid)
    counsellor.get(f"/referrals/{rid}/print")
    caseworker_actions = [e.action for e in audit_entries("referral", rid, world.caseworker)]
    assert "create" in caseworker_actions and "send" in caseworker_actions
    counsellor_actions = [e.action for e in audit_entries("referral", rid, world.counsellor)]
    assert counsellor_actions.count("read") >= 2 and "receive" in counsellor_actions
    # Another centre's failed attempt reads nothing: it leaves a refusal on the referral, not a read (#12 item 13).
    logged_in(world.other_counsellor).get(f"/inbox/{rid}")
    assert [e.action for e in audit_entries("referral", rid, world.other_counsellor)] == ["refused"]


def test_the_pdf_holds_what_the_consent_covers_and_no_missing_glyphs(world, make_case, send_referral, logged_in,
                                                                    caplog):
    from pypdf import PdfReader

    rid = send_referral(world.caseworker, make_case(world.caseworker))
    counsellor = logged_in(world.counsellor)
    with caplog.at_level(logging.WARNING):
        r = counsellor.get(f"/referrals/{rid}/pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert not [m for m in caplog.messages if "notdef" in m or "unsupported by fonts" in m]
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "Henvisning til karriereveiledning" in text and "Amal Hassan" in text and "Sykepleie" in text
    assert _life_label() not in text
    html = counsellor.get(f"/referrals/{rid}/print")
    assert html.status_code == 200 and '<html lang="nb">' in html.text


def test_an_administrator_chooses_which_centre_serves_a_county(world, make_case, make_org, make_user, logged_in, db,
                                                               send_referral, referral_of):
    admin = logged_in(make_user("admin", world.municipality))
    assert "Buskerud" in Page(admin.get("/admin/counties")).text()
    new_centre = make_org(kind="career_centre", county_code="33")
    r = admin.post("/admin/counties/33", data={"_csrf": admin.csrf, "organisation_id": "not-a-centre"})
    assert r.status_code == 422 and Page(r).field_errors("f-organisation_id")
    r = admin.post("/admin/counties/33", data={"_csrf": admin.csrf, "organisation_id": str(new_centre.id)})
    assert r.status_code == 303
    rid = send_referral(world.caseworker, make_case(world.caseworker))
    assert referral_of(rid).to_organisation_id == new_centre.id
    # Only administrators may change it.
    caseworker = logged_in(world.caseworker)
    assert caseworker.get("/admin/counties").status_code == 403
    assert caseworker.post("/admin/counties/33", data={"_csrf": caseworker.csrf,
                                                       "organisation_id": str(world.centre.id)}).status_code == 403
    point_county(db, "33", world.centre)


def test_a_counsellor_lands_on_the_inbox(world, logged_in):
    counsellor = logged_in(world.counsellor)
    r = counsellor.get("/cases")
    assert r.status_code == 303 and r.headers["location"] == "/inbox"
    assert "Innboks" in Page(counsellor.get("/inbox")).text("nav")
