"""Career guidance as data: the referral's statuses and transitions, the codes its forms use, and which answers a
consent lets leave the municipality. Pure: no FastAPI, no database (the service is `intake/referrals.py`).

The status machine is the TRANSITIONS table. Each transition names the statuses it leaves from, the status it goes
to, the role and the side (the municipality that sends, the career centre that receives) that may make it, and what
it requires; `intake/access.py` builds its referral permissions from this table, so the two cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from .answers import FieldError
from .messages import N_, Message, lower_first
from .questionnaire import Questionnaire
from .text import text_error

MUNICIPALITY, CENTRE = "municipality", "centre"


@dataclass(frozen=True)
class Status:
    code: str
    label: str  # bokmål, as the caseworker and counsellor read it
    open: bool  # the referral is still waiting for or under work (overdue against the deadline can apply)
    centre_sees_answers: bool  # the career centre may see the shared answers in this status


STATUSES: dict[str, Status] = {s.code: s for s in (
    Status("draft", N_("Utkast"), open=False, centre_sees_answers=False),
    Status("sent", N_("Sendt"), open=True, centre_sees_answers=True),
    Status("received", N_("Mottatt"), open=True, centre_sees_answers=True),
    Status("accepted", N_("Godtatt"), open=True, centre_sees_answers=True),
    Status("declined", N_("Avvist"), open=False, centre_sees_answers=False),
    Status("in_progress", N_("Under veiledning"), open=True, centre_sees_answers=True),
    Status("completed", N_("Fullført"), open=False, centre_sees_answers=True),
    Status("withdrawn", N_("Trukket tilbake"), open=False, centre_sees_answers=False),
)}


@dataclass(frozen=True)
class Transition:
    name: str
    from_statuses: tuple[str, ...]
    to: str
    role: str  # the one role that may make it
    side: str  # municipality | centre: which organisation of the referral the user must belong to
    requires: tuple[str, ...]  # names in REQUIREMENTS
    label: str  # the button
    done: str  # the history line


TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    Transition("send", ("draft",), "sent", "caseworker", MUNICIPALITY, ("consent", "purpose", "contact"),
               N_("Send henvisning"), N_("Henvisningen ble sendt")),
    Transition("receive", ("sent",), "received", "counsellor", CENTRE, (),
               N_("Marker som mottatt"), N_("Karrieresenteret åpnet henvisningen")),
    Transition("accept", ("received",), "accepted", "counsellor", CENTRE, ("planned_first_session",),
               N_("Godta henvisningen"), N_("Henvisningen ble godtatt")),
    Transition("decline", ("received",), "declined", "counsellor", CENTRE, ("decline_reason",),
               N_("Avvis henvisningen"), N_("Henvisningen ble avvist")),
    Transition("start", ("accepted",), "in_progress", "counsellor", CENTRE, ("contract",),
               N_("Lagre kontrakten og start veiledningen"), N_("Veiledningskontrakt inngått, veiledningen startet")),
    Transition("complete", ("in_progress",), "completed", "counsellor", CENTRE, ("summary", "recommendation"),
               N_("Fullfør og send oppsummeringen"), N_("Veiledningen ble fullført, oppsummering og anbefaling sendt")),
    Transition("withdraw", ("sent", "received"), "withdrawn", "caseworker", MUNICIPALITY, (),
               N_("Trekk tilbake henvisningen"), N_("Henvisningen ble trukket tilbake")),
)}

# What each requirement reads from the transition's input (see `check_requirements`); "consent", "purpose" and
# "contact" are checked by the service against stored data, since they are not typed at the moment of sending.
REQUIREMENTS: dict[str, tuple[str, ...]] = {
    "consent": (), "purpose": (), "contact": (),
    "planned_first_session": ("planned_first_session",),
    "decline_reason": ("decline_reason", "decline_text"),
    "contract": ("goal", "frame", "agreed_on"),
    "summary": ("summary", "areas"),
    "recommendation": ("recommendation", "recommendation_text"),
}

CONSENT_METHODS = {"orally_with_interpreter": N_("Muntlig med tolk"), "in_writing": N_("Skriftlig")}
DECLINE_REASONS = {"wrong_county": N_("Feil fylke"), "not_in_target_group": N_("Ikke i målgruppen"), "other": N_("Annet")}
RECOMMENDATIONS = {"work": N_("Arbeid"), "education": N_("Utdanning"), "other": N_("Annet")}
SESSION_FORMS = {"in_person": N_("Oppmøte"), "video": N_("Video"), "phone": N_("Telefon"), "chat": N_("Chat")}
# The five career-competence areas ("karriereknapper") of the national quality framework for career guidance.
CAREER_AREAS = {
    "me_in_context": N_("Meg i kontekst"),
    "opportunities_limitations": N_("Muligheter og begrensninger"),
    "choices_chance": N_("Valg og tilfeldigheter"),
    "change_stability": N_("Endring og stabilitet"),
    "adaptation_resistance": N_("Tilpasning og motstand"),
}
INBOX_TABS = {  # tab -> (label, statuses)
    "new": (N_("Nye"), ("sent", "received")),
    "accepted": (N_("Godtatt"), ("accepted",)),
    "in_progress": (N_("Under veiledning"), ("in_progress",)),
    "completed": (N_("Fullført"), ("completed",)),
    "closed": (N_("Avvist eller trukket"), ("declined", "withdrawn")),
}
TEXT_MAX = 4000
REQUIRED_SECTION = "participant"  # the basic data: always part of what is shared


class NotAllowed(Exception):
    """The action is not possible from the referral's current status (HTTP 409); the message says why."""


