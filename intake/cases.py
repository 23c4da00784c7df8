"""Case storage: create a case, save answers without losing any, section status, completion.

Saves are guarded twice. Per section, the version the form was loaded with must still be current, or the caller gets
a `Conflict` to show both versions (two tabs, two people). Per row, the UPDATE names the row version it read, so two
saves of different sections at the same moment are merged, never overwritten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

from sqlalchemy import bindparam, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from . import audit, clock
from .config import get_settings
from .domain import derived as derived_mod
from .domain.answers import (FieldError, Validation, check_value, draft_errors, is_empty_row, required_errors,
                             validate)
from .domain.messages import N_
from .domain.programme import load_programme
from .domain.questionnaire import Questionnaire, Section, default_questionnaire
from .models import Case, Organisation, User
from .models_plans import Plan
from .models_referrals import Consent, Referral

NOT_STARTED, IN_PROGRESS, COMPLETED, HAS_ERRORS = "not_started", "in_progress", "completed", "has_errors"
STATUS_LABELS = {NOT_STARTED: N_("Ikke påbegynt"), IN_PROGRESS: N_("Påbegynt"), COMPLETED: N_("Fullført"),
                 HAS_ERRORS: N_("Har feil")}


@lru_cache(maxsize=1)
def programme_history():
    return load_programme()


def programme_for(case: Case):
    return programme_history().on(case.mapping_date)


def check(case: Case, answers: dict[str, Any] | None = None, require: Iterable[Section] = (),
          questionnaire: Questionnaire | None = None) -> Validation:
    q = questionnaire or default_questionnaire()
    return validate(q, case.answers if answers is None else answers, programme=programme_for(case),
                    today=case.mapping_date, allow_synthetic=get_settings().demo, require=require)


def derived_values(case: Case) -> dict[str, Any]:
    return derived_mod.derive(case.answers, programme_for(case), case.mapping_date)


def _question_id(field_name: str) -> str:
    """The question an error's field belongs to (`participant.languages.2.level` -> `participant.languages`)."""
    return ".".join(field_name.split(".")[:2])


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


@dataclass
class Applied:
    validation: Validation  # of the answers as they would be stored (hidden ones dropped)
    errors: list[FieldError]  # every problem, repeat rows numbered as on screen
    unsaved: set[str]  # changed questions whose typed value cannot be stored: it stays a draft, the stored one stays


def apply_changes(case: Case, changes: dict[str, Any], *, read_errors: Iterable[FieldError] = (),
                  require: Iterable[Section] = ()) -> Applied:
    """The case's answers with `changes` applied and checked: what a save stores, and what its page shows.

    A changed value that cannot be read, or fails its type check, is not applied: the stored answer stays, so the
    questions that follow from it stay asked and keep their answers, and what was typed is kept as a draft. Empty
    repeat rows are not answers, but they are on screen, so errors name rows by their place on screen.
    """
    q = default_questionnaire()
    require = list(require)
    errors = list(read_errors)
    unsaved = {_question_id(e.field) for e in errors}
    for key, value in changes.items():
        question = q.by_id.get(key)
        if question is not None and not _empty(value):
            problems = check_value(question, value)
            if problems:
                errors.extend(problems)
                unsaved.add(key)
    merged = dict(case.answers)
    on_screen: dict[str, list[int]] = {}  # repeat id -> place on screen of each stored row
    for key, value in changes.items():
        if key in unsaved:
            continue
        question = q.by_id.get(key)
        if question is not None and question.type == "repeat" and isinstance(value, list):
            on_screen[key] = [i for i, row in enumerate(value) if not is_empty_row(row)]
            value = [row for row in value if not is_empty_row(row)]
        if _empty(value):
            merged.pop(key, None)
        else:
            merged[key] = value
    result = check(case, merged, require=require)
    for e in result.errors:
        key = _question_id(e.field)
        if key in unsaved:
            continue  # about the stored value, not the one on screen
        parts = e.field.split(".")
        if key in on_screen and len(parts) > 2 and parts[2].isdigit() and int(parts[2]) < len(on_screen[key]):
            e = FieldError(".".join([*parts[:2], str(on_screen[key][int(parts[2])]), *parts[3:]]), e.message)
        errors.append(e)
    # What is on screen but not stored (empty rows, unreadable values) is still required where the section is.
    required_sections = {s.id for s in require}
    for key in set(on_screen) | unsaved:
        question = q.by_id.get(key)
        if question is None or question.section not in required_sections or \
                not q.is_visible(question, result.answers):
            continue
        if question.type != "repeat" and not question.required:
            continue
        have = {e.field for e in errors}
        for e in required_errors(question, changes.get(key)):
            if e.field != question.id and e.field not in have:
                errors.append(e)
    return Applied(result, errors, unsaved)


