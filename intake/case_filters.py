"""The case list's filters, as a table: each filter names its query parameter, its choices and the SQL condition a
choice adds. The leaders' figures link to the cases behind them with the same parameters (`figures_link`), so a
figure and its list cannot count differently. A value the list does not know is an error at its field; the rest of
the filters still apply."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import urlencode

from sqlalchemy import and_, exists, func, select
from sqlmodel import col

from . import i18n
from .domain.answers import FieldError
from .domain.figures import DUE_SOON_DAYS
from .domain.guidance import STATUSES, read_date
from .domain.messages import N_, Message
from .models import Case
from .models_referrals import Referral


def _fixed():
    """The case has a fixed plan: its first version's time is on the case (set as it is fixed)."""
    return col(Case.first_fixed_at).is_not(None)


def _latest_referral_status():
    latest = select(func.max(Referral.version)).where(Referral.case_id == Case.id).correlate(Case).scalar_subquery()
    return (select(Referral.status).where(Referral.case_id == Case.id, Referral.version == latest)
            .correlate(Case).scalar_subquery())


STAGES: dict[str, tuple[Message, Callable[[dt.date], Any]]] = {
    "mapping": (N_("Kartleggingen pågår"), lambda today: and_(Case.status != "completed", ~_fixed())),
    "mapped": (N_("Kartlegging fullført, ingen fastsatt plan"), lambda today: and_(Case.status == "completed",
                                                                                  ~_fixed())),
    "plan_fixed": (N_("Plan fastsatt"), lambda today: _fixed()),
    "open": (N_("Åpne saker (uten fastsatt plan)"), lambda today: ~_fixed()),
}
DEADLINES: dict[str, tuple[Message, Callable[[dt.date], Any]]] = {
    "overdue": (N_("Passert, uten fastsatt plan"), lambda today: and_(Case.decision_deadline < today, ~_fixed())),
    "soon": (N_("Innen 14 dager, uten fastsatt plan"), lambda today: and_(
        Case.decision_deadline >= today, Case.decision_deadline <= today + dt.timedelta(days=DUE_SOON_DAYS),
        ~_fixed())),
    "30": (N_("Innen 30 dager"), lambda today: and_(Case.decision_deadline >= today,
                                                     Case.decision_deadline <= today + dt.timedelta(days=30))),
}
REFERRALS: dict[str, tuple[Message, Callable[[dt.date], Any]]] = {
    "none": (N_("Ikke henvist"), lambda today: ~exists().where(Referral.case_id == Case.id)),
    **{code: (status.label, (lambda code: lambda today: _latest_referral_status() == code)(code))
       for code, status in STATUSES.items()},
}
SORTS = {"deadline": N_("Frist for vedtak, tidligste først"), "newest": N_("Nyeste sak først")}
# Date ranges the figures link with: (from parameter, to parameter) -> the moment or day they bound
RANGES = {("mapped_from", "mapped_to"): lambda: Case.mapping_date,
          ("completed_from", "completed_to"): lambda: Case.completed_at,
          ("fixed_from", "fixed_to"): lambda: Case.first_fixed_at}
RANGE_LABELS = {"mapped_from": N_("Kartleggingsdato"), "completed_from": N_("Kartleggingen fullført"),
                "fixed_from": N_("Planen fastsatt første gang")}


@dataclass
class Filters:
    values: dict[str, str]  # as typed, for the form and the links
    conditions: list[Any]
    errors: list[FieldError]
    sort: str

    def query(self) -> dict[str, str]:
        return {k: v for k, v in self.values.items() if v}

    @property
    def active(self) -> bool:
        return any(v for k, v in self.values.items() if k != "sort")


def _moment(day: dt.date, column_is_date: bool):
    return day if column_is_date else dt.datetime.combine(day, dt.time(0), tzinfo=dt.timezone.utc)


def read_filters(data: Mapping[str, str], organisation_caseworkers: set[int], today: dt.date) -> Filters:
    values = {k: (data.get(k) or "").strip()[:20] for k in
              ("stage", "caseworker", "deadline", "referral", "sort", *[p for pair in RANGES for p in pair])}
    errors: list[FieldError] = []
    conditions: list[Any] = []
    for name, table in (("stage", STAGES), ("deadline", DEADLINES), ("referral", REFERRALS)):
        value = values[name]
        if value in table:
            conditions.append(table[value][1](today))
        elif value:
            errors.append(FieldError(name, N_("Velg et av valgene i listen.")))
    if values["caseworker"]:
        if values["caseworker"].isdigit() and int(values["caseworker"]) in organisation_caseworkers:
            conditions.append(Case.created_by_id == int(values["caseworker"]))
        else:
            errors.append(FieldError("caseworker", N_("Velg en programrådgiver fra listen.")))
    for (start_name, end_name), column in RANGES.items():
        is_date = start_name == "mapped_from"
        start = read_date(values, start_name, N_("Fra-datoen"), errors) if values[start_name] else None
        end = read_date(values, end_name, N_("Til-datoen"), errors) if values[end_name] else None
        if start:
            conditions.append(column() >= _moment(start, is_date))
        if end:
            conditions.append(column() <= end if is_date else column() < _moment(end + dt.timedelta(days=1), False))
    sort = values["sort"] if values["sort"] in SORTS else "deadline"
    if values["sort"] and values["sort"] not in SORTS:
        errors.append(FieldError("sort", N_("Velg et av valgene i listen.")))
    return Filters(values, conditions, errors, sort)


def order_by(sort: str) -> list[Any]:
    if sort == "newest":
        return [col(Case.id).desc()]
    return [col(Case.decision_deadline).asc().nulls_last(), col(Case.id).desc()]


def choices(table: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(code, label in the request's language) for a select."""
    return [(code, i18n.translate(v[0] if isinstance(v, tuple) else v)) for code, v in table.items()]


def figures_link(**filters: Any) -> str:
    """The case list showing the cases behind a figure."""
    return "/cases?" + urlencode({k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in filters.items()
                                  if v is not None})
