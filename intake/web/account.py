"""The user's own account: change password (every other session of the user ends). A user whose password is an
administrator's temporary one is sent here at login, and kept here until they change it (intake/web/deps.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from .. import access
from ..admin import MIN_PASSWORD, change_own_password
from .admin import FormValues
from .deps import CurrentUser, LongRequest, SessionDep
from .templates import home_for, render_page

router = APIRouter(prefix="/account", include_in_schema=False)


@router.get("/password")
def password_page(request: Request, user: CurrentUser, db: SessionDep):
    access.require(db, user, "account.manage")
    return render_page(request, "account/password.html", {"errors": [], "done": False, "min_length": MIN_PASSWORD,
                                                           "temporary": user.must_change_password})


@router.post("/password", dependencies=[LongRequest])
def password_change(request: Request, user: CurrentUser, db: SessionDep, values: FormValues):
    access.require(db, user, "account.manage")
    session = getattr(request.state, "session", None)
    temporary = user.must_change_password
    errors = change_own_password(db, user, values.get("current_password", ""), values.get("new_password", ""),
                                 values.get("repeat_password", ""), session.id if session else None)
    return render_page(request, "account/password.html",
                       {"errors": errors, "done": not errors, "min_length": MIN_PASSWORD, "temporary": temporary,
                        "home": home_for(user)}, status_code=422 if errors else 200)
