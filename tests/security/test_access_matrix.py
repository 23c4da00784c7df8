"""Every route of the app, walked from `app.routes`: nobody gets in without logging in, another organisation's case,
referral or plan answers exactly like one that does not exist, and each role gets what `access.PERMISSIONS` gives it.

A new route is covered the day it is added. A new path parameter makes the test fail until `OBJECTS` below learns
how to make a value for it, so nobody can add a route the test silently skips.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable

import pytest
from sqlmodel import select
from fastapi.routing import APIRoute, iter_route_contexts

from intake.models import Organisation, User
from tests.personas import AMAL

PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/healthz"), ("GET", "/"), ("GET", "/api/openapi.json"),
          ("GET", "/favicon.ico"),  # the icon, asked for before any login (#16 item 16)
          ("GET", "/api/docs"), ("GET", "/api/docs/oauth2-redirect"),
          ("GET", "/language/{lang}"),  # the language switch: on the login page too
          ("GET", "/login/sso/{name}"), ("GET", "/login/sso/callback"),  # single sign-on (tests/oidc/)
          ("GET", "/readyz"), ("GET", "/metrics")}  # for the load balancer; /metrics has its own token
# Path parameters that name an object belonging to an organisation: another organisation's user must get 404.
OWNED = ("case_id", "referral_id", "plan_id", "element_id", "version_id", "consent_id", "session_id", "contract_id",
         "summary_id", "token_id")  # an API token belongs to its user's organisation
MISSING_ID = 987_654_321
HUGE_ID = 10**20  # more than any database integer holds: must be a plain 404, not a database error


def routes(app) -> list[tuple[str, str, APIRoute]]:
    """(method, path, route) of every API and page route, routers included (FastAPI keeps those nested)."""
    out = []
    for ctx in iter_route_contexts(app.routes):
        if isinstance(ctx.original_route, APIRoute):
            for method in sorted(set(ctx.methods) - {"HEAD", "OPTIONS"}):
                if (method, ctx.path) not in PUBLIC:
                    out.append((method, ctx.path, ctx.original_route))
    return out


def params(path: str) -> list[str]:
    return re.findall(r"{(\w+)(?::\w+)?}", path)


@dataclass
class World:
    """One municipality's case with a referral and a plan, and people of every role in it and in other places."""

    home: Organisation
    centre: Organisation  # the home county's career centre
    case_id: int
    ids: dict[str, Any]
    users: dict[str, User]  # role -> user in `home` (counsellor: in `centre`)
    strangers: dict[str, User]  # role -> user in another county's municipality or career centre


def _referral(db, case_id, home, centre, user):
    from intake.models_referrals import Referral

    referral = Referral(case_id=case_id, from_organisation_id=home.id, to_organisation_id=centre.id,
                        contact_user_id=user.id, created_by_id=user.id, status="sent")
    db.add(referral)
    db.commit()
    return referral.id


def _session(db, referral_id, user):
    """A guidance session of the world's referral (its notes: the centre's own, #16 item 9)."""
    from intake.models_referrals import GuidanceSession

    session = GuidanceSession(referral_id=referral_id, held_on=dt.date.today(), form="phone", created_by_id=user.id)
    db.add(session)
    db.commit()
    return session.id


def _consent(db, case_id, home, centre, user):
    from intake.models_referrals import Consent

    consent = Consent(case_id=case_id, organisation_id=home.id, recipient_organisation_id=centre.id,
                      sections=["participant"], given_how="in_writing", given_on=dt.date.today(),
                      recorded_by_id=user.id)
    db.add(consent)
    db.commit()
    return consent.id


def _element(db, plan_id):
    from intake.models_plans import PlanElement

    element = PlanElement(plan_id=plan_id, title="Norskopplæring")
    db.add(element)
    db.commit()
    return element.id


def _plan(db, case_id, home, user):
    from intake.models_plans import Plan

    plan = Plan(case_id=case_id, organisation_id=home.id, created_by_id=user.id)
    db.add(plan)
    db.commit()
    return plan.id


def _token(db, user):
    from intake.models import ApiToken
    from intake.security import create_api_token, token_digest

    token = create_api_token(db, user, name="Fagsystemet")
    return db.exec(select(ApiToken).where(ApiToken.token_hash == token_digest(token))).one().id


