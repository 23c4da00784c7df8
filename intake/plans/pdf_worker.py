"""The plan's PDFs, rendered in the PDF worker process that makes every PDF of the app (intake/pdf_worker.py)."""

from __future__ import annotations

from .. import pdf_worker
from ..plan.document import PlanDocument


def render_pdf(doc: PlanDocument) -> bytes:
    """The plan as its tagged PDF; blocks until the worker is done (raises TimeoutError after its time limit)."""
    from ..plan.render import render_plan_pdf

    return pdf_worker.run(render_plan_pdf, doc)


def render_documents(doc: PlanDocument) -> dict[str, bytes]:
    """Every document of a version (the plan and the integration contract beside it) as a tagged PDF, in one task
    of the worker; blocks until it is done (raises TimeoutError after its time limit)."""
    from ..plan.render import render_documents as render

    return pdf_worker.run(render, doc)
