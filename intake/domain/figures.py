"""The leaders' figures as data: the period they are counted over, the small-number rule, the duration bands, and
the geometry of a bar chart. Pure: no FastAPI, no database (the counting is `intake/figures.py`, in SQL).

Small numbers hide people: every count from 1 to 4 is shown as "<5" (`cell`), and a median or a share counted
over fewer than five is not shown at all. A zero is shown as 0: it names nobody.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Mapping

from .answers import FieldError
from .guidance import read_date
from .messages import N_, Message

SMALL = 5  # a count under this (and over 0) is shown as "<5"
HIDDEN = "<5"
DUE_SOON_DAYS = 14  # "decisions due soon": the deadline within this many days


def cell(n: int | None) -> str:
    """A count as a leader may see it: "<5" for 1–4."""
    n = n or 0
    return HIDDEN if 0 < n < SMALL else str(n)


def hidden(n: int | None) -> bool:
    return 0 < (n or 0) < SMALL


def share(part: int | None, whole: int | None) -> str | None:
    """The share in whole per cent, or None where it would tell about fewer than five people (a whole, a part or
    the rest of 1–4)."""
    part, whole = part or 0, whole or 0
    if whole < SMALL or hidden(part) or hidden(whole - part):
        return None
    return f"{round(100 * part / whole)} %"


def median_text(value: float | None, n: int | None) -> str | None:
    """A median in days, or None when counted over fewer than five."""
    if value is None or (n or 0) < SMALL:
        return None
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    def query(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def default_period(today: dt.date) -> Period:
    """This year, up to today."""
    return Period(dt.date(today.year, 1, 1), today)


def read_period(data: Mapping[str, Any], today: dt.date) -> tuple[Period, list[FieldError]]:
    """The period asked for (`from`, `to`: ISO or dd.mm.åååå); where one is missing or wrong, this year's bound,
    and an error for the field."""
    errors: list[FieldError] = []
    default = default_period(today)
    start = read_date(data, "from", N_("Fra-datoen"), errors) or default.start
    end = read_date(data, "to", N_("Til-datoen"), errors) or (default.end if start <= default.end else start)
    if end < start:
        errors.append(FieldError("to", N_("Til-datoen kan ikke være før fra-datoen.")))
        end = start
    return Period(start, end), errors


# The plan's duration, in bands of months (the law: up to 3 years, with an extension up to 4; a short programme of
# 3–6 months for those with work or education already in sight).
DURATION_BANDS = (  # (code, label, lowest month, highest month)
    ("up_to_6", N_("Inntil 6 måneder"), 0, 6),
    ("7_12", N_("7–12 måneder"), 7, 12),
    ("13_24", N_("13–24 måneder"), 13, 24),
    ("25_36", N_("25–36 måneder"), 25, 36),
    ("over_36", N_("Over 36 måneder"), 37, 10_000),
)


# --- bar charts ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str | Message
    value: str  # as shown: "12", "<5"
    width: float  # per cent of the chart's width; 0 for a hidden count (a bar's length would tell it)
    href: str | None = None


@dataclass
class Chart:
    """A horizontal bar chart: the template draws it as SVG beside a table of the same numbers."""

    bars: list[Bar] = field(default_factory=list)

    @property
    def height(self) -> int:
        return 36 * len(self.bars) + 4


def bar_chart(rows: list[tuple[str | Message, int, str | None]]) -> Chart:
    """(label, count, link) rows as bars scaled to the largest count shown."""
    top = max([n for _, n, _ in rows if not hidden(n)] or [0])
    return Chart([Bar(label, cell(n), 0 if hidden(n) or not top else round(100 * n / top, 1), href)
                  for label, n, href in rows])
