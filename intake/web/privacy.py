"""The participant's rights, from the case page: a data export to download (JSON or PDF), and erasure on request
behind a confirmation page. Both use intake/privacy.py, as `main.py export-case` and `erase-case` do."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from .. import access
from ..privacy import REASON_MAX, erase_case, erasure_request, export_case, export_document
from .admin import FormValues
from .deps import CurrentUser, LongRequest, ObjectId, SessionDep
from .templates import render_page

router = APIRouter(include_in_schema=False)
MEDIA_TYPES = {"json": "application/json", "pdf": "application/pdf"}


@router.get("/cases/{case_id}/export/{format}", dependencies=[LongRequest])
def export(case_id: ObjectId, format: str, user: CurrentUser, db: SessionDep):
    if format not in MEDIA_TYPES:
        raise access.NotFound()
    case = access.load_case(db, user, case_id, "case.export", audit_action="open-for-export")
    data = export_case(db, user, case, format, "via=web")
    body = export_document(data, format, in_worker=True)
    return Response(body, media_type=MEDIA_TYPES[format], headers={
        "Content-Disposition": f'attachment; filename="innsyn-sak-{case.id}.{format}"', "Cache-Control": "no-store"})


def _erase_page(request: Request, case, values: dict, errors=(), status_code: int = 200):
    return render_page(request, "privacy/erase.html", {"case": case, "values": values, "errors": list(errors),
                                                       "reason_max": REASON_MAX}, status_code=status_code)


@router.get("/cases/{case_id}/erase")
def erase_form(request: Request, case_id: ObjectId, user: CurrentUser, db: SessionDep):
    case = access.load_case(db, user, case_id, "case.erase", audit_action="read", detail="erasure form")
    return _erase_page(request, case, {"reason": "", "requested_on": ""})


@router.post("/cases/{case_id}/erase")
def erase(request: Request, case_id: ObjectId, user: CurrentUser, db: SessionDep, values: FormValues):
    case = access.load_case(db, user, case_id, "case.erase", audit_action="open-for-erase")
    reason, requested_on, errors = erasure_request(values)
    if errors:
        return _erase_page(request, case, values, errors, status_code=422)
    erase_case(db, user, case.id, reason, requested_on=requested_on)
    return RedirectResponse(f"/cases?erased={case.id}", status_code=303)
