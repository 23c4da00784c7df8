"""The leaders' figures, counted in the database: every figure is an SQL aggregate (counts, and medians by window
functions) over the organisation's own cases or referrals, no case is loaded into Python. Each reads one table's
indexed columns (the case's first fixing time, the referral's times: migrations/versions/0011_figure_times.py),
joined only by primary or unique key where a figure needs another table's value; figures over the same rows share
one query.

`FIGURES` names each figure with its definition, as the page shows it; `municipality_figures` and `centre_figures`
count them for a period. The small-number rule and the period are `intake/domain/figures.py`. Days are whole calendar
days, a moment (a completed mapping, a fixed plan, a referral event) counted on its date in UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from sqlalchemy import (Integer, String, and_, case as when, cast, func, literal, or_, select, true,
                        union_all)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col

from . import i18n
from .domain.derived import END_GOAL_NAMES, END_GOALS
from .domain.figures import (DUE_SOON_DAYS, DURATION_BANDS, Chart, Period, bar_chart, cell, median_text, share)
from .domain.messages import N_, Message
from .models import Case, User
from .models_plans import Plan, PlanElement
from .models_referrals import GuidanceSession, GuidanceSummary, Referral
from .cases import programme_history


# --- portable SQL: a date's day, days between two days, the median -------------------------------------------------


def _portable(name: str, type_, doc: str, sqlite: str, postgresql: str) -> type[FunctionElement]:
    """An SQL function written once per dialect: the templates take the arguments as {0}, {1}."""
    function = type(name, (FunctionElement,), {"type": type_, "inherit_cache": True, "name": name, "__doc__": doc})

    def writer(template: str):
        return lambda element, compiler, **kw: template.format(*(compiler.process(c, **kw) for c in element.clauses))

    compiles(function)(writer(sqlite))
    compiles(function, "postgresql")(writer(postgresql))
    return function


# Integer: a day is compared with dates only through day_diff
utc_day = _portable("utc_day", Integer(), "The calendar day (UTC) of a stored moment.",
                    "date({0})", "CAST(({0}) AT TIME ZONE 'UTC' AS DATE)")
utc_month = _portable("utc_month", String(), 'The month (UTC) of a stored moment, as text "2026-11".',
                      "strftime('%Y-%m', {0})", "to_char(({0}) AT TIME ZONE 'UTC', 'YYYY-MM')")
day_diff = _portable("day_diff", Integer(), "Whole days from the second day to the first (two dates, or utc_days).",
                     "CAST(julianday({0}) - julianday({1}) AS INTEGER)", "(CAST({0} AS DATE) - CAST({1} AS DATE))")


def medians(db: Session, rows, where, values: Mapping[str, Any]) -> dict[str, tuple[float | None, int]]:
    """Several medians over one set of rows, in one query; returns {name: (median, how many values)}. Each value
    (whole days) is counted per distinct day (a GROUP BY: far cheaper than ordering every row), then a running sum
    over those few rows finds the middle one (or the middle two, averaged)."""
    names = list(values)
    # Each row's values computed once (a materialised CTE: the database may not inline it into each histogram)
    found_rows = (select(*(expr.label(f"d{i}") for i, expr in enumerate(values.values()))).select_from(rows)
                  .where(where).cte("figure_values").prefix_with("MATERIALIZED"))
    histograms = union_all(*(
        select(literal(i).label("k"), found_rows.c[f"d{i}"].label("d"), func.count().label("c"))
        .where(found_rows.c[f"d{i}"].is_not(None)).group_by(found_rows.c[f"d{i}"])
        for i in range(len(names)))).subquery()
    running = select(histograms.c.k, histograms.c.d,
                     cast(func.sum(histograms.c.c).over(partition_by=histograms.c.k, order_by=histograms.c.d),
                          Integer).label("below"),
                     cast(func.sum(histograms.c.c).over(partition_by=histograms.c.k), Integer).label("n")).subquery()
    lower = func.min(when((running.c.below >= (running.c.n + 1) // 2, running.c.d)))
    upper = func.min(when((running.c.below >= (running.c.n + 2) // 2, running.c.d)))
    found = {k: (value, n) for k, value, n in db.execute(
        select(running.c.k, (lower + upper) / 2.0, func.max(running.c.n)).group_by(running.c.k))}
    return {name: (float(found[i][0]), int(found[i][1])) if i in found else (None, 0) for i, name in enumerate(names)}


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


def _figure(fid: str, rows: list[Row], chart: Chart | None = None) -> Figure:
    title, definition, columns = {**FIGURES, **CENTRE_FIGURES}[fid]
    return Figure(fid, title, definition, columns, rows, chart)


def _counted(fid: str, labels: Mapping[str, str | Message], counts: Mapping[Any, int],
             links: Mapping[str, str | None] | None = None) -> Figure:
    """A figure of counts by code, in the order of `labels`, with its bar chart."""
    rows = [(code, label, int(counts.get(code) or 0), (links or {}).get(code)) for code, label in labels.items()]
    return _figure(fid, [Row(label, cell(n), href=href, code=code) for code, label, n, href in rows],
                   bar_chart([(label, n, href) for _, label, n, href in rows]))


def _parted(fid: str, labels: tuple[Message, Message, Message], codes: tuple[str, str, str], part: int | None,
            total: int | None, chart: bool = False) -> Figure:
    """A figure of a part of a whole: the part, the rest, and the part's share (counted over the whole)."""
    part, total = int(part or 0), int(total or 0)
    counts = [(labels[0], part, None), (labels[1], total - part, None)]
    return _figure(fid, [*(Row(label, cell(n), code=code) for (label, n, _), code in zip(counts, codes)),
                         Row(labels[2], share(part, total), cell(total), code=codes[2])],
                   bar_chart(counts) if chart else None)