def _strip_empty_rows(answers: dict[str, Any], questionnaire: Questionnaire) -> dict[str, Any]:
    out = {}
    for key, value in answers.items():
        q = questionnaire.by_id.get(key)
        if q is not None and q.type == "repeat" and isinstance(value, list):
            value = [r for r in value if isinstance(r, dict) and any(v not in (None, "", []) for v in r.values())]
            if not value:
                continue
        out[key] = value
    return out


def _sync_summary(answers: dict[str, Any], derived: dict[str, Any]) -> dict[str, Any]:
    """The case's columns copied from its answers, for the case list and its search."""
    deadline = derived.get("decision_deadline")
    return {
        "participant_name": (answers.get("participant.name") or "")[:200],
        "duf_number": (answers.get("participant.duf_number") or None),
        "decision_deadline": dt.date.fromisoformat(deadline) if deadline else None,
        **_leader_columns(answers, derived),
    }


def _leader_columns(answers: dict[str, Any], derived: dict[str, Any]) -> dict[str, Any]:
    """The columns the leaders' figures count over (intake/figures.py): the settlement date, and the guiding Norwegian
    goal as one level ("B1") or a range over the four skills ("A2–B1")."""
    settled = answers.get("participant.settlement_date")
    try:
        settlement = dt.date.fromisoformat(settled) if isinstance(settled, str) else None
    except ValueError:
        settlement = None
    goal = derived.get("norwegian_goal")
    levels = sorted({v for v in goal.values() if isinstance(v, str)}) if isinstance(goal, dict) else []
    return {"settlement_date": settlement,
            "norwegian_goal": (levels[0] if len(levels) == 1 else f"{levels[0]}–{levels[-1]}") if levels else None}


def leader_columns(answers: dict[str, Any], mapping_date: dt.date) -> dict[str, Any]:
    """`_leader_columns` for stored answers (the migration that added the columns fills them with it)."""
    return _leader_columns(answers, derived_mod.derive(answers, programme_history().on(mapping_date), mapping_date))


def create_case(db: Session, user: User, answers: dict[str, Any] | None = None) -> tuple[Case | None, list[FieldError]]:
    """A new case in the user's organisation; answers (from the API) are validated first, defaults filled in."""
    q = default_questionnaire()
    initial = _initial_answers(db, user.organisation_id)
    case = Case(organisation_id=user.organisation_id, created_by_id=user.id)
    result = check(case, {**initial, **(answers or {})})
    if answers is not None and result.errors:
        return None, result.errors
    case.answers = _strip_empty_rows(result.answers, q)
    for key, value in _sync_summary(case.answers, result.derived).items():
        setattr(case, key, value)
    db.add(case)
    db.flush()
    audit.record(db, user, "create", "case", case.id, organisation_id=case.organisation_id)
    db.commit()
    return case, []


def _initial_answers(db: Session, organisation_id: int) -> dict[str, Any]:
    """The answers a new case starts with: the questionnaire's defaults and the organisation's municipality."""
    org = db.get(Organisation, organisation_id)
    initial: dict[str, Any] = {}
    for question in default_questionnaire().questions():
        if question.default is not None:
            initial[question.id] = question.default
        if question.default_from == "user.municipality" and org and org.municipality_number:
            initial[question.id] = org.municipality_number
    return initial


def is_untouched(db: Session, case: Case) -> bool:
    """Started and never saved: "Ny kartlegging" made it with the defaults, and nothing has been stored in it since
    (no answer but the defaults, no draft, no consent, referral or plan)."""
    if case.version != 1 or case.drafts or case.status != "in_progress":
        return False
    initial = _initial_answers(db, case.organisation_id)
    if any(initial.get(key) != value for key, value in case.answers.items()):
        return False
    return not any(db.exec(select(model.id).where(model.case_id == case.id).limit(1)).first()
                   for model in (Plan, Referral, Consent))


def discard_untouched(db: Session, user: User, case: Case) -> bool:
    """Delete a case started by mistake (see is_untouched), audited; False, and nothing done, if anything was saved."""
    if not is_untouched(db, case):
        return False
    audit.record(db, user, "delete", "case", case.id, "never saved", organisation_id=case.organisation_id)
    db.delete(case)
    db.commit()
    return True


@dataclass
class Conflict:
    """Someone saved this section since the form was loaded: both versions, for the caseworker to choose."""

    case: Case
    theirs: dict[str, Any]  # stored values of the fields that differ
    mine: dict[str, Any]  # submitted values of the fields that differ
    version: int  # the section version (the case's, for a case_version conflict) to submit with to keep one's own


@dataclass
class Saved:
    case: Case
    validation: Validation
    errors: list[FieldError] = field(default_factory=list)  # errors on the fields of this save


