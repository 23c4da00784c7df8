"""The one authorisation check: which role may do what, and on which organisation's data.

Every route that reads or changes a case goes through `load_case` (or `require`), which also writes the audit entry.
A case of another organisation answers 404, exactly like a case that does not exist, so ids reveal nothing.
"""

from __future__ import annotations

from sqlmodel import Session

from . import audit
from .models import Case, User

# permission -> roles that have it (within their own organisation)
PERMISSIONS: dict[str, frozenset[str]] = {
    "case.read": frozenset({"caseworker", "leader"}),
    "case.create": frozenset({"caseworker"}),
    "case.update": frozenset({"caseworker"}),
    "case.complete": frozenset({"caseworker"}),
    "audit.read": frozenset({"leader", "admin"}),
    "admin.manage": frozenset({"admin"}),
}

ROLE_LABELS = {"caseworker": "Programrådgiver", "counsellor": "Karriereveileder", "leader": "Leder",
               "admin": "Administrator"}


class NotFound(Exception):
    """The object does not exist or the user may not know it exists."""


class Forbidden(Exception):
    """The user may see the object but not do this with it."""


def can(user: User, permission: str) -> bool:
    return user.role in PERMISSIONS.get(permission, frozenset())


def require(user: User, permission: str) -> None:
    if not can(user, permission):
        raise Forbidden(permission)


def load_case(db: Session, user: User, case_id: int, permission: str = "case.read", *, audit_action: str | None = None,
              detail: str = "") -> Case:
    """The case if the user's organisation owns it and the role allows `permission`; audited."""
    case = db.get(Case, case_id)
    if case is None or case.organisation_id != user.organisation_id or not can(user, "case.read"):
        raise NotFound()
    require(user, permission)
    action = audit_action or ("read" if permission == "case.read" else permission.split(".", 1)[1])
    audit.record(db, user, action, "case", case.id, detail, organisation_id=case.organisation_id)
    db.commit()
    return case
