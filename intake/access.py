"""The one authorisation check: which role may do what, and on which organisation's data.

Every route that reads or changes a case goes through `load_case` (or `require`), which also writes the audit entry.
A case of another organisation answers 404, exactly like a case that does not exist, so ids reveal nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import NoReturn

from sqlmodel import Session, select

from sqlalchemy import false

from . import audit, clock
from .domain.guidance import CENTRE, MUNICIPALITY, TRANSITIONS
from .domain.messages import N_
from .models import AuditEntry, Case, User
from .models_plans import Plan
from .models_referrals import Consent, Referral

# permission -> roles that have it (within their own organisation)
PERMISSIONS: dict[str, frozenset[str]] = {
    "case.read": frozenset({"caseworker", "leader"}),
    "case.create": frozenset({"caseworker"}),
    "case.update": frozenset({"caseworker"}),
    "case.complete": frozenset({"caseworker"}),
    "audit.read": frozenset({"leader"}),  # the organisation's own audit log
    # The organisation's figures (/oversikt) and their CSV: a municipality's for its leader, a career centre's for its
    "figures.read": frozenset({"leader", "centre_leader"}),
    "rules.read": frozenset({"caseworker", "leader"}),  # the rule set, its sources and what is not confirmed
    "case.export": frozenset({"caseworker", "leader"}),  # a participant's data export, on request
    "case.erase": frozenset({"leader"}),  # erasure of a case on request
    "admin.manage": frozenset({"admin"}),  # organisations and users (all organisations)
    "account.manage": frozenset({"caseworker", "counsellor", "leader", "centre_leader", "admin"}),  # own password
    "plan.read": frozenset({"caseworker", "leader"}),  # the integration plan and its fixed versions
    "plan.update": frozenset({"caseworker"}),  # shape the plan: settings, decisions, own elements
    "plan.fix": frozenset({"caseworker"}),  # "Fastsett plan": freeze a version
    # Career guidance. Consent is given on the case; a referral is read by both sides (see load_referral).
    "consent.record": frozenset({"caseworker"}),
    "consent.withdraw": frozenset({"caseworker"}),
    "referral.read": frozenset({"caseworker", "leader", "counsellor"}),
    "referral.create": frozenset({"caseworker"}),  # a draft, on a case
    "referral.update": frozenset({"caseworker"}),  # change or delete a draft
    "referral.inbox": frozenset({"counsellor"}),  # the career centre's inbox
    "referral.work": frozenset({"counsellor"}),  # guidance contract and sessions
    # one permission per status change, from the transitions table: referral.send, referral.accept, ...
    **{f"referral.{t.name}": frozenset({t.role}) for t in TRANSITIONS.values()},
    "county.manage": frozenset({"admin"}),  # which career centre serves each county
}

# A referral has two sides: the municipality that sent it and the career centre it was sent to.
REFERRAL_SIDE_ROLES = {MUNICIPALITY: frozenset({"caseworker", "leader"}), CENTRE: frozenset({"counsellor"})}
REFERRAL_PERMISSION_SIDE = {"referral.create": MUNICIPALITY, "referral.update": MUNICIPALITY, "referral.work": CENTRE,
                            **{f"referral.{t.name}": t.side for t in TRANSITIONS.values()}}

ROLE_LABELS = {"caseworker": N_("Programrådgiver"), "counsellor": N_("Karriereveileder"), "leader": N_("Leder"),
               "centre_leader": N_("Leder for karrieresenteret"), "admin": N_("Administrator")}


class NotFound(Exception):
    """The object does not exist or the user may not know it exists."""


class Forbidden(Exception):
    """The user may see the object but not do this with it."""


def can(user: User, permission: str) -> bool:
    return user.role in PERMISSIONS.get(permission, frozenset())


REFUSAL_WINDOW = dt.timedelta(minutes=1)  # at most one "refused" entry per user, permission and object in this time


def _refuse(db: Session, user: User, error: Exception, permission: str, object_type: str | None = None,
            object_id: object = None, owner: int | None = None) -> NoReturn:
    """Every refusal of this module ends here: it is audited ("refused": the user, what they tried and on what),
    then raised. Under the organisation whose object it is (another organisation's case is in that organisation's
    log, beside who read it), else the user's own. At most one entry per user, permission and object a minute, so
    a script knocking on a door cannot flood the audit chain; the answer stays the same either way."""
    detail = f"permission={permission}"
    object_key = None if object_id is None else str(object_id)
    since = clock.now() - REFUSAL_WINDOW
    recent = db.exec(select(AuditEntry.id).where(
        AuditEntry.user_id == user.id, AuditEntry.action == "refused", AuditEntry.at >= since,
        AuditEntry.object_type == (object_type or "route"), AuditEntry.detail == detail,
        AuditEntry.object_id == object_key if object_key is not None else AuditEntry.object_id.is_(None))).first()
    if recent is None:
        audit.record(db, user, "refused", object_type or "route", object_key, detail,
                     organisation_id=owner if owner is not None else user.organisation_id)
        db.commit()
    raise error


def require(db: Session, user: User, permission: str, *, object_type: str | None = None, object_id: object = None,
            owner: int | None = None) -> None:
    """The role must have `permission` (403 otherwise, audited)."""
    if not can(user, permission):
        _refuse(db, user, Forbidden(permission), permission, object_type, object_id, owner)


MAX_ID = 2**31 - 1  # ids are 32-bit INTEGER columns (PostgreSQL); a larger one names nothing


def form_id(raw: object) -> int | None:
    """An id typed in a form or a query (`"12"`), or None where it is not one a row can have ("abc", "0", 2**64):
    the caller says so at its field. Path ids are typed `web.deps.ObjectId`, which answers 404 the same way."""
    text = str(raw).strip() if isinstance(raw, (str, int)) and not isinstance(raw, bool) else ""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    return int(text) if 0 < int(text) <= MAX_ID else None


def known_id(object_id: int) -> int:
    """The id, or NotFound for one no row can have (which the database would refuse with an error, not a miss)."""
    if not isinstance(object_id, int) or not 0 < object_id <= MAX_ID:
        raise NotFound()
    return object_id


def load_case(db: Session, user: User, case_id: int, permission: str = "case.read", *, audit_action: str | None = None,
              detail: str = "", audited_by_caller: bool = False) -> Case:
    """The case if the user's organisation owns it and the role allows `permission`; audited, unless the caller
    records the access itself in the same transaction (a save's "update" entry says the case was opened to change it:
    a second entry for opening it would double the audit work of every autosave)."""
    case = db.get(Case, known_id(case_id))
    if case is None or case.organisation_id != user.organisation_id or not can(user, "case.read"):
        _refuse(db, user, NotFound(), permission, "case", case_id, case.organisation_id if case else None)
    require(db, user, permission, object_type="case", object_id=case.id, owner=case.organisation_id)
    if audited_by_caller:
        return case
    action = audit_action or ("read" if permission == "case.read" else permission.split(".", 1)[1])
    audit.record(db, user, action, "case", case.id, detail, organisation_id=case.organisation_id)
    db.commit()
    return case


def load_plan(db: Session, user: User, case_id: int, permission: str = "plan.read", *, audit_action: str | None = None,
              detail: str = "") -> tuple[Case, Plan | None]:
    """The case and its plan (None before one is made) if the user's organisation owns the case and the role allows
    `permission`; audited against the plan (or the case, while it has none)."""
    case = db.get(Case, known_id(case_id))
    if case is None or case.organisation_id != user.organisation_id or not can(user, "plan.read"):
        _refuse(db, user, NotFound(), permission, "case", case_id, case.organisation_id if case else None)
    require(db, user, permission, object_type="case", object_id=case.id, owner=case.organisation_id)
    plan = db.exec(select(Plan).where(Plan.case_id == case.id)).first()
    action = audit_action or ("read" if permission == "plan.read" else permission.split(".", 1)[1])
    if plan is None:
        audit.record(db, user, action, "case", case.id, f"plan (none yet) {detail}".strip(),
                     organisation_id=case.organisation_id)
    else:
        audit.record(db, user, action, "plan", plan.id, f"case={case.id} {detail}".strip(),
                     organisation_id=case.organisation_id)
    db.commit()
    return case, plan


def referral_side(user: User) -> str | None:
    return next((side for side, roles in REFERRAL_SIDE_ROLES.items() if user.role in roles), None)


def visible_referrals(user: User):
    """The one rule for which referrals a user may know of, as a query: the municipality sees the referrals it sent
    (drafts too); the career centre sees those sent to it, while the consent they were sent under stands."""
    side = referral_side(user)
    if side == MUNICIPALITY:
        return select(Referral).where(Referral.from_organisation_id == user.organisation_id)
    if side == CENTRE:
        return (select(Referral).join(Consent, Consent.id == Referral.consent_id)
                .where(Referral.to_organisation_id == user.organisation_id, Referral.status != "draft",
                       Consent.withdrawn_at.is_(None), Consent.recipient_organisation_id == Referral.to_organisation_id))
    return select(Referral).where(false())


def load_referral(db: Session, user: User, referral_id: int, permission: str = "referral.read", *,
                  audit_action: str | None = None, detail: str = "") -> Referral:
    """The referral if `visible_referrals` lets the user know of it (else 404), the role allows `permission` and the
    user is on the side the permission belongs to (else 403); audited."""
    referral = db.exec(visible_referrals(user).where(Referral.id == known_id(referral_id))).first()
    if referral is None:
        hidden = db.get(Referral, referral_id)  # another organisation's: in the log of the municipality that sent it
        _refuse(db, user, NotFound(), permission, "referral", referral_id,
                hidden.from_organisation_id if hidden else None)
    require(db, user, permission, object_type="referral", object_id=referral.id)
    side = REFERRAL_PERMISSION_SIDE.get(permission)
    if side is not None and side != referral_side(user):
        _refuse(db, user, Forbidden(permission), permission, "referral", referral.id)
    action = audit_action or ("read" if permission == "referral.read" else permission.split(".", 1)[1])
    audit.record(db, user, action, "referral", referral.id, detail, organisation_id=user.organisation_id)
    db.commit()
    return referral
