"""Organisations and users: create, deactivate, reset and change passwords, with the checks an administrator needs.

Used by the administrator's pages and by `main.py create-org|create-user`. Problems come back as `FieldError`s;
every change is audited.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlmodel import Session, col, delete, func, select
from zxcvbn import zxcvbn

from . import audit
from .access import MAX_ID
from .domain.answers import FieldError
from .domain.messages import N_
from .domain.text import NAME, text_error
from .domain.reference import county_of, tables
from .models import ApiToken, Organisation, User, UserSession
from .security import (TOKEN_DAYS, TOKEN_MAX_DAYS, create_api_token, end_all_sessions, hash_password,
                       revoke_api_token, revoke_user_tokens, verify_password)

ROLES = ("caseworker", "counsellor", "leader", "centre_leader", "admin")
KINDS = {"municipality": N_("Kommune"), "career_centre": N_("Karrieresenter")}
# Which roles belong in which kind of organisation (counsellors work at a career centre, caseworkers in a municipality).
ROLES_BY_KIND = {"municipality": ("caseworker", "leader", "admin"),
                 "career_centre": ("counsellor", "centre_leader", "leader", "admin")}
MIN_PASSWORD = 12
MAX_PASSWORD = 500
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,99}")


def _text(errors: list[FieldError], field: str, value: str, label: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.append(FieldError(field, N_("Fyll ut «{label}».", label=label)))
    elif len(value) > max_length:
        errors.append(FieldError(field, N_("«{label}» kan ha høyst {max} tegn (nå {n}).", label=label, max=max_length,
                                            n=len(value))))
    elif problem := text_error(value, NAME):
        errors.append(FieldError(field, problem))
    return value


# zxcvbn's score (0-4) a password needs: 3 is "safely unguessable" at 10^8 guesses or more. Below it are the common
# passwords of its lists (and those a letter or a digit away), keyboard rows, repeats, sequences and dates.
MIN_STRENGTH = 3
# What zxcvbn reads of a password (it refuses longer ones: its matching grows with the length)
STRENGTH_PREFIX = 72
# Words of this service that make a password easy to guess here, besides the user's own names
SERVICE_WORDS = ["kartlegging", "introduksjonsprogram", "integrering", "karrieresenter", "kommune", "passord"]


def password_errors(password: str, field: str = "new_password", username: str = "",
                    full_name: str = "") -> list[FieldError]:
    """What is wrong with a password someone chose (ASVS 2.1): too short, too long, holding the user name, or common
    or easily guessed (zxcvbn). One message, at the field."""
    if len(password) < MIN_PASSWORD:
        return [FieldError(field, N_("Passordet må ha minst {n} tegn.", n=MIN_PASSWORD))]
    if len(password) > MAX_PASSWORD:
        return [FieldError(field, N_("Passordet kan ha høyst {n} tegn.", n=MAX_PASSWORD))]
    if username and username.lower() in password.lower():
        return [FieldError(field, N_("Passordet kan ikke inneholde brukernavnet."))]
    if zxcvbn(password[:STRENGTH_PREFIX], user_inputs=[username, *full_name.split(), *SERVICE_WORDS])["score"] \
            < MIN_STRENGTH:
        return [FieldError(field, N_("Passordet er for lett å gjette: det er et vanlig passord, ligner på et, eller "
                                     "er et enkelt mønster (som 123456 eller qwerty). Bruk heller tre eller fire ord "
                                     "som ikke hører sammen."))]
    return []


def temporary_password() -> str:
    return secrets.token_urlsafe(12)  # 16 characters


def create_organisation(db: Session, actor: User | None, *, name: str, kind: str, municipality_number: str = "",
                        county_code: str = "") -> tuple[Organisation | None, list[FieldError]]:
    errors: list[FieldError] = []
    name = _text(errors, "name", name, N_("Navn"), 200)
    municipality_number = (municipality_number or "").strip()
    county_code = (county_code or "").strip()
    if kind not in KINDS:
        errors.append(FieldError("kind", N_("Velg kommune eller karrieresenter.")))
    elif kind == "municipality":
        county = county_of(municipality_number)
        if county is None:
            errors.append(FieldError("municipality_number",
                                     N_("Skriv et gyldig kommunenummer med fire sifre, for eksempel 3301.")))
        else:
            county_code = county["code"]
    else:
        municipality_number = ""
        if county_code not in tables()["counties"]:
            errors.append(FieldError("county_code", N_("Velg fylket karrieresenteret hører til.")))
    if name and not errors and db.exec(select(Organisation).where(
            func.lower(Organisation.name) == name.lower())).first():
        errors.append(FieldError("name", N_("Det finnes allerede en virksomhet med dette navnet.")))
    if errors:
        return None, errors
    org = Organisation(name=name, kind=kind, municipality_number=municipality_number or None, county_code=county_code)
    db.add(org)
    db.flush()
    audit.record(db, actor, "create", "organisation", org.id, f"name={name} kind={kind}", organisation_id=org.id)
    db.commit()
    return org, []


@dataclass
class NewUser:
    username: str = ""
    full_name: str = ""
    role: str = ""
    organisation_id: int | None = None
    email: str = ""
    phone: str = ""


def create_user(db: Session, actor: User | None, data: NewUser, password: str | None = None
                ) -> tuple[User | None, str, list[FieldError]]:
    """The new user and its first password (`password` as the administrator chose it, or a temporary one made here), or
    the errors. Either is temporary: it must be changed at the first login."""
    errors: list[FieldError] = []
    username = _text(errors, "username", data.username, N_("Brukernavn"), 100).lower()
    if username and not any(e.field == "username" for e in errors) and not USERNAME.fullmatch(username):
        errors.append(FieldError("username", N_("Brukernavnet kan bare ha små bokstaver a–z, sifre, punktum, "
                                                "bindestrek og understrek, og må ha minst to tegn.")))
    full_name = _text(errors, "full_name", data.full_name, N_("Fullt navn"), 200)
    email = _text(errors, "email", data.email, N_("E-post"), 200, required=False)
    if email and "@" not in email:
        errors.append(FieldError("email", N_("Skriv en e-postadresse, for eksempel navn@kommune.no.")))
    phone = _text(errors, "phone", data.phone, N_("Telefon"), 40, required=False)
    org = db.get(Organisation, data.organisation_id) if data.organisation_id else None
    if org is None:
        errors.append(FieldError("organisation_id", N_("Velg virksomheten brukeren hører til.")))
    if data.role not in ROLES:
        errors.append(FieldError("role", N_("Velg en rolle.")))
    elif org is not None and data.role not in ROLES_BY_KIND[org.kind]:
        errors.append(FieldError("role", N_("Rollen passer ikke for denne typen virksomhet "
                                            "(programrådgivere i kommuner, karriereveiledere i karrieresentre).")))
    if password is not None:
        errors.extend(password_errors(password, "password", username, full_name))
    if username and not any(e.field == "username" for e in errors) and db.exec(
            select(User).where(User.username == username)).first():
        errors.append(FieldError("username", N_("Brukernavnet er allerede i bruk.")))
    if errors:
        return None, "", errors
    first_password = password if password is not None else temporary_password()
    # A first password is one an administrator knows: the user makes their own at the first login.
    user = User(username=username, full_name=full_name, role=data.role, organisation_id=org.id, email=email or None,
                phone=phone or None, password_hash=hash_password(first_password), must_change_password=True)
    db.add(user)
    db.flush()
    audit.record(db, actor, "create", "user", user.id, f"username={username} role={data.role}",
                 organisation_id=org.id)
    db.commit()
    return user, first_password, []


def set_active(db: Session, actor: User, user: User, active: bool) -> list[FieldError]:
    if actor.id == user.id and not active:
        return [FieldError("user", N_("Du kan ikke deaktivere din egen bruker."))]
    user.active = active
    db.add(user)
    audit.record(db, actor, "activate" if active else "deactivate", "user", user.id, f"username={user.username}",
                 organisation_id=user.organisation_id)
    if not active:
        revoke_user_tokens(db, user, actor, "deactivated")
    db.commit()
    if not active:
        end_all_sessions(db, user.id)
    return []


def reset_password(db: Session, actor: User, user: User) -> str:
    """A new temporary password for `user` (shown once to the administrator); the user's sessions end and their API
    tokens are revoked."""
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    db.add(user)
    audit.record(db, actor, "reset-password", "user", user.id, f"username={user.username}",
                 organisation_id=user.organisation_id)
    revoke_user_tokens(db, user, actor, "password reset")
    db.commit()
    end_all_sessions(db, user.id)
    return password


def change_own_password(db: Session, user: User, current: str, new: str, repeat: str,
                        keep_session_id: str | None) -> list[FieldError]:
    """Change one's own password; every other session of the user ends, the current one (if any) stays."""
    errors: list[FieldError] = []
    if not current:
        errors.append(FieldError("current_password", N_("Skriv passordet du har nå.")))
    elif len(current) > MAX_PASSWORD or not verify_password(current, user.password_hash):
        errors.append(FieldError("current_password", N_("Passordet du har nå er feil.")))
    errors.extend(password_errors(new, "new_password", user.username, user.full_name))
    if not errors and new != repeat:
        errors.append(FieldError("repeat_password", N_("Passordene er ikke like. Skriv det nye passordet to ganger.")))
    if not errors and new == current:
        errors.append(FieldError("new_password", N_("Det nye passordet må være forskjellig fra det gamle.")))
    if errors:
        return errors
    user.password_hash = hash_password(new)
    user.must_change_password = False
    db.add(user)
    audit.record(db, user, "change-password", "user", user.id)
    db.commit()
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_session_id:
        stmt = stmt.where(col(UserSession.id) != keep_session_id)
    db.exec(stmt)
    db.commit()
    return []


