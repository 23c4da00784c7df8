"""The leader's view of the organisation's audit log, newest first, filtered by case or user. A case's entries include
those about its plan and its referrals, which are logged against the plan or the referral."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlmodel import and_, col, func, or_, select

import re

from .. import access, audit, i18n
from ..domain.answers import FieldError
from ..domain.guidance import STATUSES
from ..domain.messages import N_
from ..models import AuditEntry, User
from ..models_plans import Plan
from ..models_referrals import Referral
from ..domain.questionnaire import default_questionnaire
from .forms import field_label
from .templates import render_page
from .deps import CurrentUser, LongRequest, SessionDep

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
                 "open-for-session": N_("Åpnet for veiledningssamtale"),
                 "open-for-notes": N_("Åpnet for notater fra samtalen"), "open-for-export": N_("Åpnet for eksport"),
                 "open-for-erase": N_("Åpnet for sletting"), "send": N_("Sendt"), "receive": N_("Mottatt"),
                 "logout": N_("Logget ut"), "login-refused": N_("Innlogging avvist"),
                 "link-sso": N_("Koblet til innloggingstjenesten"), "unlink-sso": N_("Koblet fra innloggingstjenesten"),
                 "accept": N_("Godtatt"), "decline": N_("Avvist"), "start": N_("Veiledningen startet"),
                 "withdraw": N_("Trukket tilbake"), "login": N_("Logget inn"), "login-failed": N_("Mislykket innlogging"),
                 "export": N_("Eksportert"),
                 "erase": N_("Slettet på anmodning"), "purge": N_("Slettet (lagringstid ute)"),
                 "deactivate": N_("Deaktivert"), "activate": N_("Aktivert"), "reset-password": N_("Nytt passord"),
                 "change-password": N_("Endret passord"), "revoke": N_("Trukket tilbake"),
                 "anchor-reset": N_("Loggens anker satt på nytt"), "refused": N_("Tilgang avvist")}
OBJECT_LABELS = {"case": N_("Sak"), "referral": N_("Henvisning"), "plan": N_("Plan"), "user": N_("Bruker"),
                 "organisation": N_("Virksomhet"), "audit": N_("Revisjonslogg"), "consent": N_("Samtykke"),
                 "county": N_("Fylke"), "guidance_contract": N_("Veiledningsavtale"),
                 "guidance_session": N_("Veiledningssamtale"), "figures": N_("Nøkkeltall"),
                 "api_token": N_("API-nøkkel"), "route": N_("Side")}

# The details an entry carries (`key=value` pairs and a few fixed words, as audit.record is called), in words.
DETAIL_KEYS = {"section": N_("Del"), "fields": N_("Endret"), "q": N_("Søk"), "page": N_("Side"), "case": N_("Sak"),
               "user": N_("Bruker"), "version": N_("Versjon"), "referral": N_("Henvisning"), "element": N_("Tiltak"),
               "format": N_("Format"), "address": N_("Adresse"), "name": N_("Navn"), "kind": N_("Type"),
               "tab": N_("Fane"), "rows": N_("Rader"), "expires": N_("Utløper"), "by": N_("Av"),
               "permission": N_("Forsøkte")}
DETAIL_WORDS = {"search": N_("Søk (søkeordet lagres ikke)"), "check-answers": N_("Se over svarene"), "conflict": N_("to hadde lagret samtidig"),
                "consent form": N_("Samtykkeskjema"), "consent withdrawal": N_("Skjema for å trekke samtykke"),
                "erasure form": N_("Skjema for sletting"), "new referral form": N_("Skjema for ny henvisning"),
                "preview": N_("Forhåndsvisning"), "print view": N_("Utskriftsvisning"), "pdf": N_("PDF"),
                "settings": N_("Mål og omfang"), "demo data": N_("Demodata"), "never saved": N_("Aldri lagret"),
                "deactivated": N_("brukeren ble deaktivert"), "password reset": N_("brukeren fikk nytt passord"),
                # the parts of a referral at the career centre, and a session's notes (never their words)
                "contract": N_("Avtale"), "sessions": N_("Samtaler"), "summary": N_("Oppsummering"),
                "notes": N_("Notater fra samtalen")}
_PAIR = re.compile(r"(\w+)=(.*?)(?=\s\w+=|$)")
_MOVE = re.compile(r"(\w+) -> (\w+)")
MAX_FIELDS_NAMED = 12


def _field_names(value: str, object_type: str) -> str:
    """The questions a case's save changed, by their labels; other objects' field names as they are."""
    ids = [f for f in value.split(",") if f]
    questions = default_questionnaire().by_id
    names = [(field_label(f) or f) if object_type == "case" and f in questions else f for f in ids]
    if len(names) > MAX_FIELDS_NAMED:
        more = len(names) - MAX_FIELDS_NAMED
        names = names[:MAX_FIELDS_NAMED] + [i18n.translate(N_("og {n} til", n=more))]
    return ", ".join(names)


def describe(detail: str | None, object_type: str) -> list[str]:
    """An entry's detail as words a leader reads ("Del: Mål", "Endret: Mål på lang sikt, …"): each part on its own.
    What is not a known pair or word is shown as it was written."""
    text = (detail or "").strip()
    if not text:
        return []
    first = _PAIR.search(text)
    head = (text[:first.start()] if first else text).strip()
    parts = []
    moved = _MOVE.fullmatch(head)
    if moved and object_type == "referral":  # a transition: "sent -> received"
        statuses = STATUSES
        head = " → ".join(i18n.translate(statuses[c].label) if c in statuses else c for c in moved.groups())
        parts.append(f"{i18n.translate(N_('Status'))}: {head}")
    elif head:
        parts.append(i18n.translate(DETAIL_WORDS[head]) if head in DETAIL_WORDS else head)
    sections = {s.id: s.title for s in default_questionnaire().sections}
    for key, value in _PAIR.findall(text):
        value = value.strip()
        words = value.split(" ", 1)
        if len(words) == 2 and words[1] in DETAIL_WORDS:  # "section=goals conflict"
            value, extra = words[0], words[1]
        else:
            extra = None
        if key in ("q", "case", "user") and not value or key == "page" and value == "1":
            continue
        if key == "section" and value in sections:
            value = i18n.translate(sections[value])
        elif key == "fields":
            value = _field_names(value, object_type)
        elif key == "q":
            value = i18n.translate(N_("«{text}»", text=value))
        label = DETAIL_KEYS.get(key)
        parts.append(f"{i18n.translate(label)}: {value}" if label else f"{key}: {value}")
        if extra:
            parts.append(i18n.translate(DETAIL_WORDS[extra]))
    return parts


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


@router.get("/audit", dependencies=[LongRequest])
def audit_log(request: Request, user: CurrentUser, db: SessionDep,
              case: Annotated[str, Query(max_length=20)] = "", user_id: Annotated[str, Query(alias="user", max_length=20)] = "",
              page: Annotated[int, Query(ge=1, le=100_000)] = 1):
    access.require(db, user, "audit.read")
    errors: list[FieldError] = []
    stmt = select(AuditEntry).where(AuditEntry.organisation_id == user.organisation_id)
    case = case.strip()
    if case:
        if access.form_id(case) is not None:
            stmt = stmt.where(_about_case(db, access.form_id(case)))
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
        "errors": errors, "actions": ACTION_LABELS, "objects": OBJECT_LABELS, "case_of": _cases_of(db, entries),
        "describe": describe},
        status_code=422 if errors else 200)