def _timed(fid: str, labels: Mapping[str, Message], found: Mapping[str, tuple[float | None, int]]) -> Figure:
    """A figure of medians in days (`medians`), one row per step."""
    return _figure(fid, [Row(label, median_text(*found[code]), cell(found[code][1]), code=code)
                         for code, label in labels.items()])


def _any(*where):
    """EXISTS over an index: selects a constant (not `*`), so the database need not read the table's rows."""
    return select(literal(1)).where(*where).exists()


def _sums(db: Session, rows, where, conditions: Mapping[str, Any]) -> dict[str, int]:
    """How many of the rows meet each condition, in one query."""
    found = db.execute(select(*(func.sum(when((c, 1), else_=0)) for c in conditions.values()))
                       .select_from(rows).where(where)).one()
    return {name: int(n or 0) for name, n in zip(conditions, found)}


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
    own = Case.organisation_id == org_id
    fixed, not_fixed = col(Case.first_fixed_at).is_not(None), col(Case.first_fixed_at).is_(None)
    figures = []

    # Cases by stage
    stage = when((fixed, "plan_fixed"), (Case.status == "completed", "mapped"), else_="mapping")
    counts = dict(db.execute(select(stage, func.count()).where(own, Case.mapping_date >= period.start,
                                                               Case.mapping_date <= period.end).group_by(stage)).all())
    figures.append(_counted("status", STAGES, counts, {
        code: link(stage=code, mapped_from=period.start, mapped_to=period.end) for code in STAGES}))

    # Decision deadlines, today: the open cases (no fixed plan) by deadline
    soon_end = today + dt.timedelta(days=DUE_SOON_DAYS)
    open_due = and_(own, not_fixed, col(Case.decision_deadline).is_not(None), Case.decision_deadline <= soon_end)
    windows = {"soon": Case.decision_deadline >= today, "overdue": Case.decision_deadline < today}
    due_n = _sums(db, Case, open_due, windows)

    def due(code: str) -> list[DueCase]:
        if not list_limit:
            return []
        found = db.execute(select(Case.id, Case.participant_name, Case.decision_deadline)
                           .where(open_due, windows[code]).order_by(col(Case.decision_deadline).asc(), Case.id)
                           .limit(list_limit)).all()
        return [DueCase(r.id, r.participant_name, r.decision_deadline, (r.decision_deadline - today).days)
                for r in found]

    figures.append(_counted("deadlines", {"soon": N_("Innen 14 dager"), "overdue": N_("Passert")}, due_n,
                            {code: link(deadline=code) for code in windows}))

    # Days from settlement (each over its own index range: the cases completed, the plans fixed in the period)
    completed_now, fixed_now = in_period(Case.completed_at, period), in_period(Case.first_fixed_at, period)
    timed = _timed("times", {"mapping_completed": N_("Fullført kartlegging"), "plan_fixed": N_("Fastsatt plan")}, {
        **medians(db, Case, and_(own, completed_now), {
            "mapping_completed": day_diff(utc_day(Case.completed_at), Case.settlement_date)}),
        **medians(db, Case, and_(own, fixed_now), {
            "plan_fixed": day_diff(utc_day(Case.first_fixed_at), Case.settlement_date)})})
    for row, href in zip(timed.rows, (link(completed_from=period.start, completed_to=period.end),
                                     link(fixed_from=period.start, fixed_to=period.end))):
        row.href = href
    figures.append(timed)

    # Decision deadline met
    reached = and_(own, Case.decision_deadline >= period.start, Case.decision_deadline <= period.end,
                   or_(Case.decision_deadline < today, fixed))
    met = _sums(db, Case, reached, {"all": true(), "met": and_(fixed, day_diff(utc_day(Case.first_fixed_at),
                                                                             Case.decision_deadline) <= 0)})
    figures.append(_parted("deadline_met", (N_("Holdt"), N_("Ikke holdt"), N_("Andel holdt")),
                           ("met", "missed", "share_met"), met["met"], met["all"], chart=True))

    # The plans fixed for the first time in the period: one query for every figure over them
    plans = and_(own, fixed_now)
    with_plan = Case.__table__.join(Plan.__table__, Plan.case_id == Case.id)
    bands = {code: and_(Plan.duration_months >= low, Plan.duration_months <= high)
             for code, _label, low, high in DURATION_BANDS}
    found = _sums(db, with_plan, plans, {
        "all": true(),
        # Career guidance before the decision: a referral sent before the plan was first fixed
        "referred": _any(Referral.case_id == Case.id, col(Referral.sent_at).is_not(None),
                         Referral.sent_at < Case.first_fixed_at),
        "with_work": _any(PlanElement.plan_id == Plan.id, PlanElement.status == "accepted",
                          or_(col(PlanElement.code).in_(work_codes()), PlanElement.oriented == "work")),
        **{f"goal:{goal}": Plan.end_goal == goal for goal in END_GOALS},
        "goal:none": col(Plan.end_goal).is_(None),
        **{f"band:{code}": within for code, within in bands.items()},
        "band:none": ~or_(*bands.values()) | col(Plan.duration_months).is_(None)})
    figures.append(_parted("guidance_before_decision", (N_("Henvist før vedtak"), N_("Ikke henvist før vedtak"),
                                                        N_("Andel henvist før vedtak")),
                           ("referred", "not_referred", "share_referred"), found["referred"], found["all"]))

    # The referrals' times (what the municipality may know: its own referral's history and the summary back)
    sent = and_(Referral.from_organisation_id == org_id, in_period(Referral.sent_at, period))
    figures.append(_timed("referral_times", {
        "sent_accepted": N_("Sendt → godtatt"), "accepted_started": N_("Godtatt → veiledningen startet"),
        "sent_summary": N_("Sendt → oppsummering tilbake")}, medians(db, Referral, sent, {
            "sent_accepted": day_diff(utc_day(Referral.accepted_at), utc_day(Referral.sent_at)),
            "accepted_started": day_diff(utc_day(Referral.started_at), utc_day(Referral.accepted_at)),
            "sent_summary": day_diff(utc_day(Referral.summary_at), utc_day(Referral.sent_at))})))

    names = END_GOAL_NAMES.get(i18n.current(), END_GOAL_NAMES["nb"])
    goals = {goal: names[goal].capitalize() for goal in END_GOALS}
    if found["goal:none"]:
        goals["none"] = N_("Ikke valgt")
    figures.append(_counted("end_goal", goals, {goal: found[f"goal:{goal}"] for goal in goals}))
    durations = {code: label for code, label, _low, _high in DURATION_BANDS}
    if found["band:none"]:
        durations["none"] = N_("Ikke satt")
    figures.append(_counted("duration", durations, {code: found[f"band:{code}"] for code in durations}))
    figures.append(_parted("work_oriented", (N_("Med arbeidsrettet element"), N_("Uten"), N_("Andel med")),
                           ("with", "without", "share_with"), found["with_work"], found["all"]))

    by_level = dict(db.execute(select(Case.norwegian_goal, func.count()).where(plans)
                               .group_by(Case.norwegian_goal)).all())
    levels = {goal or "unknown": goal or N_("Ikke kjent")
              for goal in sorted(by_level, key=lambda g: (g is None, g or ""))}
    figures.append(_counted("norwegian_goal", levels, {goal or "unknown": n for goal, n in by_level.items()}))

    # Workload per caseworker
    work = db.execute(select(User.id, User.full_name, func.sum(when((not_fixed, 1), else_=0)),
                             func.sum(when((completed_now, 1), else_=0)))
                      .select_from(Case).join(User, User.id == Case.created_by_id).where(own)
                      .group_by(User.id, User.full_name).order_by(User.full_name)).all()
    figures.append(_figure("workload", [Row(name, cell(int(n_open or 0)), cell(int(n_done or 0)),
                                            href=link(caseworker=uid, stage="open"), code=str(uid))
                                        for uid, name, n_open, n_done in work],
                           bar_chart([(name, int(n_open or 0), link(caseworker=uid, stage="open"))
                                      for uid, name, n_open, _ in work])))
    return MunicipalityFigures(period, figures, due("soon"), due("overdue"), due_n["soon"], due_n["overdue"])


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


