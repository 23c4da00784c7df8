"""The leader's view of the organisation's audit log, newest first, filtered by case or user. A case's entries include
those about its plan and its referrals, which are logged against the plan or the referral."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlmodel import and_, col, func, or_, select

from .. import access, audit
from ..domain.answers import FieldError
from ..domain.messages import N_
from ..models import AuditEntry, User
from ..models_plans import Plan
from ..models_referrals import Referral
from .templates import render_page
from .deps import CurrentUser, SessionDep

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
# Every action and object the app logs (audit.record, access.load_case's audit_action, the referral transitions),
# in words a leader reads; tests/security/test_audit.py checks that none is left out.
ACTION_LABELS = {"read": N_("Lest"), "list": N_("Søkt i saker"), "create": N_("Opprettet"), "update": N_("Endret"),
                 "delete": N_("Slettet"), "print": N_("Skrevet ut"), "fix": N_("Fastsatt"),
                 "open-for-update": N_("Åpnet for endring"), "complete": N_("Fullført"),
                 "open-for-complete": N_("Åpnet for fullføring"), "open-for-send": N_("Åpnet for sending"),
                 "open-for-referral": N_("Åpnet for henvisning"), "open-for-consent": N_("Åpnet for samtykke"),
                 "open-for-consent-withdrawal": N_("Åpnet for å trekke samtykke"),
                 "open-for-withdraw": N_("Åpnet for å trekke tilbake"),
                 "open-for-session": N_("Åpnet for veiledningssamtale"), "open-for-export": N_("Åpnet for eksport"),
                 "open-for-erase": N_("Åpnet for sletting"), "send": N_("Sendt"), "receive": N_("Mottatt"),
                 "logout": N_("Logget ut"), "login-refused": N_("Innlogging avvist"),
                 "link-sso": N_("Koblet til innloggingstjenesten"), "unlink-sso": N_("Koblet fra innloggingstjenesten"),
                 "accept": N_("Godtatt"), "decline": N_("Avvist"), "start": N_("Veiledningen startet"),
                 "withdraw": N_("Trukket tilbake"), "login": N_("Logget inn"), "login-failed": N_("Mislykket innlogging"),
                 "export": N_("Eksportert"),
                 "erase": N_("Slettet på anmodning"), "purge": N_("Slettet (lagringstid ute)"),
                 "deactivate": N_("Deaktivert"), "activate": N_("Aktivert"), "reset-password": N_("Nytt passord"),
                 "change-password": N_("Endret passord"), "anchor-reset": N_("Loggens anker satt på nytt")}
OBJECT_LABELS = {"case": N_("Sak"), "referral": N_("Henvisning"), "plan": N_("Plan"), "user": N_("Bruker"),
                 "organisation": N_("Virksomhet"), "audit": N_("Revisjonslogg"), "consent": N_("Samtykke"),
                 "county": N_("Fylke"), "guidance_contract": N_("Veiledningsavtale"),
                 "guidance_session": N_("Veiledningssamtale"), "figures": N_("Nøkkeltall")}


# The objects logged against something of a case's own, and how to find that case.
CASE_PARTS = {"plan": Plan, "referral": Referral}


def _about_case(db, case_id: int):
    """The condition for entries about the case, its plan or its referrals."""
    parts = [and_(AuditEntry.object_type == "case", AuditEntry.object_id == str(case_id))]
    for object_type, model in CASE_PARTS.items():
        ids = [str(i) for i in db.exec(select(model.id).where(model.case_id == case_id)).all()]
        if ids:
            parts.append(and_(AuditEntry.object_type == object_type, col(AuditEntry.object_id).in_(ids)))
    return or_(*parts)


def _cases_of(db, entries: list[AuditEntry]) -> dict[tuple[str, str], int]:
    """(object type, object id) → the case it belongs to, for the plan and referral entries shown."""
    out: dict[tuple[str, str], int] = {}
    for object_type, model in CASE_PARTS.items():
        ids = {int(e.object_id) for e in entries if e.object_type == object_type and (e.object_id or "").isdigit()}
        if ids:
            for object_id, case_id in db.exec(select(model.id, model.case_id).where(col(model.id).in_(ids))).all():
                out[(object_type, str(object_id))] = case_id
    return out


@router.get("/audit")
def audit_log(request: Request, user: CurrentUser, db: SessionDep,
              case: Annotated[str, Query(max_length=20)] = "", user_id: Annotated[str, Query(alias="user", max_length=20)] = "",
              page: Annotated[int, Query(ge=1, le=100_000)] = 1):
    access.require(user, "audit.read")
    errors: list[FieldError] = []
    stmt = select(AuditEntry).where(AuditEntry.organisation_id == user.organisation_id)
    case = case.strip()
    if case:
        if case.isdigit():
            stmt = stmt.where(_about_case(db, int(case)))
        else:
            errors.append(FieldError("case", N_("Skriv saksnummeret med sifre, for eksempel 12.")))
    people = db.exec(select(User).where(User.organisation_id == user.organisation_id).order_by(User.full_name)).all()
    if user_id:
        if user_id.isdigit() and any(p.id == int(user_id) for p in people):
            stmt = stmt.where(AuditEntry.user_id == int(user_id))
        else:
            errors.append(FieldError("user", N_("Velg en bruker fra listen.")))
    if errors:
        entries, total = [], 0
    else:
        total = db.exec(select(func.count()).select_from(stmt.subquery())).one()
        entries = db.exec(stmt.order_by(col(AuditEntry.id).desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    audit.record(db, user, "read", "audit", None, f"case={case} user={user_id} page={page}")
    db.commit()
    return render_page(request, "audit/log.html", {
        "entries": entries, "total": total, "page": page, "pages": max(1, -(-total // PAGE_SIZE)), "case": case,
        "user_filter": user_id, "people": [(str(p.id), f"{p.full_name} ({p.username})") for p in people],
        "errors": errors, "actions": ACTION_LABELS, "objects": OBJECT_LABELS, "case_of": _cases_of(db, entries)},
        status_code=422 if errors else 200)
