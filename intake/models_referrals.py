"""Stored data for career guidance: consent, referrals (henvisninger) and their history, the career centre's work,
and which career centre serves each county. The schema comes from `migrations/versions/0002_referrals.py`."""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from . import clock


class CountyCareerCentre(SQLModel, table=True):
    """Which career centre receives a county's referrals. Seeded from counties.csv; an administrator may change it."""

    __tablename__ = "county_career_centre"
    county_code: str = Field(primary_key=True, max_length=2)
    county_name: str = Field(max_length=100)
    career_centre_name: str = Field(max_length=200)  # the centre's name, as in counties.csv or set by an administrator
    # The centre's organisation; when empty, the career-centre organisation of the county with that name is used.
    organisation_id: Optional[int] = Field(default=None, foreign_key="organisation.id")
    updated_at: Optional[dt.datetime] = None
    updated_by_id: Optional[int] = Field(default=None, foreign_key="user.id")


class Consent(SQLModel, table=True):
    """The participant's consent to share named parts of the mapping with one career centre."""

    id: Optional[int] = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)  # the municipality that holds the case
    recipient_organisation_id: int = Field(foreign_key="organisation.id", index=True)  # the career centre named
    # Section ids shared; a sensitive section is listed only when the caseworker ticked it.
    sections: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Sensitive questions outside sensitive sections, shared only when named here.
    sensitive_questions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    given_how: str = Field(max_length=30)  # orally_with_interpreter | in_writing
    given_on: dt.date
    recorded_by_id: int = Field(foreign_key="user.id")
    recorded_at: dt.datetime = Field(default_factory=clock.now)
    withdrawn_at: Optional[dt.datetime] = None
    withdrawn_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    withdrawal_note: str = Field(default="", sa_column=Column(Text, nullable=False))


class Referral(SQLModel, table=True):
    """A referral from a municipality to its county's career centre; the shared answers are frozen when it is sent."""

    __table_args__ = (UniqueConstraint("case_id", "version", name="uq_referral_case_version"),
                      # The leaders' figures (intake/figures.py), each index with every column its figures read
                      Index("ix_referral_from_org_sent_at", "from_organisation_id", "sent_at", "accepted_at",
                            "started_at", "summary_at"),
                      Index("ix_referral_to_org_sent_at", "to_organisation_id", "sent_at", "status", "accepted_at",
                            "summary_at"),
                      Index("ix_referral_to_org_declined_at", "to_organisation_id", "declined_at", "status",
                            "decline_reason"),
                      Index("ix_referral_to_org_summary_at", "to_organisation_id", "summary_at"),
                      Index("ix_referral_case_sent_at", "case_id", "sent_at"))
    id: Optional[int] = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    from_organisation_id: int = Field(foreign_key="organisation.id", index=True)
    to_organisation_id: int = Field(foreign_key="organisation.id", index=True)
    version: int = 1  # 1, 2, ... per case: a new version is sent when the mapping has changed
    purpose: str = Field(default="", sa_column=Column(Text, nullable=False))
    questions: str = Field(default="", sa_column=Column(Text, nullable=False))  # questions for the counsellor
    decision_deadline: Optional[dt.date] = None
    interpreter_language: Optional[str] = Field(default=None, max_length=3)
    contact_user_id: int = Field(foreign_key="user.id")
    consent_id: Optional[int] = Field(default=None, foreign_key="consent.id", index=True)  # set when sent
    snapshot: Optional[dict[str, Any]] = Field(default=None, sa_column=Column(JSON, nullable=True))  # set when sent
    status: str = Field(default="draft", max_length=20, index=True)
    planned_first_session: Optional[dt.date] = None
    counsellor_id: Optional[int] = Field(default=None, foreign_key="user.id")  # who accepted it
    decline_reason: Optional[str] = Field(default=None, max_length=30)
    decline_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_by_id: int = Field(foreign_key="user.id")
    created_at: dt.datetime = Field(default_factory=clock.now)
    sent_at: Optional[dt.datetime] = None
    # When it first took each step (the history's first such event; set by `referrals.apply`), for the leaders'
    # figures. The first session's date is the centre's own record and stays in guidance_session.
    accepted_at: Optional[dt.datetime] = None
    declined_at: Optional[dt.datetime] = None
    started_at: Optional[dt.datetime] = None
    summary_at: Optional[dt.datetime] = None  # the summary sent back
    updated_at: dt.datetime = Field(default_factory=clock.now)


