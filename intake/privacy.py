"""A participant's rights and the retention rule: data export (JSON, PDF), erasure on request, purge after N years.

Rows that belong to a case (referrals, plans and whatever is added later) are found from the database's own foreign
keys to `case.id`, followed to any depth, so export and deletion cover new tables without changes here.
The audit log keeps a record of each export and deletion, without the deleted answers; the erasure register
(intake/erasures.py, outside the database) keeps that a case was deleted, so that a restore does not bring it back.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import MetaData, Table, update
from sqlalchemy import select as select_rows
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, or_, select

from . import audit, clock, erasures, ledger, pdf_worker
from .cases import derived_values
from .domain.answers import FieldError
from .domain.messages import N_
from .domain.guidance import read_date, read_text
from .domain.questionnaire import default_questionnaire
from .models import Case, Organisation, User
from .models_referrals import CENTRE_PRIVATE_TABLES

CLOSED_STATUSES = ("completed", "closed")
EXPORT_FORMAT = "kartlegging-eksport/1"
STATUS_TEXT = {"in_progress": "Kartlegging pågår", "completed": "Kartlegging fullført", "closed": "Avsluttet"}
TABLE_TEXT = {"referral": "Henvisning til karrieresenteret", "plan": "Integreringsplan", "plan_version": "Versjon av planen"}


# --- rows belonging to a case -----------------------------------------------------------------------------------


def _reflect(conn: Connection) -> MetaData:
    meta = MetaData()
    meta.reflect(bind=conn)
    return meta


@dataclass
class Dependents:
    """Every row that hangs off one case (through foreign keys, at any depth), by table."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.rows.items() if rows}


def _children(meta: MetaData, parent: str) -> list[tuple[Table, Any, str]]:
    """(child table, its foreign-key column, the parent column it points at) for every FK into `parent`."""
    out = []
    for table in meta.tables.values():
        for fk in table.foreign_keys:
            if fk.column.table.name == parent:
                out.append((table, fk.parent, fk.column.name))
    return out


def dependents(conn: Connection, case_id: int, meta: MetaData | None = None) -> Dependents:
    meta = meta if meta is not None else _reflect(conn)
    found = Dependents()
    frontier = [("case", meta.tables["case"], [{"id": case_id}])]
    seen: set[tuple[str, Any]] = set()
    while frontier:
        next_frontier = []
        for parent_name, _parent, parent_rows in frontier:
            for child, fk_col, target_col in _children(meta, parent_name):
                keys = [r[target_col] for r in parent_rows if r.get(target_col) is not None]
                if not keys or child.name == "case":
                    continue
                rows = [dict(r._mapping) for r in conn.execute(select_rows(child).where(fk_col.in_(keys)))]
                pk = [c.name for c in child.primary_key.columns]
                new = [r for r in rows if (child.name, tuple(r[c] for c in pk)) not in seen]
                if not new:
                    continue
                seen.update((child.name, tuple(r[c] for c in pk)) for r in new)
                found.rows.setdefault(child.name, []).extend(new)
                found.tables[child.name] = child
                next_frontier.append((child.name, child, new))
        frontier = next_frontier
    return found


def _delete_order(tables: dict[str, Table]) -> list[str]:
    """Tables in an order that deletes children before parents (nullable foreign keys are cleared first)."""
    must_precede = {name: {fk.column.table.name for fk in t.foreign_keys
                           if not fk.parent.nullable and fk.column.table.name in tables and fk.column.table.name != name}
                    for name, t in tables.items()}
    order: list[str] = []
    left = dict(must_precede)
    while left:
        # a table goes once no remaining table still has to be deleted before it (i.e. references it)
        ready = sorted(n for n in left if not any(n in parents for m, parents in left.items() if m != n))
        if not ready:
            ready = sorted(left)  # a cycle of required keys: let the database say so
        for n in ready:
            order.append(n)
            left.pop(n)
    return order