def _months(period: Period) -> list[str]:
    out, day = [], period.start.replace(day=1)
    while day <= period.end:
        out.append(f"{day:%Y-%m}")
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


def centre_figures(db: Session, org_id: int, period: Period) -> CentreFigures:
    from .domain.guidance import DECLINE_REASONS, RECOMMENDATIONS, SESSION_FORMS

    ours = Referral.to_organisation_id == org_id
    received = and_(ours, Referral.status != "draft", in_period(Referral.sent_at, period))
    figures = []

    month = utc_month(Referral.sent_at)
    by_month = dict(db.execute(select(month, func.count()).where(received).group_by(month)).all())
    months = _months(period)
    if len(months) > 36:  # a long period: only the months with referrals
        months = sorted(by_month)
    figures.append(_counted("inbox", {m: m for m in months}, by_month))

    # The first session is the centre's own record: the earliest session of each referral (a join, grouped)
    sessions = GuidanceSession.__table__.join(Referral.__table__, Referral.id == GuidanceSession.referral_id)
    first_sessions = (select(func.min(GuidanceSession.held_on).label("held_on"), Referral.accepted_at)
                      .select_from(sessions).where(received).group_by(Referral.id, Referral.accepted_at).subquery())
    figures.append(_timed("centre_times", {
        "sent_accepted": N_("Sendt → godtatt"), "accepted_first_session": N_("Godtatt → første samtale"),
        "sent_summary": N_("Sendt → oppsummering tilbake")}, {
            **medians(db, Referral, received, {
                "sent_accepted": day_diff(utc_day(Referral.accepted_at), utc_day(Referral.sent_at)),
                "sent_summary": day_diff(utc_day(Referral.summary_at), utc_day(Referral.sent_at))}),
            **medians(db, first_sessions, true(), {
                "accepted_first_session": day_diff(first_sessions.c.held_on,
                                                   utc_day(first_sessions.c.accepted_at))})}))

    # The sessions held in the period: by form, with and without an interpreter, in one query
    held = and_(ours, GuidanceSession.held_on >= period.start, GuidanceSession.held_on <= period.end)
    found = _sums(db, sessions, held, {"all": true(), "interpreter": col(GuidanceSession.interpreter_used).is_(True),
                                       **{f"form:{form}": GuidanceSession.form == form for form in SESSION_FORMS}})
    figures.append(_counted("session_forms", SESSION_FORMS, {form: found[f"form:{form}"] for form in SESSION_FORMS}))
    figures[-1].rows.append(Row(N_("Andel digitale"), share(found["all"] - found["form:in_person"], found["all"]),
                                cell(found["all"]), code="share_digital"))
    figures.append(_parted("interpreter", (N_("Med tolk"), N_("Uten tolk"), N_("Andel med tolk")),
                           ("with", "without", "share_with"), found["interpreter"], found["all"]))

    summaries = and_(ours, in_period(Referral.summary_at, period))
    summary_rows = GuidanceSummary.__table__.join(Referral.__table__, Referral.id == GuidanceSummary.referral_id)
    by_rec = dict(db.execute(select(GuidanceSummary.recommendation, func.count()).select_from(summary_rows)
                             .where(summaries).group_by(GuidanceSummary.recommendation)).all())
    figures.append(_counted("recommendations", RECOMMENDATIONS, by_rec))

    by_reason = dict(db.execute(select(Referral.decline_reason, func.count())
                                .where(ours, Referral.status == "declined", in_period(Referral.declined_at, period))
                                .group_by(Referral.decline_reason)).all())
    figures.append(_counted("declines", DECLINE_REASONS, by_reason))

    people = db.execute(select(User.id, User.full_name).where(User.organisation_id == org_id,
                                                              User.role == "counsellor").order_by(User.full_name)).all()
    ongoing = dict(db.execute(select(Referral.counsellor_id, func.count())
                              .where(ours, col(Referral.status).in_(("accepted", "in_progress")))
                              .group_by(Referral.counsellor_id)).all())
    held_by = dict(db.execute(select(GuidanceSession.created_by_id, func.count()).select_from(sessions).where(held)
                              .group_by(GuidanceSession.created_by_id)).all())
    sent_by = dict(db.execute(select(GuidanceSummary.completed_by_id, func.count()).select_from(summary_rows)
                              .where(summaries).group_by(GuidanceSummary.completed_by_id)).all())
    figures.append(_figure("counsellor_workload", [
        Row(name, cell(ongoing.get(uid, 0)), cell(held_by.get(uid, 0)), code=str(uid),
            extra=cell(sent_by.get(uid, 0))) for uid, name in people],
        bar_chart([(name, ongoing.get(uid, 0), None) for uid, name in people])))
    return CentreFigures(period, figures)
