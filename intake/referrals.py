"""Referral to the county career centre and the way back: consent, the referral and its snapshot of shared answers,
status changes (the TRANSITIONS table in `intake/domain/guidance.py`), the centre's contract, sessions and summary.

Callers authorise first (`access.load_case` / `access.load_referral`, which also audit the read) and then call in
here; every change made here is recorded in the referral's history and in the audit log, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Mapping

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from . import audit, clock, i18n
from .access import MAX_ID, form_id, referral_side, visible_referrals
from .cases import programme_for
from .domain import derived as derived_mod
from .domain.answers import FieldError
from .domain.messages import N_, lower_first
from .domain.guidance import (CAREER_AREAS, CENTRE, CONSENT_METHODS, DECLINE_REASONS, INBOX_TABS, MUNICIPALITY,
                              RECOMMENDATIONS, SESSION_FORMS, SHARED_DERIVED, STATUSES, TRANSITIONS, NotAllowed,
                              Status, Transition, check_consent_parts, check_requirements, consent_choices, is_overdue,
                              not_allowed_message, read_bool, read_choice, read_date, read_text, shared_answers)
from .domain.questionnaire import Question, Section, default_questionnaire
from .domain.reference import languages
from .models import Case, Organisation, User
from .models_referrals import (Consent, CountyCareerCentre, GuidanceContract, GuidanceSession, GuidanceSummary,
                               Referral, ReferralEvent)

__all__ = ["TRANSITIONS", "STATUSES", "NotAllowed", "latest_guidance", "apply", "create_referral", "record_consent"]


def labels() -> dict[str, Any]:
    """The code → label tables, for templates."""
    return {"status": {c: s.label for c, s in STATUSES.items()}, "consent_methods": CONSENT_METHODS,
            "decline_reasons": DECLINE_REASONS, "recommendations": RECOMMENDATIONS, "session_forms": SESSION_FORMS,
            "areas": CAREER_AREAS, "tabs": {k: v[0] for k, v in INBOX_TABS.items()}}


# --- which career centre serves a municipality ---------------------------------------------------------------------


def county_code_of(org: Organisation) -> str:
    """A municipality's county: the first two digits of its municipality number (the organisation's county code
    when it has none)."""
    number = org.municipality_number or ""
    return number[:2] if len(number) == 4 and number.isdigit() else org.county_code


def career_centre_for(db: Session, municipality: Organisation) -> Organisation | None:
    """The career centre that receives this municipality's referrals: the county's entry in `county_career_centre`
    (an organisation chosen by an administrator, or the county's career centre of the name in counties.csv)."""
    code = county_code_of(municipality)
    row = db.get(CountyCareerCentre, code)
    if row is not None and row.organisation_id is not None:
        return db.get(Organisation, row.organisation_id)
    candidates = db.exec(select(Organisation).where(Organisation.kind == "career_centre",
                                                    Organisation.county_code == code).order_by(Organisation.id)).all()
    named = [o for o in candidates if row is not None and o.name == row.career_centre_name]
    if named:
        return named[0]
    return candidates[0] if len(candidates) == 1 else None


def _recipient(db: Session, case: Case, errors: list[FieldError]) -> Organisation | None:
    """The career centre for the case's municipality, or an error saying an administrator must set one."""
    centre = career_centre_for(db, db.get(Organisation, case.organisation_id))
    if centre is None:
        errors.append(FieldError("recipient", N_("Fant ikke karrieresenteret for fylket. Be en administrator koble "
                                                 "fylket til et karrieresenter.")))
    return centre


def county_rows(db: Session) -> list[tuple[CountyCareerCentre, Organisation | None]]:
    rows = db.exec(select(CountyCareerCentre).order_by(CountyCareerCentre.county_code)).all()
    out = []
    for row in rows:
        org = db.get(Organisation, row.organisation_id) if row.organisation_id else None
        if org is None:
            org = career_centre_for(db, Organisation(name="", kind="municipality", county_code=row.county_code))
        out.append((row, org))
    return out


def career_centres(db: Session) -> list[Organisation]:
    return list(db.exec(select(Organisation).where(Organisation.kind == "career_centre").order_by(Organisation.name)))


def update_county(db: Session, user: User, county_code: str, data: Mapping[str, Any]) -> list[FieldError]:
    """Point a county at another career-centre organisation (an administrator's change)."""
    row = db.get(CountyCareerCentre, county_code)
    if row is None:
        raise LookupError(county_code)
    raw = data.get("organisation_id")
    org_id = form_id(raw)
    org = db.get(Organisation, org_id) if org_id is not None else None
    if org is None or org.kind != "career_centre":
        return [FieldError("organisation_id", N_("Velg karrieresenteret som skal motta henvisningene fra fylket."))]
    before = row.organisation_id
    row.organisation_id, row.career_centre_name = org.id, org.name
    row.updated_at, row.updated_by_id = clock.now(), user.id
    db.add(row)
    audit.record(db, user, "update", "county", county_code, f"career_centre {before} -> {org.id}")
    db.commit()
    return []


# --- consent ---------------------------------------------------------------------------------------------------------


def consents(db: Session, case_id: int) -> list[Consent]:
    return list(db.exec(select(Consent).where(Consent.case_id == case_id).order_by(col(Consent.id).desc())))


def active_consent(db: Session, case_id: int, recipient_id: int | None = None) -> Consent | None:
    stmt = select(Consent).where(Consent.case_id == case_id, col(Consent.withdrawn_at).is_(None))
    if recipient_id is not None:
        stmt = stmt.where(Consent.recipient_organisation_id == recipient_id)
    return db.exec(stmt.order_by(col(Consent.id).desc())).first()


def _list(data: Mapping[str, Any], name: str) -> list[str]:
    value = data.get(name)
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, (list, tuple)) else []


