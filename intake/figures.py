"""The municipality leader's figures, counted in the database: every figure is one SQL aggregate (counts, and medians
by window functions) over the organisation's own cases, plans and referrals; no case is loaded into Python.

`FIGURES` names each figure with its definition, as the page shows it; `municipality_figures` counts them for a
period. The small-number rule and the period are `intake/domain/figures.py`. Days are whole calendar days, a moment
(a completed mapping, a fixed plan, a referral event) counted on its date in UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy import Integer, String, and_, case as when, exists, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col

from . import i18n
from .domain.derived import END_GOAL_NAMES, END_GOALS
from .domain.figures import (DUE_SOON_DAYS, DURATION_BANDS, Chart, Period, bar_chart, cell, median_text, share)
from .domain.messages import N_, Message
from .models import Case, User
from .models_plans import Plan, PlanElement, PlanVersion
from .models_referrals import GuidanceSummary, Referral, ReferralEvent
from .cases import programme_history


# --- portable SQL: a date's day, days between two days, the median -------------------------------------------------


class utc_day(FunctionElement):
    """The calendar day (UTC) of a stored moment."""
    type = Integer()  # compared with dates only through day_diff
    inherit_cache = True
    name = "utc_day"


@compiles(utc_day)
def _utc_day_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element, compiler, **kw):
    return f"CAST(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC' AS DATE)"


class utc_month(FunctionElement):
    """The month (UTC) of a stored moment, as text "2026-11"."""
    type = String()
    inherit_cache = True
    name = "utc_month"


@compiles(utc_month)
def _utc_month_sqlite(element, compiler, **kw):
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(utc_month, "postgresql")
def _utc_month_postgresql(element, compiler, **kw):
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM')"


class day_diff(FunctionElement):
    """Whole days from the second day to the first (two dates, or `utc_day`s)."""
    type = Integer()
    inherit_cache = True
    name = "day_diff"


@compiles(day_diff)
def _day_diff_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


@compiles(day_diff, "postgresql")
def _day_diff_postgresql(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"


def median(db: Session, values) -> tuple[float | None, int]:
    """The median of a one-column select (label `d`) and how many values it is over, in one query: the middle row
    (or the two middle rows) by ROW_NUMBER over the ordered values."""
    sub = values.subquery()
    ranked = select(sub.c.d.label("d"), func.row_number().over(order_by=sub.c.d).label("rn"),
                    func.count().over().label("n")).where(sub.c.d.is_not(None)).subquery()
    middle = or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    value, n = db.execute(select(func.avg(ranked.c.d), func.max(ranked.c.n)).where(middle)).one()
    return (float(value) if value is not None else None), int(n or 0)


def utc_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.timezone.utc)


def in_period(column, period: Period):
    """A stored moment within the period's days (UTC)."""
    return and_(column >= utc_midnight(period.start), column < utc_midnight(period.end + dt.timedelta(days=1)))


# --- what the page shows ---------------------------------------------------------------------------------------------


@dataclass
class Row:
    label: str | Message
    value: str | None  # as shown ("12", "<5"); None: not shown (fewer than five)
    count: str | None = None  # a median's or share's basis, as shown
    href: str | None = None  # the cases behind it
    code: str = ""  # stable, for the CSV
    extra: str | None = None  # a fourth column, where a figure has one


@dataclass
class Figure:
    id: str
    title: Message
    definition: Message
    columns: tuple[Message, ...]
    rows: list[Row] = field(default_factory=list)
    chart: Chart | None = None


@dataclass
class DueCase:
    id: int
    name: str
    deadline: dt.date
    days: int  # days left (negative: days late)


@dataclass
class MunicipalityFigures:
    period: Period
    figures: list[Figure]
    due_soon: list[DueCase]
    overdue: list[DueCase]
    due_soon_count: int
    overdue_count: int


