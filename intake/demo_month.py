"""A month's work for the demo (`seed-demo`): Drammen's participants at every stage, so the leaders' pages and the
caseworkers' start pages look like a real office's: mappings under way and completed, plans drafted and fixed,
referrals sent, declined, accepted, under way with sessions and with a summary back, decision deadlines near and
passed. Synthetic people only (national ids with month + 80), the same every time, dated relative to the day of
seeding (`clock.today()`).

Every step goes through the application's own functions, as the pages call them: answers saved and checked, the
mapping completed, consent, the referral's transitions, sessions, the plan's proposals decided and the plan fixed
(its PDFs rendered in the PDF worker, as "Fastsett plan" does). Each step is taken with the story's day as `today`
(what it checks dates against; the printed plan carries it), and afterwards the moments it stored (the completion,
the referral's history and times, the summary, the plan's fixing) are moved to that day, so the figures see a month's
work rather than one afternoon. The audit log keeps the true time of seeding.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, select

from . import clock, demo_personas as personas, plans, referrals
from .cases import complete_mapping, create_case, save_answers
from .domain.guidance import consent_choices
from .domain.identifiers import synthetic_national_id
from .domain.questionnaire import default_questionnaire
from .models import Case, Organisation, User
from .models_plans import PlanVersion
from .models_referrals import GuidanceSummary, Referral, ReferralEvent


@dataclass(frozen=True)
class Guidance:
    """A referral's story, in days after the participant settled; None: it has not come that far."""

    sent: int
    received: int | None = None
    accepted: int | None = None
    declined: str | None = None  # a decline reason, instead of accepting
    started: int | None = None
    sessions: tuple[tuple[int, str, bool], ...] = ()  # (day, form, interpreter used)
    summary: int | None = None
    recommendation: str = "work"


@dataclass(frozen=True)
class Story:
    name: str
    born: dt.date
    persona: str  # whose answers (education, work, languages, goals) the participant starts from
    settled: int  # days before the seeding day
    caseworker: str
    completed: int | None = None  # days after settling: the mapping completed
    plan: str | None = None  # "draft", or "fixed"
    fixed: int | None = None  # days after settling
    guidance: Guidance | None = None


# The office's month. Decision deadlines fall three months after settling: settled 80 days ago is due within two
# weeks, 100 days ago is past due. The stories are the table; the code below only walks them.
STORIES = [
    Story("Hiwet Tesfay", dt.date(1994, 2, 11), "yonas", 12, "veileder"),
    Story("Omar Al-Khatib", dt.date(1988, 7, 3), "amal", 20, "pia"),
    Story("Olena Kovalenko", dt.date(1979, 10, 22), "ahmad", 26, "veileder"),
    Story("Dmytro Shevchenko", dt.date(1983, 5, 17), "ahmad", 33, "sander"),
    Story("Nour Saleh", dt.date(1999, 12, 1), "yonas", 41, "pia"),
    Story("Samir Yousef", dt.date(1991, 8, 9), "amal", 78, "sander"),
    Story("Fatima Noori", dt.date(1986, 4, 28), "yonas", 82, "veileder"),
    Story("Yohannes Kidane", dt.date(2001, 1, 15), "yonas", 97, "pia"),
    Story("Senait Berhe", dt.date(1996, 6, 6), "yonas", 104, "sander"),
    Story("Mariam Ahmadi", dt.date(1990, 3, 19), "ahmad", 45, "veileder", completed=30),
    Story("Ali Rezaei", dt.date(1985, 11, 30), "ahmad", 52, "pia", completed=34,
          guidance=Guidance(sent=36)),
    Story("Zainab Hussaini", dt.date(1997, 9, 12), "amal", 57, "sander", completed=31,
          guidance=Guidance(sent=33, received=35)),
    Story("Iryna Bondarenko", dt.date(1981, 2, 2), "amal", 63, "veileder", completed=28,
          guidance=Guidance(sent=30, received=31, declined="not_in_target_group")),
    Story("Andriy Melnyk", dt.date(1977, 12, 24), "ahmad", 68, "pia", completed=33,
          guidance=Guidance(sent=35, received=36, accepted=39)),
    Story("Hanna Tkachenko", dt.date(1993, 7, 7), "amal", 74, "sander", completed=29,
          guidance=Guidance(sent=31, received=32, accepted=36, started=43, sessions=((43, "in_person", True),))),
    Story("Mohammed Darwish", dt.date(1984, 1, 26), "amal", 86, "veileder", completed=35,
          guidance=Guidance(sent=37, received=37, accepted=40, started=47,
                            sessions=((47, "video", True), (54, "in_person", True)))),
    Story("Aisha Abdullahi", dt.date(1998, 5, 14), "yonas", 92, "pia", completed=30, plan="draft",
          guidance=Guidance(sent=32, received=33, accepted=35, started=41, sessions=((41, "phone", False),))),
    Story("Kidist Alemu", dt.date(1995, 10, 3), "yonas", 99, "sander", completed=38, plan="draft"),
    Story("Tesfaye Haile", dt.date(1989, 8, 18), "yonas", 71, "veileder", completed=36, plan="draft",
          guidance=Guidance(sent=38, received=39, accepted=41, started=46, sessions=((46, "in_person", True),
                                                                                     (53, "video", True)),
                            summary=62, recommendation="education")),
    Story("Ruth Mekonnen", dt.date(1992, 4, 9), "yonas", 110, "veileder", completed=27, plan="fixed", fixed=72,
          guidance=Guidance(sent=29, received=30, accepted=33, started=38,
                            sessions=((38, "in_person", True), (45, "in_person", True)), summary=58,
                            recommendation="education")),
    Story("Hamid Karimi", dt.date(1987, 6, 21), "ahmad", 118, "pia", completed=25, plan="fixed", fixed=80,
          guidance=Guidance(sent=26, received=27, accepted=31, started=35,
                            sessions=((35, "video", False), (49, "chat", False)), summary=54)),
    Story("Sara Mohammadi", dt.date(1994, 11, 11), "amal", 126, "sander", completed=32, plan="fixed", fixed=85,
          guidance=Guidance(sent=33, received=34, accepted=36, started=42,
                            sessions=((42, "in_person", True), (56, "phone", True)), summary=66)),
    Story("Bilal Rahimi", dt.date(2000, 3, 27), "ahmad", 133, "veileder", completed=30, plan="fixed", fixed=88,
          guidance=Guidance(sent=31, received=31, accepted=35, started=40, sessions=((40, "in_person", False),),
                            summary=61, recommendation="work")),
    Story("Amina Jama", dt.date(1991, 9, 5), "yonas", 140, "pia", completed=34, plan="fixed", fixed=96,
          guidance=Guidance(sent=36, received=38, accepted=41, started=48,
                            sessions=((48, "video", True), (62, "in_person", True)), summary=75,
                            recommendation="other")),
    Story("Yusuf Osman", dt.date(1982, 2, 14), "amal", 150, "sander", completed=29, plan="fixed", fixed=83),
    Story("Leila Nasser", dt.date(1996, 12, 19), "amal", 104, "veileder", completed=26, plan="fixed", fixed=70,
          guidance=Guidance(sent=28, received=28, accepted=31, started=36,
                            sessions=((36, "in_person", True), (43, "video", True)), summary=55)),
]