def record_consent(db: Session, user: User, case: Case, data: Mapping[str, Any], *,
                   today: dt.date | None = None) -> tuple[Consent | None, list[FieldError]]:
    """Record the participant's consent to share the named parts of the mapping with the county's career centre.
    `data`: sections, sensitive_questions (lists of ids), given_how, given_on (ISO date)."""
    today = today or clock.today()
    errors: list[FieldError] = []
    sections, sensitive_questions, part_errors = check_consent_parts(
        default_questionnaire(), _list(data, "sections"), _list(data, "sensitive_questions"))
    errors += part_errors
    how = read_choice(data, "given_how", N_("Hvordan samtykket ble gitt"), CONSENT_METHODS, errors)
    given_on = read_date(data, "given_on", N_("Datoen samtykket ble gitt"), errors, required=True, not_after=today)
    centre = _recipient(db, case, errors)
    if errors:
        return None, errors
    consent = Consent(case_id=case.id, organisation_id=case.organisation_id, recipient_organisation_id=centre.id,
                      sections=sections, sensitive_questions=sensitive_questions, given_how=how, given_on=given_on,
                      recorded_by_id=user.id)
    db.add(consent)
    db.flush()
    audit.record(db, user, "create", "consent", consent.id,
                 f"case={case.id} recipient={centre.id} sections={','.join(sections)} "
                 f"sensitive_questions={','.join(sensitive_questions)} how={how}",
                 organisation_id=case.organisation_id)
    db.commit()
    return consent, []