# Each figure's title, definition and columns: what the page and the CSV say it is.
FIGURES: dict[str, tuple[Message, Message, tuple[Message, ...]]] = {
    "status": (N_("Saker etter status"),
               N_("Saker med kartleggingsdato i perioden, etter hvor langt de har kommet nå: kartleggingen pågår, "
                  "kartleggingen er fullført uten fastsatt plan, eller planen er fastsatt."),
               (N_("Status"), N_("Saker"))),
    "deadlines": (N_("Frister for vedtak"),
                  N_("Saker uten fastsatt plan der fristen for vedtak er i dag eller innen 14 dager, og der den har "
                     "passert. Gjelder i dag, uansett periode."),
                  (N_("Frist"), N_("Saker"))),
    "times": (N_("Tid fra bosetting"),
              N_("Median antall dager fra bosettingsdatoen til kartleggingen ble fullført (saker fullført i "
                 "perioden) og til planen første gang ble fastsatt (planer fastsatt første gang i perioden)."),
              (N_("Fra bosetting til"), N_("Median dager"), N_("Saker"))),
    "deadline_met": (N_("Fristen for vedtak holdt"),
                     N_("Saker med frist for vedtak i perioden som er nådd (fristen har passert, eller planen er "
                        "fastsatt): holdt når planen ble fastsatt senest på fristdagen, ellers ikke holdt."),
                     (N_("Frist"), N_("Saker"), N_("Av saker"))),
    "guidance_before_decision": (
        N_("Karriereveiledning før vedtak"),
        N_("Av sakene der planen første gang ble fastsatt i perioden: de som ble henvist til karriereveiledning "
           "(henvisningen sendt) før planen ble fastsatt."),
        (N_("Henvist før vedtak"), N_("Saker"), N_("Av saker"))),
    "referral_times": (
        N_("Henvisningenes tider"),
        N_("Median antall dager for henvisninger sendt i perioden: fra sendt til godtatt av karrieresenteret, fra "
           "godtatt til veiledningen startet (kontrakten inngått; datoene for samtalene er senterets egne "
           "opplysninger) og fra sendt til oppsummeringen kom tilbake."),
        (N_("Steg"), N_("Median dager"), N_("Henvisninger"))),
    "end_goal": (N_("Planer etter sluttmål"),
                 N_("Planer fastsatt første gang i perioden, etter sluttmålet i planen."),
                 (N_("Sluttmål"), N_("Planer"))),
    "duration": (N_("Planer etter varighet"),
                 N_("Planer fastsatt første gang i perioden, etter programmets varighet i planen."),
                 (N_("Varighet"), N_("Planer"))),
    "work_oriented": (N_("Arbeidsrettede elementer"),
                      N_("Planer fastsatt første gang i perioden som har minst ett arbeidsrettet element tatt med "
                         "(arbeidspraksis eller jobbsøking, som i regelverket, eller et eget element merket som "
                         "arbeidsrettet)."),
                      (N_("Arbeidsrettet element"), N_("Planer"), N_("Av planer"))),
    "norwegian_goal": (N_("Norskmål"),
                       N_("Saker med plan fastsatt første gang i perioden, etter norskmålet kartleggingen gir "
                          "(nivået i alle fire ferdigheter, eller spennet mellom dem)."),
                       (N_("Norskmål"), N_("Saker"))),
    "workload": (N_("Saker per programrådgiver"),
                 N_("Åpne saker (uten fastsatt plan) per programrådgiver som opprettet saken, og kartlegginger de "
                    "fullførte i perioden."),
                 (N_("Programrådgiver"), N_("Åpne saker"), N_("Fullført i perioden"))),
}

PER_PERSON = frozenset({"workload"})  # figures with a row per named person: never exported
STAGES = {"mapping": N_("Kartleggingen pågår"), "mapped": N_("Kartlegging fullført, ingen fastsatt plan"),
          "plan_fixed": N_("Plan fastsatt")}


def _figure(fid: str, rows: list[Row], chart: Chart | None = None) -> Figure:
    title, definition, columns = FIGURES[fid]
    return Figure(fid, title, definition, columns, rows, chart)


def first_fixed(org_id: int):
    """Per case of the organisation with a fixed plan: when its first version (number 1) was fixed. A join on the
    unique (plan_id, number), not a MIN over every version: the figures use it in most of their queries."""
    return (select(Plan.case_id.label("case_id"), Plan.id.label("plan_id"), PlanVersion.fixed_at.label("fixed_at"))
            .join(PlanVersion, and_(PlanVersion.plan_id == Plan.id, PlanVersion.number == 1))
            .where(Plan.organisation_id == org_id).subquery("first_fixed"))


