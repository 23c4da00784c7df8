"""The JSON API's OpenAPI document, made to say what the API does.

FastAPI writes most of it from the routes. Two things it cannot know are added here:

- how a client authenticates: every operation takes an API token as `Authorization: Bearer` (or a signed-in browser's
  session cookie), declared as security schemes, and answers 401 without one and 403 where the role may not act;
- what `answers` holds: an object keyed by question id, each with the type, codes, length and range the questionnaire
  (rules/questionnaire.yaml) gives it, so a client (and schemathesis) sees the same contract the validator applies. What
  a schema cannot say (a checksum, a date before another, an answer only asked after another) is answered 422 at the
  field, as each operation's description says.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from ..demo_personas import AMAL
from ..domain.questionnaire import Question, Questionnaire
from ..domain.reference import countries, languages, municipalities
from ..domain.text import FREE, NAME, refused_pattern

BEARER = "bearerToken"
COOKIE = "sessionCookie"
SECURITY_SCHEMES = {
    BEARER: {"type": "http", "scheme": "bearer",
             "description": "An API token: `main.py create-token USERNAME` or the administrator's pages."},
    COOKIE: {"type": "apiKey", "in": "cookie", "name": "kt_session",
             "description": "A signed-in browser's session (changes also need the page's CSRF token)."},
}
MESSAGE = {"$ref": "#/components/schemas/MessageOut"}
AUTH_RESPONSES = {
    "401": {"description": "No valid API token or session (`WWW-Authenticate: Bearer`).",
            "content": {"application/json": {"schema": MESSAGE}}},
    "403": {"description": "The user's role may not do this, or a cookie session's change came without its CSRF "
                           "token.",
            "content": {"application/json": {"schema": MESSAGE}}},
}
# The years a date answer may have (intake/domain/answers.py: 1900 to 2100)
DATE = r"^(19\d\d|20\d\d|2100)-\d\d-\d\d$"
# What removes an answer, as the validator reads it: null, and an empty text, list or object
EMPTY = [{"type": "null"}, {"type": "string", "maxLength": 0}, {"type": "array", "maxItems": 0},
         {"type": "object", "maxProperties": 0}]
BODY_RESPONSES = {
    "400": {"description": "The body could not be read as JSON (not UTF-8, or not JSON at all).",
            "content": {"application/json": {"schema": MESSAGE}}},
    "413": {"description": "The body is larger than the server accepts (`KARTLEGGING_MAX_BODY_BYTES`).",
            "content": {"application/json": {"schema": MESSAGE}}},
}


def _value_schema(q: Question) -> dict[str, Any]:
    t = q.type
    if t in ("text", "longtext", "occupation"):
        return {"type": "string", "pattern": refused_pattern(FREE if t == "longtext" else NAME),
                **({"maxLength": q.max_length} if q.max_length else {})}
    if t == "date":
        return {"type": "string", "format": "date", "pattern": DATE}
    if t in ("int", "number"):
        schema: dict[str, Any] = {"type": "integer" if t == "int" else "number"}
        if q.min is not None:
            schema["minimum"] = q.min
        if q.max is not None:
            schema["maximum"] = q.max
        return schema
    if t == "bool":
        return {"type": "boolean"}
    if t in ("choice", "cefr"):
        return {"type": "string", "enum": list(q.codes)}
    if t == "multi":
        return {"type": "array", "items": {"type": "string", "enum": list(q.codes)}, "uniqueItems": True}
    if t == "country":
        return {"type": "string", "enum": list(countries())}
    if t == "language":
        return {"type": "string", "enum": list(languages())}
    if t == "municipality":
        return {"type": "string", "enum": list(municipalities())}
    if t == "repeat":
        row = {"type": "object", "additionalProperties": False,
               "properties": {f.id: _answer_schema(f) for f in q.fields}}
        return {"type": "array", "items": row, "maxItems": q.max_items}
    raise ValueError(f"no schema for question type {t!r}")  # the questionnaire loader knows every type


def _answer_schema(q: Question) -> dict[str, Any]:
    label = q.label.get("en") or q.label["nb"]
    return {"anyOf": [_value_schema(q), *EMPTY], "description": label}


# The example in the document: some of a synthetic participant's answers (the domain's persona Amal), real ids
EXAMPLE_QUESTIONS = ("participant.name", "participant.birth_date", "participant.residence_basis",
                     "participant.permit_date", "participant.settlement_date", "participant.municipality",
                     "participant.languages", "participant.interpreter_needed", "participant.interpreter_language",
                     "goals.short_term", "goals.end_goal_wish", "background.years_of_schooling")
EXAMPLE = {k: AMAL[k] for k in EXAMPLE_QUESTIONS}


def answers_schema(questionnaire: Questionnaire) -> dict[str, Any]:
    """`answers` as JSON Schema: every question id with its value's type; no other key."""
    return {"type": "object", "additionalProperties": False, "examples": [EXAMPLE],
            "description": "Answers keyed by question id (rules/questionnaire.yaml); null removes an answer.",
            "properties": {q.id: _answer_schema(q) for q in questionnaire.by_id.values()}}


def install(app: FastAPI, questionnaire: Questionnaire) -> None:
    """Make `app.openapi()` return the document described above (built once, on first use)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=app.description,
                                   routes=app.routes)
            components = document.setdefault("components", {})
            components["securitySchemes"] = SECURITY_SCHEMES
            schemas = components.setdefault("schemas", {})
            schemas.setdefault("MessageOut", {"type": "object", "required": ["detail"], "title": "MessageOut",
                                              "properties": {"detail": {"type": "string", "title": "Detail"}}})
            for name, schema in schemas.items():
                if "answers" in schema.get("properties", {}) and name.endswith("In"):
                    schema["properties"]["answers"] = answers_schema(questionnaire)
            for operations in document["paths"].values():
                for operation in operations.values():
                    operation["security"] = [{BEARER: []}, {COOKIE: []}]
                    extra = {**AUTH_RESPONSES, **(BODY_RESPONSES if "requestBody" in operation else {})}
                    for status, response in extra.items():
                        operation["responses"].setdefault(status, response)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