def _delete_case_rows(db: Session, case: Case, meta: MetaData | None = None) -> dict[str, int]:
    """Delete the case and every row that belongs to it; the counts per table."""
    conn = db.connection()
    deps = dependents(conn, case.id, meta)
    # Clear nullable foreign keys between the rows to be deleted first (e.g. a referral naming its consent).
    for name, table in deps.tables.items():
        pk = list(table.primary_key.columns)
        nullable = [fk.parent.name for fk in table.foreign_keys
                    if fk.parent.nullable and fk.column.table.name in deps.tables]
        if nullable and len(pk) == 1:
            ids = [r[pk[0].name] for r in deps.rows[name]]
            conn.execute(update(table).where(pk[0].in_(ids)).values({c: None for c in nullable}))
    for name in _delete_order(deps.tables):
        table = deps.tables[name]
        key = list(table.primary_key.columns) or list(table.columns)  # a table without a key: match the whole row
        for row in deps.rows[name]:
            conn.execute(table.delete().where(*[c.is_(None) if row[c.name] is None else c == row[c.name]
                                                for c in key]))
    db.delete(case)
    db.flush()
    return {"case": 1, **deps.counts()}


# --- export --------------------------------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def export_case(db: Session, actor: User | None, case: Case, fmt: str = "json", detail: str = "") -> dict[str, Any]:
    """Everything stored about the participant in this case, with question labels; the export is audited."""
    from .web.forms import display

    q = default_questionnaire()
    org = db.get(Organisation, case.organisation_id)
    sections = []
    for section in q.sections:
        answers = []
        for question in section.questions:
            if question.id not in case.answers:
                continue
            value = case.answers[question.id]
            answers.append({"question": question.id, "label": question.label["nb"], "value": value,
                            "text": display(question, value), "sensitive": question.sensitive})
        sections.append({"id": section.id, "title": section.title["nb"], "sensitive": section.sensitive,
                         "answers": answers})
    # The municipality's records of the participant: the career centre's own (its contract and sessions) are the
    # centre's to give access to, not the municipality's.
    related = {table: rows for table, rows in dependents(db.connection(), case.id).rows.items()
               if table not in CENTRE_PRIVATE_TABLES}
    data = {
        "format": EXPORT_FORMAT,
        "exported_at": clock.now().isoformat(timespec="seconds"),
        "organisation": org.name if org else "",
        "case": {"id": case.id, "status": case.status, "mapping_date": case.mapping_date,
                 "created_at": case.created_at, "updated_at": case.updated_at, "completed_at": case.completed_at},
        "sections": sections,
        "drafts": case.drafts or {},
        "derived": derived_values(case),
        "related": related,
    }
    audit.record(db, actor, "export", "case", case.id, f"format={fmt} {detail}".strip(),
                 organisation_id=case.organisation_id)
    db.commit()
    return _jsonable(data)


def export_document(data: dict[str, Any], fmt: str, *, in_worker: bool = False) -> bytes:
    """The export as the file handed over: indented UTF-8 JSON, or the PDF (made in the PDF worker process when
    `in_worker`, as the web does, so the server's process is not held by it; the CLI makes it itself)."""
    if fmt == "pdf":
        html = export_html(data)
        return pdf_worker.run(pdf_worker.html_pdf, html) if in_worker else pdf_worker.html_pdf(html)
    return json.dumps(data, ensure_ascii=False, indent=2).encode() + b"\n"


def export_html(data: dict[str, Any]) -> str:
    """The export as a simple Norwegian document, printed as its PDF: every answer with its question, sensitive ones
    marked."""
    from .web.templates import templates

    return templates.env.get_template("privacy/export.html").render(data=data, status_text=STATUS_TEXT,
                                                                     table_text=TABLE_TEXT)


# --- erasure and retention ---------------------------------------------------------------------------------------


REASON_MAX = 500  # the reason is kept in the audit entry


def erasure_request(values: dict[str, Any], today: dt.date | None = None
                    ) -> tuple[str, dt.date | None, list[FieldError]]:
    """The reason and the date of the participant's request, read from a form: (reason, date, errors)."""
    errors: list[FieldError] = []
    reason = read_text(values, "reason", N_("Begrunnelsen for slettingen"), errors, required=True, max_length=REASON_MAX)
    requested_on = read_date(values, "requested_on", N_("Datoen deltakeren ba om sletting"), errors, required=True,
                             not_after=today or clock.today())
    return reason, requested_on, errors