def not_allowed_message(transition: Transition, status: str) -> str:
    return N_("«{action}» er ikke mulig når henvisningen har status «{status}». Det er mulig fra: {allowed}.",
              action=transition.label, status=STATUSES[status].label,
              allowed=[STATUSES[s].label for s in transition.from_statuses])


def is_overdue(status: str, deadline: dt.date | None, today: dt.date) -> bool:
    return deadline is not None and STATUSES[status].open and deadline < today


# --- reading input (form text or JSON values) -----------------------------------------------------------------------


def read_text(data: Mapping[str, Any], name: str, label: Message, errors: list[FieldError], *, required: bool = False,
              max_length: int = TEXT_MAX) -> str:
    value = data.get(name)
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        errors.append(FieldError(name, N_("{label} må være tekst.", label=label)))
    elif required and not text:
        errors.append(FieldError(name, N_("Skriv {what}.", what=lower_first(label))))
    elif len(text) > max_length:
        errors.append(FieldError(name, N_("{label} kan ha høyst {max} tegn (nå {n}).", label=label, max=max_length,
                                          n=len(text))))
    elif problem := text_error(text):
        errors.append(FieldError(name, problem))
    return text


# Every date of a referral (consent given, decision deadline, first session, contract, sessions) lies within these:
# a year typed as 1 or 9999 (a slip in a date field) is said at its field, not stored and printed.
DATE_RANGE = (dt.date(2000, 1, 1), dt.date(2100, 12, 31))


def _parse_date(text: str) -> dt.date | None:
    """ISO (what a date field posts) or dd.mm.åååå (what a person types where there is no date picker)."""
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def read_date(data: Mapping[str, Any], name: str, label: Message, errors: list[FieldError], *, required: bool = False,
              not_after: dt.date | None = None, not_before: dt.date | None = None) -> dt.date | None:
    value = data.get(name)
    if isinstance(value, dt.date):
        day = value
    elif value in (None, ""):
        if required:
            errors.append(FieldError(name, N_("Fyll ut {what}.", what=lower_first(label))))
        return None
    else:
        day = _parse_date(str(value).strip())
        if day is None:
            errors.append(FieldError(name, N_("{label} må være en gyldig dato, for eksempel 01.12.2026.", label=label)))
            return None
    if not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
        errors.append(FieldError(name, N_("{label} må være mellom {first} og {last}.", label=label,
                                          first=f"{DATE_RANGE[0]:%d.%m.%Y}", last=f"{DATE_RANGE[1]:%d.%m.%Y}")))
        return None
    if not_after and day > not_after:
        errors.append(FieldError(name, N_("{label} kan ikke være etter {date}.", label=label,
                                          date=f"{not_after:%d.%m.%Y}")))
    if not_before and day < not_before:
        errors.append(FieldError(name, N_("{label} kan ikke være før {date}.", label=label,
                                          date=f"{not_before:%d.%m.%Y}")))
    return day


def read_choice(data: Mapping[str, Any], name: str, label: Message, codes: Mapping[str, str],
                errors: list[FieldError], *, required: bool = True) -> str | None:
    value = data.get(name)
    if value in (None, ""):
        if required:
            errors.append(FieldError(name, N_("Velg {what}.", what=lower_first(label))))
        return None
    if value not in codes:
        errors.append(FieldError(name, N_("Velg en av: {options}.", options=list(codes.values()))))
        return None
    return value


def read_bool(data: Mapping[str, Any], name: str) -> bool:
    value = data.get(name)
    return value is True or (isinstance(value, str) and value.lower() in ("true", "on", "1", "ja"))


