"""The integration plan (integreringsplan): made from a completed mapping's proposals, shaped by the caseworker, and
fixed ("fastsatt") as versions that are kept unchanged.

- `proposals`: the rules' proposals as elements, and the values derived for the plan
- `settings`: goals and scope, checked against what the law allows
- `elements`: decisions on proposals, and the caseworker's own elements
- `printed`: the printed document built from the plan, with the decision's reasons
- `content`: what the law requires of the programme's content (work- or education-oriented elements)
- `fixing`: what stops fixing, the warnings that need a reason, the stored version
- `pdf_worker`: the PDFs, rendered in the PDF worker process (intake/pdf_worker.py)

Checks give messages at the field they concern (`FieldError`): `N_` messages, said in the reader's language when
shown. Every change is audited with the change and bumps the plan's row version; settings and fixing name the version
they were made from, so a plan changed in another tab is never overwritten or fixed unseen.
"""

from ..cases import derived_values, programme_for
from .content import ORIENTED_CHOICES, ORIENTED_LABELS, WORK_MINIMUM, content_notes, content_problems, oriented_kind
from .common import (ACCEPTED, GOAL_FIELDS, MAX_REASON, MAX_TITLE, PROGRESS_LABELS, PROPOSED, REJECTED, SETTINGS_FIELDS,
                     STALE_MESSAGE, STATUS_LABELS, element_field, elements_of, parse_date)
from .elements import accept_required, add_element, decide, edit_element, required_content, undecided
from .fixing import (Prepared, Readiness, decision_fingerprint, element_problems, fix_plan,
                     fix_problems, fix_warnings, get_version, plan_state, prepare_fix, preview_document, readiness,
                     store_version, unchanged, unprintable, versions_of)
from .printed import BEFORE_GUIDANCE, FIX_REASONS, LATE, build_document, document_from_json, document_to_json
from .pdf_worker import render_documents, render_pdf
from .proposals import (Refreshed, career_guidance, create_plan, current_proposals, default_language, plan_derived,
                        proposals_basis, proposals_stale, refresh_proposals)
from .settings import (SettingsSaved, below_guiding, departs_from_main_rule, plan_norwegian_goal, reason_problems,
                       save_settings, settings_form, settings_problems, settled_on)

__all__ = [
    "FIX_REASONS", "GOAL_FIELDS", "ORIENTED_CHOICES", "ORIENTED_LABELS", "WORK_MINIMUM", "below_guiding",
    "content_notes", "content_problems", "departs_from_main_rule", "oriented_kind", "plan_norwegian_goal",
    "reason_problems",
    "ACCEPTED", "BEFORE_GUIDANCE", "LATE", "MAX_REASON", "MAX_TITLE", "PROGRESS_LABELS", "PROPOSED", "Prepared",
    "REJECTED", "Readiness", "Refreshed", "SETTINGS_FIELDS", "STALE_MESSAGE", "STATUS_LABELS", "SettingsSaved",
    "accept_required", "add_element", "build_document", "career_guidance", "create_plan", "current_proposals", "decide",
    "decision_fingerprint", "default_language", "derived_values", "document_from_json", "document_to_json",
    "edit_element", "element_field", "element_problems", "elements_of", "fix_plan", "fix_problems", "fix_warnings",
    "get_version", "parse_date", "plan_derived", "plan_state", "prepare_fix", "preview_document", "programme_for",
    "proposals_basis", "proposals_stale", "readiness", "refresh_proposals", "render_documents", "render_pdf",
    "required_content", "save_settings", "settings_form", "settings_problems", "settled_on", "store_version",
    "unchanged", "undecided", "unprintable", "versions_of",
]