PLAN_REASONS = {"late_reason": "Deltakeren var på sykehus i flere uker, og kartleggingen måtte tas opp igjen.",
                "before_guidance_reason": "Karrieresenteret har ventetid; planen justeres etter veiledningen.",
                "work_minimum_reason": "Deltakeren er i fast deltidsjobb, som teller som arbeid ved siden av."}


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.timezone.utc)


def _answers(story: Story, index: int, settled: dt.date, mapping_done: bool) -> dict:
    """The persona's answers as this participant's: name, synthetic ids, and dates from the day they settled."""
    answers = copy.deepcopy(personas.PERSONAS[story.persona])
    permit = settled - dt.timedelta(days=45)
    answers.update({
        "participant.name": story.name,
        "participant.national_id": synthetic_national_id(story.born, index),
        "participant.birth_date": story.born.isoformat(),
        "participant.duf_number": f"{permit.year}{7100000 + 37 * index:08d}",
        "participant.permit_date": permit.isoformat(),
        "participant.permit_expiry": permit.replace(year=permit.year + 3).isoformat(),
        "participant.settlement_date": settled.isoformat(),
    })
    if not mapping_done:  # under way: the first sections only
        answers = {k: v for k, v in answers.items() if k.split(".")[0] in ("participant", "goals", "life")}
    return answers


def seed_month(db: Session, orgs: dict[str, Organisation]) -> list[str]:
    """The month's stories not yet stored (by participant name in Drammen); a line per case made."""
    today = clock.today()
    users = {u.username: u for u in db.exec(select(User))}
    counsellors = [users["karriere"], users["karriere2"]]
    done = []
    for index, story in enumerate(STORIES):
        exists = db.exec(select(Case.id).where(Case.organisation_id == orgs["3301"].id,
                                               Case.participant_name == story.name)).first()
        if exists:
            continue
        _tell(db, story, index + 1, today, users[story.caseworker], counsellors[index % 2])
        done.append(f"case {story.name}")
    return done


def _tell(db: Session, story: Story, index: int, today: dt.date, caseworker: User, counsellor: User) -> None:
    settled = today - dt.timedelta(days=story.settled)

    def day(offset: int) -> dt.date:
        return settled + dt.timedelta(days=offset)

    case, errors = create_case(db, caseworker)
    assert case is not None and not errors, errors
    save_answers(db, caseworker, case.id, _answers(story, index, settled, story.completed is not None))
    mapping_day = day(3)
    db.exec(update(Case).where(Case.id == case.id).values(mapping_date=mapping_day))
    db.commit()
    case = db.get(Case, case.id, populate_existing=True)
    if story.completed is not None:
        _check(complete_mapping(db, caseworker, case), story, "complete")
        db.exec(update(Case).where(Case.id == case.id).values(completed_at=_at(day(story.completed), 13)))
        db.commit()
        case = db.get(Case, case.id, populate_existing=True)
    if story.guidance is not None:
        _guide(db, story, case, caseworker, counsellor, day)
    if story.plan is not None:
        _plan(db, story, case, caseworker, day, today)