def link_sso(db: Session, actor: User, user: User, issuer: str, subject: str) -> list[FieldError]:
    """Link the user to their identity at a single sign-on provider (issuer, subject), as the provider names it."""
    errors: list[FieldError] = []
    subject = _text(errors, "subject", subject, N_("ID hos innloggingstjenesten"), 255)
    if not issuer:
        errors.append(FieldError("provider", N_("Velg innloggingstjenesten.")))
    if errors:
        return errors
    other = db.exec(select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject,
                                       col(User.id) != user.id)).first()
    if other is not None:
        return [FieldError("subject", N_("Denne ID-en er allerede koblet til brukeren {username}.",
                                         username=other.username))]
    user.oidc_issuer, user.oidc_subject = issuer, subject
    db.add(user)
    audit.record(db, actor, "link-sso", "user", user.id, f"username={user.username} by=administrator",
                 organisation_id=user.organisation_id)
    db.commit()
    return []


def unlink_sso(db: Session, actor: User, user: User) -> None:
    """Forget the user's single sign-on identity; their sessions end (they may have come from it)."""
    user.oidc_issuer = user.oidc_subject = None
    db.add(user)
    audit.record(db, actor, "unlink-sso", "user", user.id, f"username={user.username}",
                 organisation_id=user.organisation_id)
    db.commit()
    end_all_sessions(db, user.id)