def work_codes() -> tuple[str, ...]:
    """The catalogue codes the rules count as work-oriented elements, in any entry of the programme."""
    codes: set[str] = set()
    for programme in programme_history().entries:
        for content in (programme.content, getattr(programme.chapter_6a, "content", None)):
            oriented = getattr(content, "oriented_elements", None)
            codes |= set(getattr(oriented, "work_codes", ()) or ())
    return tuple(sorted(codes))


def municipality_figures(db: Session, org_id: int, period: Period, today: dt.date,
                         link: Callable[..., str] | None = None, list_limit: int = 20) -> MunicipalityFigures:
    link = link or (lambda **_: None)
    fixed = first_fixed(org_id)
    figures = []

    # Cases by stage
    stage = when((fixed.c.fixed_at.is_not(None), "plan_fixed"), (Case.status == "completed", "mapped"),
                 else_="mapping")
    counts = dict(db.execute(
        select(stage.label("stage"), func.count()).select_from(Case).outerjoin(fixed, fixed.c.case_id == Case.id)
        .where(Case.organisation_id == org_id, Case.mapping_date >= period.start, Case.mapping_date <= period.end)
        .group_by(stage)).all())
    rows = [(label, counts.get(code, 0), link(stage=code, mapped_from=period.start, mapped_to=period.end))
            for code, label in STAGES.items()]
    figures.append(_figure("status", [Row(label, cell(n), href=href, code=code)
                                      for (label, n, href), code in zip(rows, STAGES)], bar_chart(rows)))

    # Decision deadlines, today
    open_case = and_(Case.organisation_id == org_id, fixed.c.fixed_at.is_(None), Case.decision_deadline.is_not(None))
    base = select(Case.id, Case.participant_name, Case.decision_deadline).select_from(Case).outerjoin(
        fixed, fixed.c.case_id == Case.id)
    soon_where = and_(open_case, Case.decision_deadline >= today,
                      Case.decision_deadline <= today + dt.timedelta(days=DUE_SOON_DAYS))
    late_where = and_(open_case, Case.decision_deadline < today)

    def due(where, order) -> tuple[list[DueCase], int]:
        n = db.execute(select(func.count()).select_from(Case).outerjoin(fixed, fixed.c.case_id == Case.id)
                       .where(where)).scalar_one()
        found = db.execute(base.where(where).order_by(order, Case.id).limit(list_limit)).all()
        return [DueCase(r.id, r.participant_name, r.decision_deadline, (r.decision_deadline - today).days)
                for r in found], n

    due_soon, soon_n = due(soon_where, col(Case.decision_deadline).asc())
    overdue, late_n = due(late_where, col(Case.decision_deadline).asc())
    deadline_rows = [(N_("Innen 14 dager"), soon_n, link(deadline="soon")),
                     (N_("Passert"), late_n, link(deadline="overdue"))]
    figures.append(_figure("deadlines", [Row(label, cell(n), href=href, code=code) for (label, n, href), code
                                         in zip(deadline_rows, ("soon", "overdue"))], bar_chart(deadline_rows)))

    # Days from settlement
    mapped = median(db, select(day_diff(utc_day(Case.completed_at), Case.settlement_date).label("d"))
                    .where(Case.organisation_id == org_id, in_period(Case.completed_at, period)))
    planned = median(db, select(day_diff(utc_day(fixed.c.fixed_at), Case.settlement_date).label("d"))
                     .select_from(Case).join(fixed, fixed.c.case_id == Case.id)
                     .where(Case.organisation_id == org_id, in_period(fixed.c.fixed_at, period)))
    figures.append(_figure("times", [
        Row(N_("Fullført kartlegging"), median_text(*mapped), cell(mapped[1]), code="mapping_completed",
            href=link(completed_from=period.start, completed_to=period.end)),
        Row(N_("Fastsatt plan"), median_text(*planned), cell(planned[1]), code="plan_fixed",
            href=link(fixed_from=period.start, fixed_to=period.end))]))

    # Decision deadline met
    reached = and_(Case.organisation_id == org_id, Case.decision_deadline >= period.start,
                   Case.decision_deadline <= period.end,
                   or_(Case.decision_deadline < today, fixed.c.fixed_at.is_not(None)))
    met_expr = and_(fixed.c.fixed_at.is_not(None), day_diff(utc_day(fixed.c.fixed_at), Case.decision_deadline) <= 0)
    total, met = db.execute(select(func.count(), func.sum(when((met_expr, 1), else_=0))).select_from(Case)
                            .outerjoin(fixed, fixed.c.case_id == Case.id).where(reached)).one()
    total, met = int(total or 0), int(met or 0)
    met_rows = [(N_("Holdt"), met, None), (N_("Ikke holdt"), total - met, None)]
    figures.append(_figure("deadline_met", [
        *(Row(label, cell(n), code=code) for (label, n, _), code in zip(met_rows, ("met", "missed"))),
        Row(N_("Andel holdt"), share(met, total), cell(total), code="share_met")], bar_chart(met_rows)))

    # Career guidance before the decision
    referred_before = exists().where(Referral.case_id == Case.id, Referral.sent_at.is_not(None),
                                     Referral.sent_at < fixed.c.fixed_at)
    total, referred = db.execute(
        select(func.count(), func.sum(when((referred_before, 1), else_=0))).select_from(Case)
        .join(fixed, fixed.c.case_id == Case.id)
        .where(Case.organisation_id == org_id, in_period(fixed.c.fixed_at, period))).one()
    total, referred = int(total or 0), int(referred or 0)
    figures.append(_figure("guidance_before_decision", [
        Row(N_("Henvist før vedtak"), cell(referred), code="referred"),
        Row(N_("Ikke henvist før vedtak"), cell(total - referred), code="not_referred"),
        Row(N_("Andel henvist før vedtak"), share(referred, total), cell(total), code="share_referred")]))

    # The referrals' times (what the municipality may know: its own referral's history and the summary back)
    sent = and_(Referral.from_organisation_id == org_id, in_period(Referral.sent_at, period))

    def event_at(action: str):
        return (select(func.min(ReferralEvent.at)).where(ReferralEvent.referral_id == Referral.id,
                                                          ReferralEvent.action == action)
                .correlate(Referral).scalar_subquery())

    accepted, started = event_at("accept"), event_at("start")
    summary_at = (select(func.min(GuidanceSummary.completed_at)).where(GuidanceSummary.referral_id == Referral.id)
                  .correlate(Referral).scalar_subquery())
    steps = [("sent_accepted", N_("Sendt → godtatt"), day_diff(utc_day(accepted), utc_day(Referral.sent_at))),
             ("accepted_started", N_("Godtatt → veiledningen startet"), day_diff(utc_day(started), utc_day(accepted))),
             ("sent_summary", N_("Sendt → oppsummering tilbake"), day_diff(utc_day(summary_at),
                                                                            utc_day(Referral.sent_at)))]
    rows = []
    for code, label, expr in steps:
        value, n = median(db, select(expr.label("d")).where(sent))
        rows.append(Row(label, median_text(value, n), cell(n), code=code))
    figures.append(_figure("referral_times", rows))

    # The plans fixed for the first time in the period
    fixed_now = and_(Case.organisation_id == org_id, in_period(fixed.c.fixed_at, period))
    plans = (select(func.count()).select_from(Case).join(fixed, fixed.c.case_id == Case.id)
             .join(Plan, Plan.id == fixed.c.plan_id).where(fixed_now))
    by_goal = {goal: n for n, goal in db.execute(plans.add_columns(Plan.end_goal).group_by(Plan.end_goal))}
    names = END_GOAL_NAMES.get(i18n.current(), END_GOAL_NAMES["nb"])
    goal_rows = [(names[g].capitalize(), by_goal.get(g, 0), None) for g in END_GOALS]
    if by_goal.get(None):
        goal_rows.append((N_("Ikke valgt"), by_goal[None], None))
    figures.append(_figure("end_goal", [Row(label, cell(n), code=code) for (label, n, _), code in
                                        zip(goal_rows, [*END_GOALS, "none"])], bar_chart(goal_rows)))

    band = when(*[((and_(Plan.duration_months >= low, Plan.duration_months <= high)), code)
                  for code, _label, low, high in DURATION_BANDS], else_="none")
    by_band = {code: n for n, code in db.execute(plans.add_columns(band.label("band")).group_by(band))}
    band_rows = [(label, by_band.get(code, 0), None) for code, label, _, _ in DURATION_BANDS]
    if by_band.get("none"):
        band_rows.append((N_("Ikke satt"), by_band["none"], None))
    figures.append(_figure("duration", [Row(label, cell(n), code=code) for (label, n, _), code in
                                        zip(band_rows, [c for c, *_ in DURATION_BANDS] + ["none"])],
                           bar_chart(band_rows)))

    has_work = exists().where(PlanElement.plan_id == Plan.id, PlanElement.status == "accepted",
                              or_(col(PlanElement.code).in_(work_codes()), PlanElement.oriented == "work"))
    total, with_work = db.execute(select(func.count(), func.sum(when((has_work, 1), else_=0)))
                                  .select_from(Case).join(fixed, fixed.c.case_id == Case.id)
                                  .join(Plan, Plan.id == fixed.c.plan_id).where(fixed_now)).one()
    total, with_work = int(total or 0), int(with_work or 0)
    figures.append(_figure("work_oriented", [
        Row(N_("Med arbeidsrettet element"), cell(with_work), code="with"),
        Row(N_("Uten"), cell(total - with_work), code="without"),
        Row(N_("Andel med"), share(with_work, total), cell(total), code="share_with")]))

    by_level = sorted(((goal, n) for n, goal in db.execute(plans.add_columns(Case.norwegian_goal)
                                                           .group_by(Case.norwegian_goal))),
                      key=lambda r: (r[0] is None, r[0] or ""))
    level_rows = [(goal or N_("Ikke kjent"), n, None) for goal, n in by_level]
    figures.append(_figure("norwegian_goal", [Row(label, cell(n), code=goal or "unknown") for (label, n, _), (goal, _n)
                                              in zip(level_rows, by_level)], bar_chart(level_rows)))

    # Workload per caseworker
    open_expr = when((fixed.c.fixed_at.is_(None), 1), else_=0)
    done_expr = when((in_period(Case.completed_at, period), 1), else_=0)
    work = db.execute(select(User.id, User.full_name, func.sum(open_expr), func.sum(done_expr))
                      .select_from(Case).join(User, User.id == Case.created_by_id)
                      .outerjoin(fixed, fixed.c.case_id == Case.id).where(Case.organisation_id == org_id)
                      .group_by(User.id, User.full_name).order_by(User.full_name)).all()
    figures.append(_figure("workload", [Row(name, cell(int(n_open or 0)), cell(int(n_done or 0)),
                                            href=link(caseworker=uid, stage="open"), code=str(uid))
                                        for uid, name, n_open, n_done in work],
                           bar_chart([(name, int(n_open or 0), link(caseworker=uid, stage="open"))
                                      for uid, name, n_open, _ in work])))
    return MunicipalityFigures(period, figures, due_soon, overdue, soon_n, late_n)