def check_requirements(transition: Transition, data: Mapping[str, Any], *, today: dt.date,
                       sent_on: dt.date | None = None) -> tuple[dict[str, Any], list[FieldError]]:
    """The input a centre-side transition requires, read and checked: (values, errors)."""
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    for requirement in transition.requires:
        if requirement == "planned_first_session":
            values["planned_first_session"] = read_date(data, "planned_first_session", N_("Planlagt første samtale"),
                                                        errors, required=True, not_before=sent_on)
        elif requirement == "decline_reason":
            reason = read_choice(data, "decline_reason", N_("Grunnen"), DECLINE_REASONS, errors)
            values["decline_reason"] = reason
            values["decline_text"] = read_text(data, "decline_text", N_("Begrunnelsen"), errors,
                                               required=reason == "other")
        elif requirement == "contract":
            values["goal"] = read_text(data, "goal", N_("Målet for veiledningen"), errors, required=True)
            values["frame"] = read_text(data, "frame", N_("Rammen for veiledningen"), errors, required=True)
            values["agreed_on"] = read_date(data, "agreed_on", N_("Datoen kontrakten ble inngått"), errors,
                                            not_after=today) or today
        elif requirement == "summary":
            values["summary"] = read_text(data, "summary", N_("Oppsummeringen"), errors, required=True, max_length=8000)
            raw = data.get("areas") or {}
            raw = raw if isinstance(raw, Mapping) else {}
            area_errors: list[FieldError] = []
            areas = {code: read_text(raw, code, label, area_errors) for code, label in CAREER_AREAS.items()}
            errors += [FieldError(f"areas.{e.field}", e.message) for e in area_errors]
            if set(raw) - set(CAREER_AREAS):
                errors.append(FieldError("areas", N_("Ukjent område: {names}.",
                                                     names=", ".join(sorted(set(raw) - set(CAREER_AREAS))))))
            values["areas"] = {code: text for code, text in areas.items() if text}
        elif requirement == "recommendation":
            values["recommendation"] = read_choice(data, "recommendation", N_("Anbefalingen"), RECOMMENDATIONS, errors)
            values["recommendation_text"] = read_text(data, "recommendation_text", N_("Anbefalingen i tekst"), errors,
                                                      required=True)
    return values, errors


# --- what a consent lets leave the municipality ---------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentChoices:
    """What the consent form offers: ordinary sections (ticked by default), sensitive sections and sensitive
    questions outside them (never ticked by default)."""

    ordinary: list[tuple[str, Mapping[str, str]]]  # (section id, title in each language)
    sensitive_sections: list[tuple[str, Mapping[str, str]]]
    sensitive_questions: list[tuple[str, Mapping[str, str]]]  # (question id, "section title: label")


def consent_choices(q: Questionnaire) -> ConsentChoices:
    ordinary, sensitive, questions = [], [], []
    for s in q.sections:
        (sensitive if s.sensitive else ordinary).append((s.id, s.title))
        if not s.sensitive:
            questions += [(x.id, {lang: f"{title}: {x.label[lang]}" for lang, title in s.title.items()})
                          for x in s.questions if x.sensitive]
    return ConsentChoices(ordinary, sensitive, questions)


def check_consent_parts(q: Questionnaire, sections: Iterable[str], sensitive_questions: Iterable[str]
                        ) -> tuple[list[str], list[str], list[FieldError]]:
    """The sections and sensitive questions named, in questionnaire order; errors for unknown or missing ones."""
    wanted, named = set(sections), set(sensitive_questions)
    errors = []
    known = {s.id for s in q.sections}
    if wanted - known:
        errors.append(FieldError("sections", N_("Ukjente deler: {names}.", names=", ".join(sorted(wanted - known)))))
    if REQUIRED_SECTION not in wanted:
        errors.append(FieldError("sections", N_("Grunnopplysningene («{title}») må alltid være med.",
                                                title=q.section(REQUIRED_SECTION).title)))
    allowed_questions = {qid for qid, _ in consent_choices(q).sensitive_questions}
    if named - allowed_questions:
        errors.append(FieldError("sensitive_questions", N_("Ukjente sensitive spørsmål: {names}.",
                                                           names=", ".join(sorted(named - allowed_questions)))))
    return ([s.id for s in q.sections if s.id in wanted],
            [x.id for x in q.questions() if x.id in named], errors)


def shared_question_ids(q: Questionnaire, sections: Iterable[str], sensitive_questions: Iterable[str]) -> set[str]:
    """The questions a consent covers: those of the named sections, except sensitive questions in an ordinary
    section, which leave only when named one by one. A sensitive section is named as a whole."""
    sections, named = set(sections), set(sensitive_questions)
    ids = set()
    for s in q.sections:
        if s.id not in sections:
            continue
        ids |= {x.id for x in s.questions if s.sensitive or not x.sensitive or x.id in named}
    return ids


def shared_answers(q: Questionnaire, answers: Mapping[str, Any], sections: Iterable[str],
                   sensitive_questions: Iterable[str] = ()) -> dict[str, Any]:
    ids = shared_question_ids(q, sections, sensitive_questions)
    return {k: v for k, v in answers.items() if k in ids}


# Derived values the counsellor is shown; computed from the shared answers only, so they reveal nothing more.
SHARED_DERIVED = ("age_at_permit", "in_target_group", "highest_completed_level", "has_upper_secondary",
                  "norwegian_goal", "norwegian_gap", "decision_deadline")
