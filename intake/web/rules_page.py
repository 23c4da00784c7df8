"""The rule set as it stands (read-only): every dated entry of `rules/programme.yaml` with its sections' sources, the
dates they apply from and whether each is confirmed in a primary source; the recommendation rules' sources; the
reference tables' dates. Leaders check here what the app's answers rest on; an unconfirmed value is never silent."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from .. import access, i18n
from ..cases import programme_history
from ..domain.messages import N_, Message
from ..domain.programme import Programme
from ..domain.reference import tables
from ..domain.rules import default_ruleset
from .deps import CurrentUser, SessionDep
from .templates import render_page

router = APIRouter(include_in_schema=False)

SECTION_NAMES = {
    "target_group": N_("Målgruppe (§§ 8–9)"), "decision": N_("Frist for vedtak (§ 12)"),
    "end_goals": N_("Sluttmål"), "duration": N_("Varighet"), "norwegian_goals": N_("Norskmål (veiledende)"),
    "norwegian_training": N_("Rett og plikt til norskopplæring"), "social_studies": N_("Samfunnskunnskap"),
    "scope": N_("Omfang"), "content": N_("Obligatorisk innhold"),
    "content.work_oriented_minimum": N_("Minstekrav til arbeidsrettede elementer"), "appeal": N_("Klage"),
    "chapter_6a": N_("Kapittel 6A: kollektiv beskyttelse"), "chapter_6a.content": N_("Kapittel 6A: innhold"),
    "chapter_6a.content.work_oriented_minimum": N_("Kapittel 6A: minstekrav til arbeidsrettede elementer"),
    "chapter_6a.norwegian_training": N_("Kapittel 6A: norskopplæring"),
}


def _summary(programme: Programme, name: str, section: Any) -> Message | None:
    """The section's main figures in a line, where a line says them."""
    if name == "target_group":
        return N_("{low}–{high} år da tillatelsen ble gitt; bosatt under {months} måneder", low=section.min_age_at_permit,
                  high=section.max_age_at_permit, months=section.max_months_resident)
    if name == "decision":
        return N_("{months} måneder etter bosetting eller eget krav", months=section.deadline_months_after_settlement)
    if name == "duration":
        return N_("Høyst {limits} måneder",
                  limits=" / ".join(str(rule.max) for rule in section.rules))
    if name.endswith("norwegian_training"):
        return N_("Inntil {months} måneder ({short} med generell studiekompetanse)", months=section.max_months,
                  short=section.max_months_with_upper_secondary)
    if name.endswith("work_oriented_minimum"):
        if section.hours_per_week is None:
            return N_("Tallet er ikke funnet")
        return N_("{hours} timer i uken fra måned {month}", hours=f"{section.hours_per_week:g}",
                  month=section.from_month)
    if name == "chapter_6a":
        return N_("Gjelder") if section.applies else N_("Gjelder ikke")
    return None


def rule_set() -> list[dict[str, Any]]:
    out = []
    for programme, last in programme_history().periods():
        out.append({
            "valid_from": programme.valid_from, "last": last, "source": programme.source,
            "verified": programme.verified, "note": programme.note,
            "sections": [{"name": SECTION_NAMES.get(name, name), "source": section.source,
                          "since": programme.since[name], "verified": programme.confirmed(name),
                          "note": section.note, "changed": name in programme.changed,
                          "summary": _summary(programme, name, section)}
                         for name, section in programme.all_sections()],
        })
    return out


@router.get("/regelverk")
def rules_page(request: Request, user: CurrentUser, db: SessionDep):
    access.require(db, user, "rules.read")
    lang = i18n.current()
    rules = default_ruleset()
    rows = tables()
    return render_page(request, "rules/index.html", {
        "entries": rule_set(), "version": rules.version,
        "recommendations": [{"code": r.code, "title": r.title[lang], "source": r.source} for r in rules.rules],
        "trades": list(rows["vocational_recognition_trades"].values()),
        "countries": list(rows["vocational_recognition_countries"].values()),
        "uvd_countries": list(rows["uvd_countries"].values()),
        "professions": list(rows["regulated_professions"].values()),
    })