def csv_rows(figures: list[Figure]) -> list[list[Any]]:
    """The figures as CSV rows: counts, medians and shares with the small-number rule applied, and no personal data
    (the workload per caseworker, which names the staff, stays on the page)."""
    out: list[list[Any]] = [[i18n.translate(N_("Figur")), i18n.translate(N_("Rad")), i18n.translate(N_("Verdi")),
                             i18n.translate(N_("Grunnlag"))]]
    for figure in figures:
        if figure.id in PER_PERSON:
            continue
        for row in figure.rows:
            label = i18n.translate(row.label) if isinstance(row.label, Message) else row.label
            out.append([i18n.translate(figure.title), label, row.value if row.value is not None else "",
                        row.count or ""])
    return out




# --- the career centre's figures -------------------------------------------------------------------------------------

CENTRE_FIGURES: dict[str, tuple[Message, Message, tuple[Message, ...]]] = {
    "inbox": (N_("Henvisninger mottatt"),
              N_("Henvisninger sendt til senteret i perioden, per måned (datoen kommunen sendte dem)."),
              (N_("Måned"), N_("Henvisninger"))),
    "centre_times": (N_("Senterets tider"),
                     N_("Median antall dager for henvisninger sendt i perioden: fra sendt til godtatt, fra godtatt "
                        "til den første veiledningssamtalen og fra sendt til oppsummeringen ble sendt tilbake."),
                     (N_("Steg"), N_("Median dager"), N_("Henvisninger"))),
    "session_forms": (N_("Samtaler etter form"),
                      N_("Veiledningssamtaler holdt i perioden, etter form. Digital veiledning (video, telefon, chat) "
                         "teller som veiledning på lik linje med oppmøte."),
                      (N_("Form"), N_("Samtaler"), N_("Av samtaler"))),
    "interpreter": (N_("Tolk"),
                    N_("Veiledningssamtaler holdt i perioden der tolk ble brukt."),
                    (N_("Tolk"), N_("Samtaler"), N_("Av samtaler"))),
    "recommendations": (N_("Anbefalinger"),
                        N_("Oppsummeringer sendt tilbake i perioden, etter anbefalingen (arbeid, utdanning, annet)."),
                        (N_("Anbefaling"), N_("Oppsummeringer"))),
    "declines": (N_("Avviste henvisninger"),
                 N_("Henvisninger avvist i perioden, etter grunnen."),
                 (N_("Grunn"), N_("Henvisninger"))),
    "counsellor_workload": (N_("Arbeid per karriereveileder"),
                            N_("Henvisninger hver karriereveileder har godtatt og som ikke er fullført (nå), "
                               "samtaler de holdt og oppsummeringer de sendte i perioden."),
                            (N_("Karriereveileder"), N_("Pågående"), N_("Samtaler i perioden"),
                             N_("Oppsummeringer i perioden"))),
}
PER_PERSON = PER_PERSON | {"counsellor_workload"}