@pytest.fixture
def world(db, make_org, make_user, make_case) -> World:
    home = make_org(municipality_number="3301", county_code="33")
    centre = make_org(kind="career_centre", county_code="33")
    away = make_org(municipality_number="4601", county_code="46")
    away_centre = make_org(kind="career_centre", county_code="46")
    users = {role: make_user(role, home) for role in ("caseworker", "leader", "admin")}
    users["counsellor"] = make_user("counsellor", centre)
    strangers = {role: make_user(role, away) for role in ("caseworker", "leader", "admin")}
    strangers.update({f"centre-{role}": make_user(role, away_centre) for role in ("counsellor", "leader")})
    case = make_case(users["caseworker"], AMAL)
    ids: dict[str, Any] = {"case_id": case.id}
    world_ids = ids
    lazy: dict[str, Callable[[], Any]] = {
        "referral_id": lambda: _referral(db, case.id, home, centre, users["caseworker"]),
        "plan_id": lambda: _plan(db, case.id, home, users["caseworker"]),
        "consent_id": lambda: _consent(db, case.id, home, centre, users["caseworker"]),
        "element_id": lambda: _element(db, world_ids.setdefault("plan_id", lazy["plan_id"]())),
        "token_id": lambda: _token(db, users["caseworker"]),
        "session_id": lambda: _session(db, world_ids["referral_id"] if "referral_id" in world_ids
                                       else world_ids.setdefault("referral_id", lazy["referral_id"]()),
                                       users["counsellor"]),
    }
    ids["_lazy"] = lazy
    return World(home, centre, case.id, ids, users, strangers)


# How to fill each path parameter: an owned object of the world, or a plain value.
VALUES = {"section_id": "participant", "code": "33", "number": 1, "version": 1, "lang": "nb", "language": "nb", "format": "pdf"}


def fill(path: str, world: World, missing: int | None = None, **given: Any) -> str:
    """The path with real values; with `missing`, every owned id replaced by that (an id nothing has); a parameter
    named in `given` gets that value."""
    values = {}
    for name in params(path):
        if name in given:
            values[name] = given[name]
        elif name in VALUES:
            values[name] = VALUES[name]
        elif name == "user_id":
            values[name] = world.users["caseworker"].id
        elif name in world.ids or name in world.ids["_lazy"]:
            if name not in world.ids:
                world.ids[name] = world.ids["_lazy"][name]()
            values[name] = missing if missing is not None else world.ids[name]
        else:
            pytest.fail(f"{path}: no value for the path parameter {{{name}}}; teach tests/security/test_access_matrix.py "
                        f"(VALUES, or World for an object that belongs to an organisation)")
    return re.sub(r"{(\w+)(?::\w+)?}", lambda m: str(values[m[1]]), path)