def erase_case(db: Session, actor: User | None, case_id: int, reason: str, by: str = "",
               requested_on: dt.date | None = None) -> dict[str, int] | None:
    """Erase one case on the participant's request; the audit entry keeps who, when, why and what was deleted, and
    the erasure register (outside the database) that it happened."""
    case = db.get(Case, case_id)
    if case is None:
        return None
    created_at = case.created_at
    counts = _delete_case_rows(db, case)
    who = by or (actor.username if actor else "")
    requested = f" requested={requested_on.isoformat()}" if requested_on else ""
    entry = audit.record(db, actor, "erase", "case", case_id,
                         f"reason={' '.join(reason.split())[:REASON_MAX]}{requested} by={who} "
                         f"deleted={_counts_text(counts)}", organisation_id=case.organisation_id)
    db.commit()
    _register(db, case_id, created_at, entry)
    return counts


def _register(db: Session, case_id: int, created_at: dt.datetime, entry) -> None:
    """Add a committed erasure to the register, so that a restore cannot bring the case back."""
    ledger.for_session(db).append_erasure(db, erasures.Erasure(case_id, erasures.moment(created_at),
                                                               erasures.moment(entry.at), entry.id, entry.action))


def reapply_erasures(db: Session) -> tuple[list[str], list[str]]:
    """After a restore: erase again each case of the erasure register that the database holds (the same case: the
    same id and creation time), each audited. (what was done, problems reading the register)."""
    found, problems = ledger.for_session(db).read_erasures(db)
    done: list[str] = []
    meta = None
    for erased in found:
        case = db.get(Case, erased.case_id)
        if case is None:
            continue
        if erasures.moment(case.created_at) != erased.created_at:
            done.append(f"kept case {case.id}: the erased case {case.id} was created {erased.created_at}, this one "
                        f"{erasures.moment(case.created_at)}")
            continue
        meta = meta if meta is not None else _reflect(db.connection())
        org_id = case.organisation_id
        counts = _delete_case_rows(db, case, meta)
        audit.record(db, None, erased.action, "case", erased.case_id,
                     f"again after a restore: erased {erased.erased_at} (audit entry {erased.audit_entry_id}) "
                     f"deleted={_counts_text(counts)}", organisation_id=org_id)
        db.commit()
        done.append(f"erased case {erased.case_id} again ({erased.action} of {erased.erased_at}, "
                    f"audit entry {erased.audit_entry_id})")
    return done, problems


def _counts_text(counts: dict[str, int]) -> str:
    return ",".join(f"{name}:{n}" for name, n in sorted(counts.items()))


def cutoff(years: int, now: dt.datetime | None = None) -> dt.datetime:
    now = now or clock.now()
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def last_activity(db: Session, case: Case, meta: MetaData | None = None) -> dt.datetime:
    """The latest time anything about the case changed, its referrals and plans included."""
    times = [_aware(case.updated_at), _aware(case.completed_at)]
    for rows in dependents(db.connection(), case.id, meta).rows.values():
        for row in rows:
            times.extend(_aware(v) for k, v in row.items() if k in ("created_at", "updated_at", "closed_at")
                         and isinstance(v, dt.datetime))
    return max(t for t in times if t is not None)


@dataclass
class Purged:
    case_id: int
    organisation_id: int
    last_activity: dt.datetime
    deleted: dict[str, int]


def purge(db: Session, years: int, *, dry_run: bool = False, now: dt.datetime | None = None) -> list[Purged]:
    """Delete completed or closed cases with no activity for `years` years; each deletion is audited."""
    limit = cutoff(years, now)
    candidates = db.exec(select(Case).where(col(Case.status).in_(CLOSED_STATUSES), col(Case.updated_at) < limit,
                                            or_(col(Case.completed_at).is_(None), col(Case.completed_at) < limit))
                         .order_by(col(Case.id))).all()
    done = []
    meta = _reflect(db.connection()) if candidates else None
    for case in candidates:
        last = last_activity(db, case, meta)
        if last >= limit:
            continue
        if dry_run:
            counts = {"case": 1, **dependents(db.connection(), case.id, meta).counts()}
        else:
            org_id, case_id, created_at = case.organisation_id, case.id, case.created_at
            counts = _delete_case_rows(db, case, meta)
            entry = audit.record(db, None, "purge", "case", case_id,
                                 f"retention={years} years last_activity={last.date().isoformat()} "
                                 f"deleted={_counts_text(counts)}", organisation_id=org_id)
            db.commit()
            _register(db, case_id, created_at, entry)
        done.append(Purged(case.id, case.organisation_id, last, counts))
    return done
