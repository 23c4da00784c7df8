"""The referral's print view and PDF: one template (templates/referrals/print.html) rendered to HTML for the browser
and through WeasyPrint for the PDF. Norwegian only; system fonts (DejaVu) cover its Latin text."""

from __future__ import annotations


from . import clock, i18n, pdf_worker
from .config import ROOT
from .domain.questionnaire import default_questionnaire
from .referrals import ReferralDetail, labels
from .web.forms import display
from .web.templates import templates

STYLESHEET = ROOT / "static" / "referral-print.css"


def render_print_html(d: ReferralDetail, *, stylesheet_href: str | None = None) -> str:
    """The print view: what the reader's side may see of the referral, and nothing else. A document between two
    public bodies, so in bokmål whatever language the reader's screen is in."""
    with i18n.language("nb"):
        return templates.env.get_template("referrals/print.html").render(
            d=d, labels=labels(), display=display, questionnaire=default_questionnaire(),
            stylesheet_href=stylesheet_href, printed_at=clock.now())


def render_pdf(d: ReferralDetail) -> bytes:
    """A tagged PDF of the print view, made in the PDF worker process (blocks: not on the event loop)."""
    return pdf_worker.run(pdf_worker.html_pdf, render_print_html(d), str(ROOT), str(STYLESHEET))