def _check(errors, story: Story, step: str) -> None:
    if errors:
        raise RuntimeError(f"demo: {story.name}, {step}: {[str(e.message) for e in errors]}")


def _guide(db: Session, story: Story, case: Case, caseworker: User, counsellor: User, day) -> None:
    g = story.guidance
    ordinary = [sid for sid, _ in consent_choices(default_questionnaire()).ordinary]
    _, errors = referrals.record_consent(db, caseworker, case, {
        "sections": ordinary, "given_how": "orally_with_interpreter", "given_on": day(g.sent).isoformat()},
        today=day(g.sent))
    _check(errors, story, "consent")
    referral, errors = referrals.create_referral(db, caseworker, case, {
        "purpose": "Karriereveiledning før vedtak om program: hva passer som sluttmål?",
        "contact_user_id": caseworker.id})
    _check(errors, story, "referral")
    steps = [(g.sent, caseworker, "send", {})]
    if g.received is not None:
        steps.append((g.received, counsellor, "receive", {}))
    if g.declined:
        steps.append((g.received + 2, counsellor, "decline", {"decline_reason": g.declined,
                                                               "decline_text": "Deltakeren har fått jobb."}))
    if g.accepted is not None:
        steps.append((g.accepted, counsellor, "accept",
                      {"planned_first_session": day(g.started or g.accepted + 7).isoformat()}))
    if g.started is not None:
        steps.append((g.started, counsellor, "start", {"goal": "Finne et realistisk yrkesmål.",
                                                       "frame": "Tre samtaler, med tolk ved behov.",
                                                       "agreed_on": day(g.started).isoformat()}))
    if g.summary is not None:
        steps.append((g.summary, counsellor, "complete", {
            "summary": "Deltakeren har en klar plan og vet hva som skal til.", "recommendation": g.recommendation,
            "recommendation_text": "Se oppsummeringen."}))
    for n, (offset, user, name, data) in enumerate(steps):
        _check(referrals.apply(db, user, referral, name, data, today=day(offset)), story, name)
        _dated(db, referral, name, _at(day(offset), 9 + n))
        if name == "start":
            for held, form, interpreter in g.sessions:
                _check(referrals.add_session(db, counsellor, referral, {
                    "held_on": day(held).isoformat(), "form": form,
                    "interpreter_used": "true" if interpreter else ""}, today=day(held)), story, "session")


def _dated(db: Session, referral: Referral, action: str, at: dt.datetime) -> None:
    """The moments a referral's step stored, moved to the story's day (see the module's docstring)."""
    db.exec(update(ReferralEvent).where(ReferralEvent.referral_id == referral.id, ReferralEvent.action == action)
            .values(at=at))
    column = {"send": "sent_at", **referrals.FIGURE_TIMES}.get(action)
    if column:
        db.exec(update(Referral).where(Referral.id == referral.id).values({column: at, "updated_at": at}))
    if action == "send":
        db.exec(update(Referral).where(Referral.id == referral.id).values(created_at=at))
    if action == "complete":
        db.exec(update(GuidanceSummary).where(GuidanceSummary.referral_id == referral.id).values(completed_at=at))
    db.commit()
    db.refresh(referral)


def _plan(db: Session, story: Story, case: Case, caseworker: User, day, today: dt.date) -> None:
    plan, errors = plans.create_plan(db, caseworker, case)
    _check(errors, story, "plan")
    for element in plans.elements_of(db, plan):
        _check(plans.decide(db, caseworker, plan, element.id, plans.ACCEPTED), story, "decide")
    db.refresh(plan)
    fixed_on = day(story.fixed) if story.fixed is not None else None
    saved = plans.save_settings(db, caseworker, case, plan, {
        "start_date": ((fixed_on or today) + dt.timedelta(days=14)).isoformat(), "norwegian_hours": "550",
        "extension_justification": "Trenger tid til norsk på B1-nivå og arbeidspraksis."}, plan.version)
    _check(saved.errors, story, "settings")
    if story.plan != "fixed":
        return
    db.refresh(plan)
    version = plans.fix_plan(db, caseworker, case, saved.plan, saved.plan.version, today=fixed_on,
                             fix_reasons=PLAN_REASONS)
    if isinstance(version, list):
        _check(version, story, "fix")
    db.exec(update(PlanVersion).where(PlanVersion.id == version.id).values(fixed_at=_at(fixed_on, 14)))
    db.exec(update(Case).where(Case.id == case.id).values(first_fixed_at=_at(fixed_on, 14)))
    db.commit()


