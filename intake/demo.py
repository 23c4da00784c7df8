"""Demo data: two municipalities, a career centre, the demo users, the three personas as Drammen cases, and a month
of Drammen's work at every stage (intake/demo_month.py).

Synthetic people only (national ids with month + 80). Running it twice changes nothing.
"""

from __future__ import annotations

import copy
import datetime as dt

from sqlmodel import Session, select

from . import audit, demo_personas as personas
from .cases import save_answers
from .demo_month import seed_month
from .domain.questionnaire import default_questionnaire
from .domain.reference import tables
from .models import Case, Organisation, User
from .security import hash_password

USERS = [
    # username, full name, role, organisation key, phone
    ("veileder", "Vera Veileder", "caseworker", "3301", "32 04 70 00"),
    ("bergen", "Bjørn Bergen", "caseworker", "4601", "55 56 55 56"),
    ("karriere", "Kari Karriere", "counsellor", "cc33", "32 20 40 00"),
    ("karriereleder", "Kjell Karriereleder", "centre_leader", "cc33", "32 20 40 01"),
    ("leder", "Lene Leder", "leader", "3301", "32 04 70 01"),
    ("admin", "Ada Administrator", "admin", "3301", None),
    # Colleagues, whose cases make up the month's work (intake/demo_month.py)
    ("pia", "Pia Programrådgiver", "caseworker", "3301", "32 04 70 02"),
    ("sander", "Sander Rådgiver", "caseworker", "3301", "32 04 70 03"),
    ("karriere2", "Kristian Karriereveileder", "counsellor", "cc33", "32 20 40 02"),
]


def ensure_organisations(db: Session) -> dict[str, Organisation]:
    counties = tables()["counties"]
    wanted = {
        "3301": dict(name="Drammen kommune", kind="municipality", municipality_number="3301", county_code="33"),
        "4601": dict(name="Bergen kommune", kind="municipality", municipality_number="4601", county_code="46"),
        "cc33": dict(name=counties["33"]["career_centre"], kind="career_centre", county_code="33"),
        "cc46": dict(name=counties["46"]["career_centre"], kind="career_centre", county_code="46"),
    }
    found = {}
    for key, values in wanted.items():
        org = db.exec(select(Organisation).where(Organisation.name == values["name"])).first()
        if org is None:
            org = Organisation(**values)
            db.add(org)
            db.flush()
        found[key] = org
    db.commit()
    return found


def seed_demo(db: Session) -> list[str]:
    """Create what is missing; return a line per thing created."""
    done = []
    orgs = ensure_organisations(db)
    for username, full_name, role, org_key, phone in USERS:
        if db.exec(select(User).where(User.username == username)).first() is None:
            db.add(User(username=username, full_name=full_name, role=role, organisation_id=orgs[org_key].id,
                        phone=phone, email=f"{username}@example.no", password_hash=hash_password("demo")))
            done.append(f"user {username}")
    db.commit()
    caseworker = db.exec(select(User).where(User.username == "veileder")).one()
    q = default_questionnaire()
    for name in ("AMAL", "YONAS", "AHMAD"):
        answers = copy.deepcopy(getattr(personas, name))
        exists = db.exec(select(Case).where(Case.organisation_id == orgs["3301"].id,
                                            Case.participant_name == answers["participant.name"])).first()
        if exists:
            continue
        case = Case(organisation_id=orgs["3301"].id, created_by_id=caseworker.id, mapping_date=personas.MAPPING_DATE)
        db.add(case)
        db.flush()
        audit.record(db, caseworker, "create", "case", case.id, "demo data")
        db.commit()
        # Amal's mapping is complete, the others are under way: the demo shows both.
        if name != "AMAL":
            answers = {k: v for k, v in answers.items() if k.split(".")[0] in ("participant", "goals", "life")}
        save_answers(db, caseworker, case.id, answers)
        case = db.get(Case, case.id, populate_existing=True)
        case.sections = {s.id: {"version": 1, "completed": any(k.startswith(s.id + ".") for k in answers)}
                         for s in q.sections}
        if name == "AMAL":
            case.status = "completed"
            case.completed_at = dt.datetime(2026, 11, 1, 13, 0, tzinfo=dt.timezone.utc)
            case.completed_by_id = caseworker.id
        db.add(case)
        db.commit()
        done.append(f"case {answers['participant.name']}")
    done += _seed_referral(db, caseworker, orgs["3301"])
    done += seed_month(db, orgs)
    return done


def _seed_referral(db: Session, caseworker: User, municipality: Organisation) -> list[str]:
    """Amal's consent and a sent referral, so the career centre's inbox has something in it."""
    from . import referrals
    from .domain.guidance import consent_choices

    amal = db.exec(select(Case).where(Case.organisation_id == municipality.id,
                                      Case.participant_name == personas.AMAL["participant.name"])).first()
    if amal is None or referrals.referrals_of(db, amal.id):
        return []
    ordinary = [sid for sid, _ in consent_choices(default_questionnaire()).ordinary]
    _, errors = referrals.record_consent(db, caseworker, amal, {
        "sections": ordinary, "given_how": "orally_with_interpreter", "given_on": "2026-11-01"})
    referral, more = referrals.create_referral(db, caseworker, amal, {
        "purpose": "Karriereveiledning før vedtak om program: hvordan kan Amal bruke sykepleierutdanningen i Norge?",
        "questions": "Hva må til for autorisasjon som sykepleier, og hva passer som sluttmål?",
        "decision_deadline": "2026-12-15", "interpreter_language": "ar", "contact_user_id": caseworker.id})
    if errors or more or referrals.apply(db, caseworker, referral, "send"):
        return []
    return [f"referral for {amal.participant_name}"]