@dataclass
class Refused:
    """An all-or-nothing save (the API's) that would have added a problem: nothing was stored."""

    case: Case
    errors: list[FieldError]


# The row-version guarded UPDATE of a save; the SET clause comes from the values given at execution.
_UPDATE_CASE = update(Case.__table__).where(Case.__table__.c.id == bindparam("case_id"),
                                            Case.__table__.c.version == bindparam("read_version"))


def section_version(case: Case, section_id: str) -> int:
    return int((case.sections or {}).get(section_id, {}).get("version", 0))


def save_answers(
    db: Session,
    user: User,
    case_id: int,
    changes: dict[str, Any],
    *,
    raw: dict[str, Any] | None = None,
    read_errors: list[FieldError] = (),
    section: Section | None = None,
    base_version: int | None = None,
    finish_section: bool = False,
    form_token: str | None = None,
    case_version: int | None = None,
    all_or_nothing: bool = False,
) -> Saved | Conflict | Refused:
    """Merge `changes` (question id -> value, None to clear) into the case and store them.

    `raw` holds what was typed for each changed field; where a field ends up with an error, that text is kept as a
    draft so it is shown again rather than lost. `finish_section` also requires the section's required answers and
    marks it completed when it has no errors. `form_token` names the page the post came from: when the section's last
    save came from the same page, a stale `base_version` is that page's own earlier autosave, not a conflict.
    `case_version` (the API's If-Match or base_version) is the whole case's version the change was made against:
    if the case has changed since, nothing is saved and the `Conflict` holds every changed field's two values.
    `all_or_nothing` (the API's): nothing is saved when an answer is invalid or the change makes a check fail, and
    the `Refused` names the problems; a problem the case already had does not block a change to other questions.
    """
    q = default_questionnaire()
    for attempt in range(20):
        # The first try may use the case as the request loaded it: if it changed since, the row-version guard below
        # fails and the retry reads it afresh.
        case = db.get(Case, case_id, populate_existing=attempt > 0)
        if case is None:
            raise LookupError(case_id)
        own_last_save = bool(form_token) and section is not None and \
            (case.sections or {}).get(section.id, {}).get("form") == form_token
        if case_version is not None and case.version != case_version:
            return Conflict(case, {k: case.answers.get(k) for k in changes}, dict(changes), case.version)
        if section is not None and base_version is not None and section_version(case, section.id) != base_version \
                and not own_last_save:
            theirs = {k: case.answers.get(k) for k in changes}
            mine = {k: v for k, v in changes.items()}
            differ = {k for k in changes if _normal(theirs[k]) != _normal(mine[k])}
            if differ:
                return Conflict(case, {k: theirs[k] for k in differ}, {k: mine[k] for k in differ},
                                section_version(case, section.id))
        applied = apply_changes(case, changes, read_errors=read_errors,
                                require=[section] if finish_section and section else [])
        result, errors = applied.validation, applied.errors
        if all_or_nothing and errors:
            refused = _new_problems(case, errors, changes)
            if refused:
                return Refused(case, refused)
        touched = set(changes) | applied.unsaved
        drafts = dict(case.drafts or {})
        for key in touched:
            typed = (raw or {}).get(key)
            # Kept as typed: a value that could not be stored, and rows just added and still empty (on screen).
            pending_rows = isinstance(typed, list) and any(isinstance(r, dict) and is_empty_row(r) for r in typed)
            if typed is not None and (key in applied.unsaved or pending_rows):
                drafts[key] = typed
            else:
                drafts.pop(key, None)
        # Answers hidden by this save take their drafts with them.
        drafts = {k: v for k, v in drafts.items() if q.by_id.get(k) is None or q.is_visible(q.by_id[k], result.answers)}
        new_answers = _strip_empty_rows(result.answers, q)
        sections = {k: dict(v) for k, v in (case.sections or {}).items()}
        # Every other section whose answers this save changes (an API PATCH touches several; a page's save can hide
        # another section's answers) counts as changed: a form of it loaded before gets the two-versions conflict.
        for other in _sections_changed(q, case.answers, new_answers) - {section.id if section else None}:
            state = sections.setdefault(other, {"version": 0, "completed": False})
            state["version"] = state.get("version", 0) + 1
            state["form"] = None
        if section is not None:
            state = sections.setdefault(section.id, {"version": 0, "completed": False})
            state["version"] = state.get("version", 0) + 1
            state["form"] = form_token
            # "Completed" is the caseworker's "Lagre og fortsett" without errors; only that sets or clears it. An
            # autosave with an error does not: section_status says "Har feil" while the error lasts, and once it is
            # put right the section is "Fullført" again, as the case (completed or not) says (#16 item 3).
            if finish_section:
                state["completed"] = not [e for e in errors if e.field.split(".")[0] == section.id]
        summary = _sync_summary(new_answers, result.derived)
        values = dict(answers=new_answers, drafts=drafts, sections=sections, version=case.version + 1,
                      updated_at=clock.now(), **summary)
        # A Core UPDATE on the table (the ORM's bulk update would also search the session for objects to refresh,
        # on every autosave), built once; the loaded case is given the stored values below.
        if db.execute(_UPDATE_CASE, {**values, "case_id": case.id, "read_version": case.version}).rowcount != 1:
            db.rollback()  # another save got in between: read again and merge onto it
            continue
        for key, value in values.items():
            set_committed_value(case, key, value)
        audit.record(db, user, "update", "case", case.id,
                     detail=f"section={section.id if section else '-'} fields={','.join(sorted(changes))[:1500]}",
                     organisation_id=case.organisation_id)
        db.commit()
        own = [e for e in errors if section is None or e.field.split(".")[0] == section.id]
        return Saved(case, result, own)
    raise RuntimeError("could not save after repeated concurrent updates")