class ReferralEvent(SQLModel, table=True):
    """The referral's history: every status change and consent withdrawal, with who and when."""

    __tablename__ = "referral_event"
    __table_args__ = (Index("ix_referral_event_referral_action", "referral_id", "action"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    referral_id: int = Field(foreign_key="referral.id", index=True)
    action: str = Field(max_length=30)  # a transition name, or create | consent_withdrawn
    from_status: Optional[str] = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    at: dt.datetime = Field(default_factory=clock.now)
    user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    user_name: str = Field(default="", max_length=200)
    organisation_id: Optional[int] = Field(default=None, foreign_key="organisation.id")
    note: str = Field(default="", sa_column=Column(Text, nullable=False))


class GuidanceContract(SQLModel, table=True):
    """The guidance contract (veiledningskontrakt): the goal and the frame agreed with the participant."""

    __tablename__ = "guidance_contract"
    id: Optional[int] = Field(default=None, primary_key=True)
    referral_id: int = Field(foreign_key="referral.id", unique=True)
    goal: str = Field(sa_column=Column(Text, nullable=False))
    frame: str = Field(sa_column=Column(Text, nullable=False))
    agreed_on: dt.date
    created_by_id: int = Field(foreign_key="user.id")
    created_at: dt.datetime = Field(default_factory=clock.now)
    updated_at: dt.datetime = Field(default_factory=clock.now)


class GuidanceSession(SQLModel, table=True):
    """A guidance session the centre held, with the counsellor's own notes on it (migration 0012_session_notes)."""

    __tablename__ = "guidance_session"
    # A referral's first session, and the centre's figures of the sessions held (intake/figures.py)
    __table_args__ = (Index("ix_guidance_session_referral_held_on", "referral_id", "held_on", "form",
                            "interpreter_used", "created_by_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    referral_id: int = Field(foreign_key="referral.id", index=True)
    held_on: dt.date
    form: str = Field(max_length=20)  # in_person | video | phone | chat
    interpreter_used: bool = False
    # The centre's private notes: free text, never read for the municipality (see CENTRE_PRIVATE_TABLES), never
    # printed, and kept out of the audit log's details (which say only that the notes changed).
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    notes_updated_at: Optional[dt.datetime] = None
    created_by_id: int = Field(foreign_key="user.id")
    created_at: dt.datetime = Field(default_factory=clock.now)


# The career centre's own records of a referral: never read for, shown to or exported for the municipality
# (`referrals.detail`, `privacy.export_case`; tests/referrals/test_what_each_side_sees.py walks every page).
CENTRE_PRIVATE_TABLES = frozenset({GuidanceContract.__tablename__, GuidanceSession.__tablename__})


class GuidanceSummary(SQLModel, table=True):
    """What the career centre sends back: a summary and a recommendation on work or education."""

    __tablename__ = "guidance_summary"
    id: Optional[int] = Field(default=None, primary_key=True)
    referral_id: int = Field(foreign_key="referral.id", unique=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    # Optional text per career-competence area ("karriereknapp"), keyed by the area codes in intake/referrals.py.
    areas: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    recommendation: str = Field(max_length=20)  # work | education | other
    recommendation_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    completed_by_id: int = Field(foreign_key="user.id")
    completed_at: dt.datetime = Field(default_factory=clock.now)
    # When someone of the municipality first opened it (until then it is marked unread on the caseworker's pages).
    opened_at: Optional[dt.datetime] = None
    opened_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
