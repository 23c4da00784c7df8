"""Stored data for the integration plan (integreringsplan): the plan being shaped, its elements, and its fixed versions.
The schema comes from `migrations/versions/` (0003_plans and later)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from . import clock


class Plan(SQLModel, table=True):
    """One per case: the plan's settings while the caseworker shapes it. Fixed versions are `PlanVersion` rows."""

    # The leaders' figures of the plans fixed in a period (intake/figures.py), from the index alone
    __table_args__ = (Index("ix_plan_case_figures", "case_id", "end_goal", "duration_months"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", unique=True, index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    end_goal: Optional[str] = Field(default=None, max_length=40)  # an END_GOALS code
    duration_months: Optional[int] = None
    start_date: Optional[dt.date] = None
    hours_per_week: float = 37.5  # 37.5, or 30 where the activities need much self-study
    norwegian_hours: Optional[int] = None
    social_studies_hours: Optional[int] = None
    long_term_goal: str = Field(default="", sa_column=Column(Text, nullable=False))
    extension_justification: str = Field(default="", sa_column=Column(Text, nullable=False))
    # Why the end goal is not the one the law sets as its main rule (integreringsloven § 13: under 25 without upper
    # secondary); printed among the plan's reasons. Empty where the main rule is followed or there is none.
    end_goal_reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    # The participant's Norwegian goal per skill as the caseworker set it ({"listening": "B1", …}); None: not set, the
    # guiding goal derived from the mapping is the plan's. A skill below the guiding level needs `norwegian_goal_reason`.
    norwegian_goal: Optional[dict[str, str]] = Field(default=None, sa_column=Column(JSON, nullable=True))
    norwegian_goal_reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    language: str = Field(default="nb", max_length=10)  # the participant's language on the print (PLAN_LANGUAGES)
    # What the current proposals were computed from: a digest of the answers and the rule set's version.
    proposals_basis: str = Field(default="", max_length=64)
    version: int = 1  # row version: bumped by every change, guards concurrent edits and fixing
    created_at: dt.datetime = Field(default_factory=clock.now)
    created_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    updated_at: dt.datetime = Field(default_factory=clock.now)


class PlanElement(SQLModel, table=True):
    """An element (tiltak): a rule's proposal (with why it was proposed) or one the caseworker added (`code` None)."""

    __tablename__ = "plan_element"
    # The leaders' figure of plans with a work-oriented element (intake/figures.py)
    __table_args__ = (Index("ix_plan_element_plan_status", "plan_id", "status", "code", "oriented"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    code: Optional[str] = Field(default=None, max_length=40)  # a recommendation code; None for an own element
    title: str = Field(max_length=200)  # Norwegian; for a proposal, the rule's title when proposed
    responsible: str = Field(default="", max_length=200)
    start: Optional[dt.date] = None  # None: from the programme's start
    end: Optional[dt.date] = None  # None: until the programme ends
    status: str = Field(default="proposed", max_length=20)  # proposed | accepted | rejected
    # How far it has come, as the plan prints it: planned | ongoing | completed | cancelled (intake.plan ELEMENT_STATUSES)
    progress: str = Field(default="planned", max_length=20)
    month_precision: bool = False  # the plan prints start and end as month and year only
    rejection_reason: str = Field(default="", max_length=500)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    # Captured when proposed (and refreshed while undecided): the answers behind it, its source, the rule set.
    because: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source: str = Field(default="", max_length=500)
    ruleset_version: str = Field(default="", max_length=20)
    sensitive: bool = False
    # An own element the caseworker marks as work- or education-oriented ("work" | "education"; None: neither). A
    # proposal is oriented by its code (programme.yaml's `oriented_elements`).
    oriented: Optional[str] = Field(default=None, max_length=20)
    no_longer_proposed: bool = False  # the rules stopped proposing it after the answers changed
    position: int = 0
    created_at: dt.datetime = Field(default_factory=clock.now)
    updated_at: dt.datetime = Field(default_factory=clock.now)
    decided_at: Optional[dt.datetime] = None
    decided_by_id: Optional[int] = Field(default=None, foreign_key="user.id")


class PlanVersion(SQLModel, table=True):
    """A fixed ("fastsatt") plan, kept unchanged: what it was made from, the document, and the text and PDF as printed."""

    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_plan_version_plan_id_number"),
                      Index("ix_plan_version_plan_fixed_at", "plan_id", "fixed_at"))
    id: Optional[int] = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    number: int
    fixed_at: dt.datetime = Field(default_factory=clock.now)
    fixed_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    language: str = Field(max_length=10)
    ruleset_version: str = Field(max_length=20)
    # Digest of answers, settings and elements: fixing an unchanged plan again makes no new version.
    fingerprint: str = Field(max_length=64)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    elements: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    document: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    html: str = Field(sa_column=Column(Text, nullable=False))  # the HTML the PDF was made from
    pdf: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # The integration contract (integreringsloven § 16), printed from the same document beside the plan; None in a
    # version fixed before the contract was printed (migrations/versions/0005_integration_contract.py).
    contract_html: Optional[str] = Field(default=None, sa_column=Column(Text, nullable=True))
    contract_pdf: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: dt.datetime = Field(default_factory=clock.now)