def withdraw_consent(db: Session, user: User, case: Case, consent_id: int, data: Mapping[str, Any]) -> list[FieldError]:
    """Withdraw a consent: the centre loses access to every referral sent under it, and each one's history says so."""
    # An id no row can have names no consent (the database would refuse it with an error, not a miss)
    consent = db.get(Consent, consent_id) if isinstance(consent_id, int) and 0 < consent_id <= MAX_ID else None
    if consent is None or consent.case_id != case.id:
        raise LookupError(consent_id)
    errors: list[FieldError] = []
    note = read_text(data, "note", N_("Merknaden"), errors)
    if consent.withdrawn_at is not None:
        errors.append(FieldError("consent", N_("Samtykket ble allerede trukket tilbake {date}.",
                                               date=f"{consent.withdrawn_at:%d.%m.%Y}")))
    if errors:
        return errors
    now = clock.now()
    if db.exec(update(Consent).where(Consent.id == consent.id, col(Consent.withdrawn_at).is_(None))
               .values(withdrawn_at=now, withdrawn_by_id=user.id, withdrawal_note=note)).rowcount != 1:
        db.rollback()
        return [FieldError("consent", N_("Samtykket ble trukket tilbake av noen andre samtidig."))]
    for referral in db.exec(select(Referral).where(Referral.consent_id == consent.id, Referral.status != "draft")):
        _event(db, user, referral, "consent_withdrawn", referral.status, referral.status,
               "Deltakeren trakk samtykket tilbake; karrieresenteret har ikke lenger tilgang." + (f" {note}" if note else ""))
    audit.record(db, user, "withdraw", "consent", consent.id, f"case={case.id} {note}"[:500],
                 organisation_id=case.organisation_id)
    db.commit()
    db.refresh(consent)
    return []


# --- the referral ---------------------------------------------------------------------------------------------------


def contact_choices(db: Session, organisation_id: int) -> list[User]:
    return list(db.exec(select(User).where(User.organisation_id == organisation_id, User.role == "caseworker",
                                           col(User.active).is_(True)).order_by(User.full_name)))


def referrals_of(db: Session, case_id: int) -> list[Referral]:
    return list(db.exec(select(Referral).where(Referral.case_id == case_id).order_by(col(Referral.version).desc())))


def draft_of(db: Session, case_id: int) -> Referral | None:
    return db.exec(select(Referral).where(Referral.case_id == case_id, Referral.status == "draft")).first()


def referral_defaults(db: Session, user: User, case: Case) -> dict[str, Any]:
    """What a new referral's form starts with: the previous version's text, the case's deadline and interpreter."""
    previous = next(iter(referrals_of(db, case.id)), None)
    answers = case.answers or {}
    return {
        "purpose": previous.purpose if previous else "",
        "questions": previous.questions if previous else "",
        "decision_deadline": case.decision_deadline.isoformat() if case.decision_deadline else "",
        "interpreter_language": (answers.get("participant.interpreter_language") or ""
                                 if answers.get("participant.interpreter_needed") else ""),
        "contact_user_id": str(user.id),
    }