def _new_problems(case: Case, errors: list[FieldError], changes: dict[str, Any]) -> list[FieldError]:
    """The errors a change brings: on a question it changes, or not among the problems the stored case already has.
    The stored case is checked only when there is an error to weigh (a save without one needs no second check)."""
    had = {(e.field, e.message) for e in check(case).errors}
    return [e for e in errors if (e.field, e.message) not in had or _question_id(e.field) in changes]


def stored_validation(saved: Saved) -> Validation:
    """The check of the case as `saved` stored it. A save without errors that stored exactly the answers it checked
    has it already (checking clean answers again finds the same); otherwise they are checked afresh."""
    if not saved.validation.errors and saved.validation.answers == saved.case.answers:
        return saved.validation
    return check(saved.case)


def _sections_changed(q: Questionnaire, before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    """The sections holding an answer that differs between the two."""
    return {q.by_id[k].section for k in set(before) | set(after) if before.get(k) != after.get(k) and k in q.by_id}


def _normal(value: Any) -> Any:
    return None if value in ("", [], {}) else value


def section_status(case: Case, section: Section, validation: Validation, required: Validation | None = None) -> str:
    """`validation` checks the stored answers; `required` (optional, computed when missing) checks them with every
    section's required answers asked for, so a section marked done that lacks something since is not "completed"."""
    if unsaved_questions(case, section) or validation.errors_for(section.id):
        return HAS_ERRORS
    ids = {q.id for q in section.questions}
    state = (case.sections or {}).get(section.id, {})
    answered = any(k in ids for k in case.answers if k not in _defaults())
    # A completed mapping had every section checked at completion, whether or not each was finished with "Lagre og
    # fortsett" (the API, or a section only autosaved): it is "Fullført" while it stays right.
    if state.get("completed") or case.status == "completed":
        required = required or check(case, require=[section])
        return IN_PROGRESS if required.errors_for(section.id) else COMPLETED
    return IN_PROGRESS if answered or state.get("version") else NOT_STARTED


def unsaved_questions(case: Case, section: Section) -> list[str]:
    """The section's questions whose typed text could not be stored (a row merely added and empty is not one)."""
    drafts = case.drafts or {}
    return [x.id for x in section.questions if x.id in drafts and draft_errors(x, drafts[x.id])]


@lru_cache(maxsize=1)
def _defaults() -> frozenset[str]:
    q = default_questionnaire()
    return frozenset(x.id for x in q.questions() if x.default is not None or x.default_from)


def open_problems(case: Case) -> list[FieldError]:
    """What stops the mapping from being complete: every required answer missing, every error, every typed text
    that could not be stored. Empty when every section is "Fullført"-worthy."""
    q = default_questionnaire()
    result = check(case, require=q.sections)
    return result.errors + [FieldError(k, N_("Svaret er ikke lagret fordi det har feil."))
                            for s in q.sections for k in unsaved_questions(case, s)]


def complete_mapping(db: Session, user: User, case: Case) -> list[FieldError]:
    """Mark the mapping complete when every required question is answered and nothing has errors.

    Completing twice keeps the first date and caseworker: that is when, and by whom, the mapping was done."""
    if case.status == "completed":
        return []
    errors = open_problems(case)
    if errors:
        return errors
    stmt = (update(Case).where(Case.id == case.id, Case.version == case.version)
            .values(status="completed", completed_at=clock.now(), completed_by_id=user.id, version=case.version + 1))
    if db.exec(stmt).rowcount != 1:
        db.rollback()
        return [FieldError("case", N_("Saken ble endret samtidig. Se over svarene og prøv igjen."))]
    audit.record(db, user, "complete", "case", case.id, organisation_id=case.organisation_id)
    db.commit()
    return []
