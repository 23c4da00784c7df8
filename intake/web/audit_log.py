"""The leader's view of the organisation's audit log, newest first, filtered by case or user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlmodel import col, func, select

from .. import access, audit
from ..domain.answers import FieldError
from ..models import AuditEntry, User
from .templates import render_page
from .deps import CurrentUser, SessionDep

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
ACTION_LABELS = {"read": "Lest", "list": "Søkt i saker", "create": "Opprettet", "update": "Endret",
                 "open-for-update": "Åpnet for endring", "complete": "Fullført", "open-for-complete": "Åpnet for fullføring",
                 "login": "Logget inn", "export": "Eksportert", "erase": "Slettet på anmodning", "purge": "Slettet (lagringstid ute)",
                 "deactivate": "Deaktivert", "activate": "Aktivert", "reset-password": "Nytt passord",
                 "change-password": "Endret passord"}
OBJECT_LABELS = {"case": "Sak", "referral": "Henvisning", "plan": "Plan", "user": "Bruker", "organisation": "Virksomhet",
                 "audit": "Revisjonslogg"}


@router.get("/audit")
async def audit_log(request: Request, user: CurrentUser, db: SessionDep,
                    case: Annotated[str, Query(max_length=20)] = "", user_id: Annotated[str, Query(alias="user", max_length=20)] = "",
                    page: Annotated[int, Query(ge=1, le=100_000)] = 1):
    access.require(user, "audit.read")
    errors: list[FieldError] = []
    stmt = select(AuditEntry).where(AuditEntry.organisation_id == user.organisation_id)
    case = case.strip()
    if case:
        if case.isdigit():
            stmt = stmt.where(AuditEntry.object_type == "case", AuditEntry.object_id == str(int(case)))
        else:
            errors.append(FieldError("case", "Skriv saksnummeret med sifre, for eksempel 12."))
    people = db.exec(select(User).where(User.organisation_id == user.organisation_id).order_by(User.full_name)).all()
    if user_id:
        if user_id.isdigit() and any(p.id == int(user_id) for p in people):
            stmt = stmt.where(AuditEntry.user_id == int(user_id))
        else:
            errors.append(FieldError("user", "Velg en bruker fra listen."))
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
        "errors": errors, "actions": ACTION_LABELS, "objects": OBJECT_LABELS}, status_code=422 if errors else 200)