def example(schema: dict, components: dict) -> Any:
    """A small valid value for a JSON schema (from the app's OpenAPI document), so an API call gets past body
    validation and reaches the access check."""
    if "$ref" in schema:
        return example(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"]
            return example(options[0], components)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object":
        return {name: example(sub, components) for name, sub in schema.get("properties", {}).items()
                if name in schema.get("required", [])}
    if kind == "array":
        return [example(schema.get("items", {}), components) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return max(1.0, schema.get("minimum", 1.0))
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return dt.date.today().isoformat()
    if schema.get("format") == "date-time":
        return dt.datetime.now(dt.timezone.utc).isoformat()
    return "x" * max(1, schema.get("minLength", 1))


def body_for(app, method: str, path: str) -> Any:
    spec = app.openapi()
    operation = spec["paths"].get(path, {}).get(method.lower(), {})
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    return example(content["schema"], spec.get("components", {}).get("schemas", {})) if content else {}


def call(client, method: str, url: str, csrf: str | None = None, path: str | None = None):
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    if method == "GET":
        return client.get(url, headers=headers)
    if url.startswith("/api/"):
        return client.request(method, url, json=body_for(client.app, method, path or url), headers=headers)
    return client.request(method, url, data={"_csrf": csrf or ""}, headers=headers)


def test_the_app_has_routes_of_every_kind(app):
    paths = {p for _, p, _ in routes(app)}
    assert "/cases/{case_id}" in paths and "/admin/users" in paths and "/audit" in paths


def test_no_route_answers_without_a_login(app, client, world):
    problems = []
    for method, path, _ in routes(app):
        url = fill(path, world)
        r = call(client, method, url, path=path)
        if url.startswith(("/api/", "/session/")):  # JSON: the API, and the page script's /session/extend
            ok = r.status_code == 401
        else:
            ok = r.status_code == 303 and r.headers["location"].startswith("/login")
        if not ok:
            problems.append(f"{method} {path}: {r.status_code}")
    assert not problems, "routes answering without a login:\n" + "\n".join(problems)


def test_another_organisations_objects_answer_like_ones_that_do_not_exist(app, logged_in, world):
    clients = {role: logged_in(user) for role, user in world.strangers.items()}
    problems = []
    checked = 0
    for method, path, _ in routes(app):
        if not any(p in OWNED for p in params(path)):
            continue
        checked += 1
        statuses = {}
        for role, c in clients.items():
            real = call(c, method, fill(path, world), c.csrf, path).status_code
            missing = call(c, method, fill(path, world, missing=MISSING_ID), c.csrf, path).status_code
            statuses[role] = real
            # 403 is allowed only where the role may never do this at all (the same for an id that does not exist)
            if real not in (403, 404) or real != missing:
                problems.append(f"{method} {path} as another organisation's {role}: {real} (missing id: {missing})")
        huge = call(clients["caseworker"], method, fill(path, world, missing=HUGE_ID), clients["caseworker"].csrf, path)
        if huge.status_code >= 500 or huge.status_code == 200:
            problems.append(f"{method} {path} with id {HUGE_ID}: {huge.status_code}")
        if 404 not in statuses.values():
            problems.append(f"{method} {path}: no other organisation's user got 404 ({statuses})")
    assert checked >= 5
    assert not problems, "\n".join(problems)


# --- what each role may do in its own organisation ----------------------------------------------------------------

# (method, path) -> {role: expected status}; counsellors work at the career centre, so a municipality's case is
# another organisation's to them.
OWN_ORGANISATION = {
    ("GET", "/cases"): {"caseworker": 200, "leader": 200, "admin": 403, "counsellor": 303},  # to their referrals
    ("GET", "/cases/{case_id}"): {"caseworker": 200, "leader": 200, "admin": 404, "counsellor": 404},
    ("GET", "/cases/{case_id}/sections/{section_id}"): {"caseworker": 200, "leader": 403, "admin": 404,
                                                        "counsellor": 404},
    ("POST", "/cases/{case_id}/sections/{section_id}"): {"caseworker": 200, "leader": 403, "admin": 404,
                                                         "counsellor": 404},
    ("POST", "/cases/new"): {"caseworker": 303, "leader": 403, "admin": 403, "counsellor": 403},
    ("GET", "/api/v1/cases/{case_id}"): {"caseworker": 200, "leader": 200, "admin": 404, "counsellor": 404},
    ("GET", "/audit"): {"caseworker": 403, "leader": 200, "admin": 403, "counsellor": 403},
    ("GET", "/oversikt"): {"caseworker": 403, "leader": 200, "admin": 403, "counsellor": 403},
    ("GET", "/oversikt.csv"): {"caseworker": 403, "leader": 200, "admin": 403, "counsellor": 403},
    ("GET", "/regelverk"): {"caseworker": 200, "leader": 200, "admin": 403, "counsellor": 403},
    ("GET", "/admin/users"): {"caseworker": 403, "leader": 403, "admin": 200, "counsellor": 403},
    ("GET", "/admin/organisations"): {"caseworker": 403, "leader": 403, "admin": 200, "counsellor": 403},
    ("GET", "/admin/tokens"): {"caseworker": 403, "leader": 403, "admin": 200, "counsellor": 403},
    ("POST", "/admin/tokens/{token_id}/revoke"): {"caseworker": 403, "leader": 403, "admin": 303, "counsellor": 403},
    ("POST", "/admin/users/{user_id}/password"): {"caseworker": 403, "leader": 403, "admin": 200, "counsellor": 403},
    ("GET", "/account/password"): {"caseworker": 200, "leader": 200, "admin": 200, "counsellor": 200},
    ("GET", "/cases/{case_id}/export/{format}"): {"caseworker": 200, "leader": 200, "admin": 404, "counsellor": 404},
    ("GET", "/cases/{case_id}/erase"): {"caseworker": 403, "leader": 200, "admin": 404, "counsellor": 404},
    # without a reason: the form again (422), nothing erased
    ("POST", "/cases/{case_id}/erase"): {"caseworker": 403, "leader": 422, "admin": 404, "counsellor": 404},
}


@pytest.mark.parametrize("role", ["caseworker", "leader", "admin", "counsellor"])
def test_each_role_gets_what_the_permissions_table_gives_it(logged_in, world, role):
    c = logged_in(world.users[role])
    got = {}
    for (method, path), expected in OWN_ORGANISATION.items():
        got[(method, path)] = call(c, method, fill(path, world), c.csrf, path).status_code
    wrong = {k: (v, OWN_ORGANISATION[k][role]) for k, v in got.items() if v != OWN_ORGANISATION[k][role]}
    assert not wrong, f"{role}: (got, expected) {wrong}"


def test_the_navigation_shows_each_role_its_own_pages(logged_in, world):
    from tests.web.pages import Page

    def nav(role):
        return Page(logged_in(world.users[role]).get("/account/password")).text("nav.header-nav")

    assert "Revisjonslogg" in nav("leader") and "Administrasjon" not in nav("leader")
    assert "Administrasjon" in nav("admin") and "Revisjonslogg" not in nav("admin")
    assert "Revisjonslogg" not in nav("caseworker") and "Administrasjon" not in nav("caseworker")
    assert all("Endre passord" in nav(r) for r in ("caseworker", "leader", "admin", "counsellor"))


# --- ids no row can have ------------------------------------------------------------------------------------------

BEYOND_64_BITS = 2**64  # beyond SQLite's and PostgreSQL's largest integer: the database would fail, not miss


def test_an_id_beyond_any_integer_column_is_a_plain_404_on_every_route(app, logged_in, api_client, world):
    """#12 item 9: each path parameter in turn set to 2**64, the others real, for every role of the organisation
    that owns them: never a server error, and for an id (every parameter `intake.web.deps.ObjectId` types) a 404."""
    pages = {role: logged_in(user) for role, user in world.users.items()}
    apis = {role: api_client(user) for role, user in world.users.items()}
    problems = []
    walked = 0
    for method, path, route in routes(app):
        for name in params(path):
            walked += 1
            url = fill(path, world, **{name: BEYOND_64_BITS})
            for role in world.users:
                client = apis[role] if path.startswith("/api/") else pages[role]
                try:
                    status = call(client, method, url, getattr(client, "csrf", None), path).status_code
                except Exception as e:  # the test client raises what the server would answer with a 500
                    status = f"500 ({type(e).__name__})"
                    problems.append(f"{method} {url} as {role}: {status}")
                    continue
                if status >= 500 or (name.endswith("_id") or name == "number") and status != 404:
                    problems.append(f"{method} {url} as {role}: {status}")
    assert walked > 40
    assert not problems, "\n".join(problems)


def test_an_id_beyond_any_integer_column_in_a_form_or_query_is_said_at_its_field(app, logged_in, world):
    """The same id typed in a form field or a query (the audit log's case, the county's career centre, a new user's
    organisation, the plan's hidden row version): 422 with the Norwegian message at that field, or a conflict."""
    from tests.web.pages import Page

    huge = str(BEYOND_64_BITS)
    leader, admin = logged_in(world.users["leader"]), logged_in(world.users["admin"])
    r = leader.get("/audit", params={"case": huge})
    assert r.status_code == 422 and Page(r).field_errors("f-case")
    r = admin.post("/admin/counties/33", data={"_csrf": admin.csrf, "organisation_id": huge})
    assert r.status_code == 422 and Page(r).field_errors("f-organisation_id")
    r = admin.post("/admin/users/new", data={"_csrf": admin.csrf, "username": "ny-bruker", "full_name": "Ny Bruker",
                                             "role": "caseworker", "organisation_id": huge})
    assert r.status_code == 422 and Page(r).field_errors("f-organisation_id")
    caseworker = logged_in(world.users["caseworker"])
    world.ids.setdefault("plan_id", world.ids["_lazy"]["plan_id"]())
    for action in ("settings", "fix"):
        r = caseworker.post(f"/cases/{world.case_id}/plan/{action}", data={"_csrf": caseworker.csrf, "_version": huge})
        assert r.status_code in (303, 409, 422), (action, r.status_code)