def _draft_values(db: Session, organisation_id: int, data: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    errors: list[FieldError] = []
    values: dict[str, Any] = {
        "purpose": read_text(data, "purpose", N_("Formålet"), errors),
        "questions": read_text(data, "questions", N_("Spørsmålene til karriereveilederen"), errors),
        "decision_deadline": read_date(data, "decision_deadline", N_("Fristen for vedtak"), errors),
    }
    language = data.get("interpreter_language") or None
    if language is not None and language not in languages("nb"):
        errors.append(FieldError("interpreter_language", N_("Velg et språk fra listen, eller la feltet stå tomt.")))
    values["interpreter_language"] = language if language in languages("nb") else None
    raw = data.get("contact_user_id")
    contact = str(raw) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else ""
    if contact not in {str(u.id) for u in contact_choices(db, organisation_id)}:
        errors.append(FieldError("contact_user_id", N_("Velg kontaktpersonen i kommunen.")))
    else:
        values["contact_user_id"] = int(contact)
    return values, errors


def create_referral(db: Session, user: User, case: Case, data: Mapping[str, Any]
                    ) -> tuple[Referral | None, list[FieldError]]:
    """A new draft referral (the next version for the case) to the county's career centre. Only one draft at a time."""
    existing = draft_of(db, case.id)
    if existing is not None:
        raise NotAllowed(N_("Saken har allerede et utkast til henvisning (versjon {version}). "
                            "Fortsett med det, eller slett det først.", version=existing.version))
    values, errors = _draft_values(db, case.organisation_id, data)
    centre = _recipient(db, case, errors)
    if errors:
        return None, errors
    for _attempt in range(5):
        version = (db.exec(select(func.max(Referral.version)).where(Referral.case_id == case.id)).one() or 0) + 1
        referral = Referral(case_id=case.id, from_organisation_id=case.organisation_id, to_organisation_id=centre.id,
                            version=version, created_by_id=user.id, **values)
        db.add(referral)
        try:
            db.flush()
        except IntegrityError:  # another version was created at the same moment: take the next number
            db.rollback()
            continue
        _event(db, user, referral, "create", None, "draft", f"Versjon {version} til {centre.name}")
        audit.record(db, user, "create", "referral", referral.id, f"case={case.id} version={version}",
                     organisation_id=case.organisation_id)
        db.commit()
        return referral, []
    raise RuntimeError("could not number the referral after repeated concurrent creations")


def update_draft(db: Session, user: User, referral: Referral, data: Mapping[str, Any]) -> list[FieldError]:
    if referral.status != "draft":
        raise NotAllowed(N_("Henvisningen er {status} og kan ikke endres. Send en ny versjon i stedet.",
                            status=lower_first(STATUSES[referral.status].label)))
    values, errors = _draft_values(db, referral.from_organisation_id, data)
    if errors:
        return errors
    if db.exec(update(Referral).where(Referral.id == referral.id, Referral.status == "draft")
               .values(updated_at=clock.now(), **values)).rowcount != 1:
        db.rollback()
        raise NotAllowed(N_("Henvisningen ble sendt eller endret av noen andre samtidig. Last siden på nytt."))
    audit.record(db, user, "update", "referral", referral.id, f"fields={','.join(sorted(values))}",
                 organisation_id=referral.from_organisation_id)
    db.commit()
    db.refresh(referral)
    return []


def delete_draft(db: Session, user: User, referral: Referral) -> None:
    if referral.status != "draft":
        raise NotAllowed(N_("Bare et utkast kan slettes. En sendt henvisning kan trekkes tilbake."))
    for event in db.exec(select(ReferralEvent).where(ReferralEvent.referral_id == referral.id)):
        db.delete(event)
    db.delete(referral)
    audit.record(db, user, "delete", "referral", referral.id, f"case={referral.case_id} version={referral.version}",
                 organisation_id=referral.from_organisation_id)
    db.commit()


def snapshot(case: Case, consent: Consent, *, taken_at: dt.datetime | None = None) -> dict[str, Any]:
    """The answers the consent covers, as they are now, with derived values computed from those answers only."""
    q = default_questionnaire()
    answers = shared_answers(q, case.answers or {}, consent.sections, consent.sensitive_questions)
    derived = derived_mod.derive(answers, programme_for(case), case.mapping_date)
    return {"taken_at": (taken_at or clock.now()).isoformat(), "questionnaire_version": q.version,
            "sections": list(consent.sections), "sensitive_questions": list(consent.sensitive_questions),
            "answers": answers, "derived": {k: derived.get(k) for k in SHARED_DERIVED},
            "mapping_completed": case.status == "completed", "mapping_date": case.mapping_date.isoformat()}


def _send_checks(db: Session, referral: Referral) -> tuple[Consent | None, list[FieldError]]:
    errors = []
    consent = active_consent(db, referral.case_id, referral.to_organisation_id)
    if consent is None:
        errors.append(FieldError("consent", N_("Registrer deltakerens samtykke før du sender henvisningen.")))
    if not referral.purpose.strip():
        errors.append(FieldError("purpose", N_("Skriv formålet med henvisningen.")))
    contact = db.get(User, referral.contact_user_id)
    if contact is None or contact.organisation_id != referral.from_organisation_id or not contact.active:
        errors.append(FieldError("contact_user_id", N_("Velg kontaktpersonen i kommunen.")))
    return consent, errors


# The transitions whose first time is kept on the referral (the figures' medians and period counts read them)
FIGURE_TIMES = {"accept": "accepted_at", "decline": "declined_at", "start": "started_at", "complete": "summary_at"}


def apply(db: Session, user: User, referral: Referral, name: str, data: Mapping[str, Any] | None = None, *,
          today: dt.date | None = None) -> list[FieldError]:
    """Make the transition `name` (a key of TRANSITIONS). Raises NotAllowed when the current status does not allow
    it; returns the errors when what it requires is missing. The caller has authorised it (access.load_referral
    with permission `referral.<name>`)."""
    transition = TRANSITIONS[name]
    current = referral.status
    if current not in transition.from_statuses:
        raise NotAllowed(not_allowed_message(transition, current))
    today = today or clock.today()
    data = data or {}
    sent_on = referral.sent_at.date() if referral.sent_at else None
    values, errors = check_requirements(transition, data, today=today, sent_on=sent_on)
    note = ""
    changes: dict[str, Any] = {}
    now = clock.now()
    if name == "send":
        consent, send_errors = _send_checks(db, referral)
        errors += send_errors
        if consent is not None and not errors:
            case = db.get(Case, referral.case_id, populate_existing=True)
            changes = {"consent_id": consent.id, "snapshot": snapshot(case, consent, taken_at=now), "sent_at": now}
            note = f"Versjon {referral.version}"
    elif name == "accept":
        changes = {"planned_first_session": values["planned_first_session"], "counsellor_id": user.id}
        note = f"Planlagt første samtale {values['planned_first_session']:%d.%m.%Y}" if not errors else ""
    elif name == "decline":
        changes = {"decline_reason": values["decline_reason"], "decline_text": values["decline_text"]}
        note = " – ".join(x for x in (DECLINE_REASONS.get(values["decline_reason"] or "", ""),
                                      values["decline_text"]) if x)
    elif name == "start" and referral.counsellor_id is None:
        changes = {"counsellor_id": user.id}
    elif name == "complete":
        note = f"Anbefaling: {RECOMMENDATIONS.get(values['recommendation'] or '', '')}"
    elif name == "withdraw":
        note = read_text(data, "note", N_("Merknaden"), errors)
    if errors:
        return errors
    if name in FIGURE_TIMES:  # the first time it took this step, for the leaders' figures
        column = getattr(Referral, FIGURE_TIMES[name])
        changes[FIGURE_TIMES[name]] = func.coalesce(column, now)
    if db.exec(update(Referral).where(Referral.id == referral.id, Referral.status == current)
               .values(status=transition.to, updated_at=now, **changes)).rowcount != 1:
        db.rollback()
        raise NotAllowed(N_("Henvisningen ble endret av noen andre samtidig. Last siden på nytt og se hva som er gjort."))
    if name == "start":
        db.add(GuidanceContract(referral_id=referral.id, goal=values["goal"], frame=values["frame"],
                                agreed_on=values["agreed_on"], created_by_id=user.id))
    elif name == "complete":
        db.add(GuidanceSummary(referral_id=referral.id, case_id=referral.case_id, summary=values["summary"],
                               areas=values["areas"], recommendation=values["recommendation"],
                               recommendation_text=values["recommendation_text"], completed_by_id=user.id,
                               completed_at=now))
    _event(db, user, referral, name, current, transition.to, note, at=now)
    audit.record(db, user, name, "referral", referral.id, f"{current} -> {transition.to}",
                 organisation_id=user.organisation_id)
    if name == "send":
        _withdraw_replaced(db, user, referral)
    db.commit()
    db.refresh(referral)
    return []


def _withdraw_replaced(db: Session, user: User, sent: Referral) -> None:
    """A new version replaces an earlier one the centre has not yet taken on: that one is withdrawn."""
    withdraw = TRANSITIONS["withdraw"]
    earlier = db.exec(select(Referral).where(Referral.case_id == sent.case_id, Referral.id != sent.id,
                                             col(Referral.status).in_(withdraw.from_statuses))).all()
    for old in earlier:
        status = old.status
        if db.exec(update(Referral).where(Referral.id == old.id, Referral.status == status)
                   .values(status=withdraw.to, updated_at=clock.now())).rowcount == 1:
            _event(db, user, old, "withdraw", status, withdraw.to, f"Erstattet av versjon {sent.version}")
            audit.record(db, user, "withdraw", "referral", old.id, f"replaced by version {sent.version}",
                         organisation_id=user.organisation_id)


def _event(db: Session, user: User, referral: Referral, action: str, from_status: str | None, to_status: str,
           note: str = "", at: dt.datetime | None = None) -> None:
    db.add(ReferralEvent(referral_id=referral.id, action=action, from_status=from_status, to_status=to_status,
                         user_id=user.id, user_name=user.full_name, organisation_id=user.organisation_id,
                         note=note[:2000], at=at or clock.now()))


# --- the career centre's work ---------------------------------------------------------------------------------------


def save_contract(db: Session, user: User, referral: Referral, data: Mapping[str, Any], *,
                  today: dt.date | None = None) -> list[FieldError]:
    """Agree the guidance contract: when accepted, this starts the guidance; when under way, it updates it."""
    today = today or clock.today()
    if referral.status == "accepted":
        return apply(db, user, referral, "start", data, today=today)
    if referral.status != "in_progress":
        raise NotAllowed(not_allowed_message(TRANSITIONS["start"], referral.status))
    values, errors = check_requirements(TRANSITIONS["start"], data, today=today)
    if errors:
        return errors
    contract = db.exec(select(GuidanceContract).where(GuidanceContract.referral_id == referral.id)).one()
    contract.goal, contract.frame, contract.agreed_on = values["goal"], values["frame"], values["agreed_on"]
    contract.updated_at = clock.now()
    db.add(contract)
    audit.record(db, user, "update", "guidance_contract", contract.id, f"referral={referral.id}",
                 organisation_id=user.organisation_id)
    db.commit()
    return []


SESSION_STATUSES = ("accepted", "in_progress")


def add_session(db: Session, user: User, referral: Referral, data: Mapping[str, Any], *,
                today: dt.date | None = None) -> list[FieldError]:
    today = today or clock.today()
    if referral.status not in SESSION_STATUSES:
        raise NotAllowed(N_("Samtaler kan registreres når henvisningen er godtatt eller under veiledning, "
                            "ikke når den er «{status}».", status=STATUSES[referral.status].label))
    errors: list[FieldError] = []
    held_on = read_date(data, "held_on", N_("Datoen for samtalen"), errors, required=True, not_after=today)
    form = read_choice(data, "form", N_("Samtaleformen"), SESSION_FORMS, errors)
    notes = read_text(data, "notes", SESSION_NOTES_LABEL, errors)
    if errors:
        return errors
    session = GuidanceSession(referral_id=referral.id, held_on=held_on, form=form,
                              interpreter_used=read_bool(data, "interpreter_used"), notes=notes,
                              notes_updated_at=clock.now() if notes else None, created_by_id=user.id)
    db.add(session)
    db.flush()
    # The audit log says that there are notes, never what they say.
    audit.record(db, user, "create", "guidance_session", session.id,
                 f"referral={referral.id}" + (" notes" if notes else ""), organisation_id=user.organisation_id)
    db.commit()
    return []


SESSION_NOTES_LABEL = N_("Notatet")


def update_session_notes(db: Session, user: User, referral: Referral, session_id: int, data: Mapping[str, Any]
                         ) -> list[FieldError]:
    """Change the centre's private notes on one of the referral's sessions (while the guidance is open). Raises
    LookupError for a session that is not the referral's."""
    session = (db.get(GuidanceSession, session_id) if isinstance(session_id, int) and 0 < session_id <= MAX_ID
               else None)
    if session is None or session.referral_id != referral.id:
        raise LookupError(session_id)
    if referral.status not in SESSION_STATUSES:
        raise NotAllowed(N_("Notatene kan endres mens henvisningen er godtatt eller under veiledning, "
                            "ikke når den er «{status}».", status=STATUSES[referral.status].label))
    errors: list[FieldError] = []
    notes = read_text(data, "notes", SESSION_NOTES_LABEL, errors)
    if errors:
        return errors
    if notes == session.notes:
        return []
    session.notes, session.notes_updated_at = notes, clock.now()
    db.add(session)
    audit.record(db, user, "update", "guidance_session", session.id, f"referral={referral.id} notes",
                 organisation_id=user.organisation_id)
    db.commit()
    return []


# --- what each side sees --------------------------------------------------------------------------------------------


@dataclass
class SharedSection:
    section: Section | None  # None: answers to questions no longer in the questionnaire
    rows: list[tuple[Question | None, str, Any]]  # (question, question id, value)


def shared_sections(snap: Mapping[str, Any]) -> list[SharedSection]:
    q = default_questionnaire()
    answers = dict(snap.get("answers") or {})
    out = []
    for s in q.sections:
        if s.id not in (snap.get("sections") or []):
            continue
        rows = [(x, x.id, answers.pop(x.id)) for x in s.questions if x.id in answers]
        out.append(SharedSection(s, rows))
    if answers:
        out.append(SharedSection(None, [(q.by_id.get(k), k, v) for k, v in answers.items()]))
    return out


@dataclass
class ReferralDetail:
    referral: Referral
    side: str
    status: Status
    participant_name: str
    from_org: Organisation
    to_org: Organisation
    contact: User | None
    consent: Consent | None
    events: list[ReferralEvent]
    contract: GuidanceContract | None  # the career centre's side only (None for the municipality)
    sessions: list[GuidanceSession]  # the career centre's side only (empty for the municipality)
    summary: GuidanceSummary | None
    shared: list[SharedSection] | None  # None: not shown to this side now
    derived: dict[str, Any]
    overdue: bool
    preview: bool  # a draft: what would be sent, from the current consent
    actions: list[Transition] = field(default_factory=list)
    counsellor: User | None = None
    case: Case | None = None  # the municipality side only
    interpreter_name: str = ""


def _contract(db: Session, referral: Referral) -> GuidanceContract | None:
    return db.exec(select(GuidanceContract).where(GuidanceContract.referral_id == referral.id)).first()


def _sessions(db: Session, referral: Referral) -> list[GuidanceSession]:
    return list(db.exec(select(GuidanceSession).where(GuidanceSession.referral_id == referral.id)
                        .order_by(col(GuidanceSession.held_on), col(GuidanceSession.id))))


def detail(db: Session, user: User, referral: Referral, *, today: dt.date | None = None) -> ReferralDetail:
    """Everything the user's side may see of a loaded (authorised) referral. The guidance contract and the sessions
    are the career centre's own records: they are not even read for the municipality, so no page can show them."""
    today = today or clock.today()
    side = referral_side(user)
    status = STATUSES[referral.status]
    case = db.get(Case, referral.case_id) if side == MUNICIPALITY else None
    consent = db.get(Consent, referral.consent_id) if referral.consent_id else None
    snap, preview = referral.snapshot, False
    if referral.status == "draft" and case is not None:
        current = active_consent(db, case.id, referral.to_organisation_id)
        snap, preview, consent = (snapshot(case, current), True, current) if current else (None, True, None)
    if side == CENTRE and not status.centre_sees_answers:
        snap = None
    # The name identifies the referral on both sides, in every status the centre may see it in.
    name = case.participant_name if case else ((referral.snapshot or {}).get("answers") or {}).get("participant.name")
    return ReferralDetail(
        referral=referral, side=side, status=status, participant_name=name or f"Henvisning {referral.id}",
        from_org=db.get(Organisation, referral.from_organisation_id),
        to_org=db.get(Organisation, referral.to_organisation_id),
        contact=db.get(User, referral.contact_user_id), consent=consent,
        events=list(db.exec(select(ReferralEvent).where(ReferralEvent.referral_id == referral.id)
                            .order_by(col(ReferralEvent.id)))),
        contract=_contract(db, referral) if side == CENTRE else None,
        sessions=_sessions(db, referral) if side == CENTRE else [],
        summary=db.exec(select(GuidanceSummary).where(GuidanceSummary.referral_id == referral.id)).first(),
        shared=shared_sections(snap) if snap else None, derived=(snap or {}).get("derived") or {},
        overdue=is_overdue(referral.status, referral.decision_deadline, today), preview=preview,
        actions=[t for t in TRANSITIONS.values() if referral.status in t.from_statuses and t.side == side
                 and t.role == user.role],
        counsellor=db.get(User, referral.counsellor_id) if referral.counsellor_id else None, case=case,
        interpreter_name=languages(i18n.current()).get(referral.interpreter_language or "",
                                                       referral.interpreter_language or ""))


@dataclass
class InboxRow:
    referral: Referral
    participant_name: str
    municipality: str
    overdue: bool


def inbox(db: Session, user: User, tab: str | None = None, *, today: dt.date | None = None
          ) -> tuple[list[InboxRow], dict[str, int]]:
    """The referrals to the user's career centre (those it may see), in one tab or all, and the count per tab."""
    today = today or clock.today()
    base = visible_referrals(user)
    visible = base.subquery()
    by_status = {status: n for status, n in db.exec(select(visible.c.status, func.count()).group_by(visible.c.status))}
    counts = {tab_id: sum(by_status.get(s, 0) for s in statuses) for tab_id, (_, statuses) in INBOX_TABS.items()}
    stmt = base
    if tab is not None:
        stmt = stmt.where(col(Referral.status).in_(INBOX_TABS[tab][1]))
    referrals = db.exec(stmt.order_by(col(Referral.decision_deadline).asc().nulls_last(),
                                      col(Referral.sent_at).asc())).all()
    orgs = {o.id: o.name for o in db.exec(select(Organisation).where(
        col(Organisation.id).in_({r.from_organisation_id for r in referrals})))} if referrals else {}
    rows = [InboxRow(r, ((r.snapshot or {}).get("answers") or {}).get("participant.name", ""),
                     orgs.get(r.from_organisation_id, ""), is_overdue(r.status, r.decision_deadline, today))
            for r in referrals]
    audit.record(db, user, "list", "referral", None, f"inbox tab={tab or 'all'} rows={len(rows)}")
    db.commit()
    return rows, counts


@dataclass
class CaseGuidance:
    """The career-guidance block of a case: consent, referrals (newest first), the latest summary."""

    centre: Organisation | None
    consent: Consent | None
    withdrawn_consents: list[Consent]
    referrals: list[Referral]
    draft: Referral | None
    summary: GuidanceSummary | None
    overdue: set[int]
    consent_withdrawn: set[int] = field(default_factory=set)  # referrals the centre no longer has (their consent went)


def case_guidance(db: Session, user: User, case: Case, *, today: dt.date | None = None) -> CaseGuidance:
    """For the case's task list (the caller has loaded the case); audited when there are referrals to show."""
    today = today or clock.today()
    all_consents = consents(db, case.id)
    withdrawn = [c for c in all_consents if c.withdrawn_at is not None]
    withdrawn_ids = {c.id for c in withdrawn}
    referrals = referrals_of(db, case.id)
    if referrals:
        audit.record(db, user, "list", "referral", None, f"case={case.id}", organisation_id=case.organisation_id)
        db.commit()
    return CaseGuidance(
        centre=career_centre_for(db, db.get(Organisation, case.organisation_id)),
        consent=next((c for c in all_consents if c.withdrawn_at is None), None),
        withdrawn_consents=withdrawn,
        referrals=referrals, draft=next((r for r in referrals if r.status == "draft"), None),
        summary=latest_guidance(db, case.id),
        overdue={r.id for r in referrals if is_overdue(r.status, r.decision_deadline, today)},
        consent_withdrawn={r.id for r in referrals if r.status != "draft" and r.consent_id in withdrawn_ids})


def latest_by_case(db: Session, case_ids: list[int]) -> dict[int, Referral]:
    """The newest referral version of each case (for the case list's status column)."""
    if not case_ids:
        return {}
    out: dict[int, Referral] = {}
    for r in db.exec(select(Referral).where(col(Referral.case_id).in_(case_ids)).order_by(col(Referral.version))):
        out[r.case_id] = r
    return out


def latest_guidance(db: Session, case_id: int) -> GuidanceSummary | None:
    """The newest guidance summary and recommendation for a case, or None (for the case page and the plan builder).
    The caller has authorised reading the case."""
    return db.exec(select(GuidanceSummary).where(GuidanceSummary.case_id == case_id)
                   .order_by(col(GuidanceSummary.completed_at).desc(), col(GuidanceSummary.id).desc())).first()


def consent_form_choices():
    return consent_choices(default_questionnaire())
