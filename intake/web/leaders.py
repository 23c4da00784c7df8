"""The leaders' pages: the municipality's figures for a period (`/oversikt`) and their CSV export. The counting is
`intake/figures.py` (SQL aggregates); this parses the period, authorises, audits and renders."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from .. import access, audit, case_filters, clock, figures
from ..domain.figures import read_period
from ..models import Organisation
from .deps import CurrentUser, LongRequest, SessionDep
from .templates import render_page

router = APIRouter(include_in_schema=False)
DateText = Annotated[str, Query(max_length=20)]


def _period(db, user, start: str, end: str):
    access.require(db, user, "figures.read")
    return read_period({"from": start.strip(), "to": end.strip()}, clock.today())


def _figures(db, user, period, **kwargs):
    """The user's organisation's figures: a career centre's for its leader, else a municipality's."""
    if user.role == "centre_leader":
        return figures.centre_figures(db, user.organisation_id, period)
    return figures.municipality_figures(db, user.organisation_id, period, clock.today(), **kwargs)


@router.get("/oversikt", dependencies=[LongRequest])
def overview(request: Request, user: CurrentUser, db: SessionDep, start: Annotated[str, Query(alias="from",
             max_length=20)] = "", end: Annotated[str, Query(alias="to", max_length=20)] = ""):
    period, errors = _period(db, user, start, end)
    # Each figure links to the cases behind it, for those who may read them
    found = _figures(db, user, period, link=case_filters.figures_link if access.can(user, "case.read") else None)
    audit.record(db, user, "read", "figures", None, f"from={period.start} to={period.end}")
    db.commit()
    return render_page(request, "leaders/overview.html", {
        "organisation": db.get(Organisation, user.organisation_id), "found": found, "period": period,
        "typed": {"from": start, "to": end} if errors else period.query(), "errors": errors},
        status_code=422 if errors else 200)


@router.get("/oversikt.csv", dependencies=[LongRequest])
def overview_csv(user: CurrentUser, db: SessionDep, start: Annotated[str, Query(alias="from", max_length=20)] = "",
                 end: Annotated[str, Query(alias="to", max_length=20)] = ""):
    period, _errors = _period(db, user, start, end)  # a wrong date: this year's bound, as the page shows it
    found = _figures(db, user, period, list_limit=0)
    audit.record(db, user, "export", "figures", None, f"csv from={period.start} to={period.end}")
    db.commit()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerows(figures.csv_rows(found.figures))
    name = f"nokkeltall-{period.start}-{period.end}.csv"
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
