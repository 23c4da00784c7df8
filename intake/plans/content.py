"""What the law requires of the programme's content, checked before "Fastsett plan": at least one work- or
education-oriented element in every programme (integreringsloven § 14 first paragraph (d), § 14 a after Prop. 81 L
(2024–2025); § 37 b under chapter 6A), and the minimum of work-oriented elements in a programme that qualifies for work
where rules/programme.yaml encodes one (`content.work_oriented_minimum`).

Which check blocks and which warns follows what is known of the law:
- no work- or education-oriented element at all: blocks. The requirement has stood since 2021 (confirmed in the law
  and in Prop. 81 L ch. 6.1), and there is no exception: a plan without one is not a lawful programme.
- no work-oriented element where the work-oriented minimum applies: blocks where the rule (its value and the date it
  applies from) is confirmed in a primary source; where it is not (`verified: false`), a warning the caseworker must
  answer with a reason (recorded with the version, printed among the plan's reasons): an unconfirmed rule is shown
  and answered, never allowed to refuse a decision that may be lawful.
- the minimum's figure (hours a week from a month of the programme): the builder cannot count hours (elements have
  none), so it says the figure, and that it is unconfirmed or unknown, for the caseworker to check.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..domain.answers import FieldError
from ..domain.messages import N_, Message
from ..models_plans import PlanElement
from .common import ACCEPTED

WORK, EDUCATION = "work", "education"
ORIENTED_CHOICES = (WORK, EDUCATION)
ORIENTED_LABELS = {WORK: N_("Arbeidsrettet"), EDUCATION: N_("Utdanningsrettet")}
WORK_MINIMUM = "work_minimum_reason"  # the fixing warning's name, and the reason's field


def oriented_kind(element: PlanElement, oriented: Mapping[str, Any]) -> str | None:
    """"work" or "education" where the element is a work- or education-oriented element, else None: a proposal by its
    code (programme.yaml's `oriented_elements`), an own element as the caseworker marked it."""
    if element.code is None:
        return element.oriented if element.oriented in ORIENTED_CHOICES else None
    if element.code in oriented.get("work_codes", ()):
        return WORK
    if element.code in oriented.get("education_codes", ()):
        return EDUCATION
    return None


def _counted(elements: list[PlanElement], oriented: Mapping[str, Any]) -> dict[str, int]:
    counts = {WORK: 0, EDUCATION: 0}
    for e in elements:
        kind = oriented_kind(e, oriented) if e.status == ACCEPTED else None
        if kind:
            counts[kind] += 1
    return counts


def _work_minimum(derived: Mapping[str, Any]) -> tuple[Mapping[str, Any] | None, bool]:
    """The work-oriented minimum that applies to the plan (its end goal), and whether it is confirmed (the value and
    the date it applies from)."""
    minimum = derived.get("work_oriented_minimum")
    if not minimum:
        return None, False
    rule = (derived.get("rules") or {}).get("work_oriented_minimum") or {}
    return minimum, bool(rule.get("verified", minimum.get("verified")))


def content_problems(elements: list[PlanElement], derived: Mapping[str, Any]) -> list[FieldError]:
    """What stops fixing: no work- or education-oriented element; no work-oriented element where a confirmed minimum
    applies."""
    oriented = derived.get("oriented_elements")
    if not oriented or "work_or_education_oriented" not in (derived.get("required_content") or ()):
        return []
    counts = _counted(elements, oriented)
    errors = []
    if counts[WORK] + counts[EDUCATION] < oriented.get("min_elements", 1):
        errors.append(FieldError("elements", N_(
            "Programmet må ha minst ett arbeidsrettet eller utdanningsrettet tiltak (integreringsloven § 14). Ta med "
            "for eksempel arbeidspraksis, jobbsøking, videregående opplæring eller grunnskoleopplæring, eller merk et "
            "eget tiltak som arbeidsrettet eller utdanningsrettet.")))
    minimum, confirmed = _work_minimum(derived)
    if minimum and confirmed and not counts[WORK]:
        errors.append(FieldError("elements", N_(
            "Programmet skal kvalifisere for arbeid og må ha et minimum av arbeidsrettede tiltak. Ta med for "
            "eksempel arbeidspraksis eller jobbsøking, eller merk et eget tiltak som arbeidsrettet.")))
    return errors


def work_minimum_warning(elements: list[PlanElement], derived: Mapping[str, Any]) -> Message | None:
    """The warning (answered with a reason) where a minimum that is not confirmed applies and the plan has no
    work-oriented element."""
    oriented = derived.get("oriented_elements")
    minimum, confirmed = _work_minimum(derived)
    if not oriented or not minimum or confirmed or _counted(elements, oriented)[WORK]:
        return None
    return N_("Programmet skal kvalifisere for arbeid, og etter endringene i integreringsloven (Prop. 81 L "
              "(2024–2025)) skal det da ha et minimum av arbeidsrettede tiltak. Planen har ingen arbeidsrettede "
              "tiltak. Regelen er ikke bekreftet i en primærkilde (se Regelverk), så du kan fastsette planen likevel: "
              "skriv hvorfor deltakeren ikke skal ha arbeidsrettede tiltak. Begrunnelsen lagres med versjonen og står "
              "i planen.")


def content_notes(elements: list[PlanElement], derived: Mapping[str, Any]) -> list[Message]:
    """What the caseworker must check themselves: the minimum's figure, which the builder cannot count."""
    minimum, confirmed = _work_minimum(derived)
    if not minimum:
        return []
    hours, month = minimum.get("hours_per_week"), minimum.get("from_month")
    if hours is None:
        return [N_("Programmet skal kvalifisere for arbeid og skal ha et minimum av arbeidsrettede tiltak. Hvor mye, "
                   "er ikke kjent i regelverket (se Regelverk): vurder omfanget av de arbeidsrettede tiltakene.")]
    text = N_("Programmet skal ha minst {hours} timer arbeidsrettet innhold i uken fra måned {month} av programmet. "
              "Tiltakene har ikke timetall her: sjekk at de arbeidsrettede tiltakene gir dette.",
              hours=f"{hours:g}", month=month or 1)
    if not confirmed:
        text = N_("{text} Tallet er ikke bekreftet i en primærkilde (se Regelverk).", text=text)
    return [text]