def without_password(db: Session, user: User) -> None:
    """A user who logs in only through single sign-on: no password works (until an administrator makes one)."""
    user.password_hash = ""
    user.must_change_password = False  # there is no password to change
    db.add(user)
    db.commit()


# --- API tokens: made for a user, listed and revoked within one organisation ------------------------------------------


def issue_token(db: Session, actor: User | None, user: User | None, name: str, days: str | int = TOKEN_DAYS,
                by: str = "") -> tuple[str, list[FieldError]]:
    """A new API token for `user` (shown once), named and valid for `days` days (1 to TOKEN_MAX_DAYS), or the
    errors. `actor` None: made at the command line (`by` says who ran it)."""
    errors: list[FieldError] = []
    if user is None or not user.active:
        errors.append(FieldError("user_id", N_("Velg en aktiv bruker nøkkelen skal høre til.")))
    name = _text(errors, "name", name, N_("Navn"), 100)
    text = str(days).strip()
    if not text.isdigit() or not 1 <= int(text[:6]) <= TOKEN_MAX_DAYS:
        errors.append(FieldError("days", N_("Skriv et antall dager fra 1 til {max}.", max=TOKEN_MAX_DAYS)))
    if errors:
        return "", errors
    return create_api_token(db, user, name=name, days=int(text), actor=actor, by=by), []


def _tokens_query(organisation_id: int | None):
    query = select(ApiToken, User).join(User, col(User.id) == ApiToken.user_id)
    return query if organisation_id is None else query.where(User.organisation_id == organisation_id)


def organisation_tokens(db: Session, organisation_id: int | None) -> list[tuple[ApiToken, User]]:
    """The API tokens of the organisation's users (every organisation's: None), newest first."""
    return list(db.exec(_tokens_query(organisation_id).order_by(col(ApiToken.id).desc())).all())


def revoke_token(db: Session, actor: User | None, token_id: int, organisation_id: int | None, why: str = "") -> bool:
    """Revoke the token if it belongs to a user of the organisation (any: None); False if there is no such token.
    Revoking a revoked or expired token changes nothing and is no error."""
    if not 0 < token_id <= MAX_ID:
        return False
    found = db.exec(_tokens_query(organisation_id).where(ApiToken.id == token_id)).first()
    if found is None:
        return False
    revoke_api_token(db, found[0], actor, why)
    db.commit()
    return True