@dataclass
class CentreFigures:
    period: Period
    figures: list[Figure]


def _centre_figure(fid: str, rows: list[Row], chart: Chart | None = None) -> Figure:
    title, definition, columns = CENTRE_FIGURES[fid]
    return Figure(fid, title, definition, columns, rows, chart)


def _months(period: Period) -> list[str]:
    out, day = [], period.start.replace(day=1)
    while day <= period.end:
        out.append(f"{day:%Y-%m}")
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


def centre_figures(db: Session, org_id: int, period: Period) -> CentreFigures:
    from .domain.guidance import DECLINE_REASONS, RECOMMENDATIONS, SESSION_FORMS
    from .models_referrals import GuidanceSession

    received = and_(Referral.to_organisation_id == org_id, Referral.status != "draft",
                    in_period(Referral.sent_at, period))
    figures = []

    month = utc_month(Referral.sent_at)
    by_month = dict(db.execute(select(month, func.count()).where(received).group_by(month)).all())
    months = _months(period)
    if len(months) > 36:  # a long period: only the months with referrals
        months = sorted(by_month)
    rows = [(m, by_month.get(m, 0), None) for m in months]
    figures.append(_centre_figure("inbox", [Row(m, cell(n), code=m) for m, n, _ in rows], bar_chart(rows)))

    def event_at(action: str):
        return (select(func.min(ReferralEvent.at)).where(ReferralEvent.referral_id == Referral.id,
                                                          ReferralEvent.action == action)
                .correlate(Referral).scalar_subquery())

    accepted = event_at("accept")
    first_session = (select(func.min(GuidanceSession.held_on)).where(GuidanceSession.referral_id == Referral.id)
                     .correlate(Referral).scalar_subquery())
    summary_at = (select(func.min(GuidanceSummary.completed_at)).where(GuidanceSummary.referral_id == Referral.id)
                  .correlate(Referral).scalar_subquery())
    steps = [("sent_accepted", N_("Sendt → godtatt"), day_diff(utc_day(accepted), utc_day(Referral.sent_at))),
             ("accepted_first_session", N_("Godtatt → første samtale"), day_diff(first_session, utc_day(accepted))),
             ("sent_summary", N_("Sendt → oppsummering tilbake"), day_diff(utc_day(summary_at),
                                                                            utc_day(Referral.sent_at)))]
    time_rows = []
    for code, label, expr in steps:
        value, n = median(db, select(expr.label("d")).where(received))
        time_rows.append(Row(label, median_text(value, n), cell(n), code=code))
    figures.append(_centre_figure("centre_times", time_rows))

    held = and_(Referral.to_organisation_id == org_id, GuidanceSession.held_on >= period.start,
                GuidanceSession.held_on <= period.end)
    sessions = select(func.count()).select_from(GuidanceSession).join(Referral, Referral.id ==
                                                                      GuidanceSession.referral_id).where(held)
    by_form = {form: n for n, form in db.execute(sessions.add_columns(GuidanceSession.form)
                                                 .group_by(GuidanceSession.form))}
    total = sum(by_form.values())
    digital = sum(n for form, n in by_form.items() if form != "in_person")
    form_rows = [(label, by_form.get(code, 0), None) for code, label in SESSION_FORMS.items()]
    figures.append(_centre_figure("session_forms", [
        *(Row(label, cell(n), code=code) for (label, n, _), code in zip(form_rows, SESSION_FORMS)),
        Row(N_("Andel digitale"), share(digital, total), cell(total), code="share_digital")], bar_chart(form_rows)))

    with_interpreter = db.execute(sessions.where(GuidanceSession.interpreter_used.is_(True))).scalar_one()
    figures.append(_centre_figure("interpreter", [
        Row(N_("Med tolk"), cell(with_interpreter), code="with"),
        Row(N_("Uten tolk"), cell(total - with_interpreter), code="without"),
        Row(N_("Andel med tolk"), share(with_interpreter, total), cell(total), code="share_with")]))

    done = and_(Referral.to_organisation_id == org_id, in_period(GuidanceSummary.completed_at, period))
    by_rec = {rec: n for rec, n in db.execute(
        select(GuidanceSummary.recommendation, func.count()).join(Referral, Referral.id == GuidanceSummary.referral_id)
        .where(done).group_by(GuidanceSummary.recommendation))}
    rec_rows = [(label, by_rec.get(code, 0), None) for code, label in RECOMMENDATIONS.items()]
    figures.append(_centre_figure("recommendations", [Row(label, cell(n), code=code) for (label, n, _), code
                                                      in zip(rec_rows, RECOMMENDATIONS)], bar_chart(rec_rows)))

    declined_at = event_at("decline")
    by_reason = {reason: n for reason, n in db.execute(
        select(Referral.decline_reason, func.count()).where(Referral.to_organisation_id == org_id,
                                                            Referral.status == "declined",
                                                            in_period(declined_at, period))
        .group_by(Referral.decline_reason))}
    reason_rows = [(label, by_reason.get(code, 0), None) for code, label in DECLINE_REASONS.items()]
    figures.append(_centre_figure("declines", [Row(label, cell(n), code=code) for (label, n, _), code
                                               in zip(reason_rows, DECLINE_REASONS)], bar_chart(reason_rows)))

    open_now = when((col(Referral.status).in_(("accepted", "in_progress")), 1), else_=0)
    people = db.execute(select(User.id, User.full_name).where(User.organisation_id == org_id,
                                                              User.role == "counsellor").order_by(User.full_name)).all()
    ongoing = dict(db.execute(select(Referral.counsellor_id, func.sum(open_now))
                              .where(Referral.to_organisation_id == org_id).group_by(Referral.counsellor_id)).all())
    held_by = dict(db.execute(select(GuidanceSession.created_by_id, func.count()).select_from(GuidanceSession)
                              .join(Referral, Referral.id == GuidanceSession.referral_id).where(held)
                              .group_by(GuidanceSession.created_by_id)).all())
    sent_by = dict(db.execute(select(GuidanceSummary.completed_by_id, func.count())
                              .join(Referral, Referral.id == GuidanceSummary.referral_id).where(done)
                              .group_by(GuidanceSummary.completed_by_id)).all())
    figures.append(_centre_figure("counsellor_workload", [
        Row(name, cell(int(ongoing.get(uid) or 0)), cell(held_by.get(uid, 0)), code=str(uid),
            extra=cell(sent_by.get(uid, 0))) for uid, name in people],
        bar_chart([(name, int(ongoing.get(uid) or 0), None) for uid, name in people])))
    return CentreFigures(period, figures)
