"""The questionnaire file: it loads, it holds every id and code of the shared spec, and a broken file is refused
with an error naming the file and the question."""

from __future__ import annotations

import copy
import csv
import re
from pathlib import Path

import pytest
import yaml

from intake.domain import questionnaire as questionnaire_mod
from intake.domain.questionnaire import (RULES_DIR, QuestionnaireError, default_questionnaire, load_questionnaire,
                                         parse_questionnaire)

SPEC = Path("/work/shared/domain/questionnaire.md")
if not SPEC.exists():  # the spec travels with the repository's shared folder
    SPEC = Path(__file__).resolve().parents[3] / "shared" / "domain" / "questionnaire.md"
QUESTIONNAIRE_FILE = RULES_DIR / "questionnaire.yaml"
REGULATED = RULES_DIR / "reference" / "regulated_professions.csv"


# --- the shared spec, read from its markdown tables -------------------------------------------------------------


def _spec_rows() -> list[dict]:
    """Every question row of the spec: section, id, type, required text, notes."""
    rows, section = [], None
    for line in SPEC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^## \d+\. `(\w+)`", line)
        if m:
            section = m[1]
            continue
        if section and line.startswith("| ") and not line.startswith("| id ") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) == 4 and "." in cells[0]:
                rows.append({"section": section, "id": cells[0], "type": cells[1], "required": cells[2],
                             "notes": cells[3]})
    return rows


def _codes(text: str) -> list[str]:
    """Backticked answer codes in a notes cell (file names are references, not codes)."""
    return [c for c in re.findall(r"`([^`]+)`", text) if "/" not in c and "." not in c]


def _education_levels() -> list[str]:
    m = re.search(r"Education `level` codes[^:]*:(.*?)\.\s", SPEC.read_text(encoding="utf-8"), re.S)
    return re.findall(r"`(\w+)`", m[1])


def _repeat_fields(notes: str) -> dict[str, tuple[str | None, list[str]]]:
    """`each: `a` (type), `b` (`x`, `y`)` -> {a: (type, []), b: (None, [x, y])}."""
    each = notes.split("each:", 1)[1]
    fields = {}
    for m in re.finditer(r"`(\w+)`(?:\s*\(((?:[^()]|\([^()]*\))*)\))?", each):
        name, inner = m[1], m[2] or ""
        if name in {c for f in fields.values() for c in f[1]}:
            continue
        codes = re.findall(r"`(\w+)`", inner)
        kind = None if codes else (inner.split(",")[0].strip() or None)
        fields[name] = (kind, codes)
    return fields


SPEC_ROWS = _spec_rows()
# Where the questionnaire asks more than the spec, on purpose: (required, shown only when), with the reason.
STRICTER_THAN_SPEC = {
    # The printed plan carries the DUF number: completing the mapping asks for it (#16 item 1).
    "participant.duf_number": (True, False),
    # Asked under "Har deltakeren fødselsnummer eller D-nummer?" = yes, and then required (#16 item 1).
    "participant.national_id": (True, True),
}


def test_the_spec_is_read():
    # A guard on the parser: the spec has nine sections and a few dozen questions.
    assert {r["section"] for r in SPEC_ROWS} == {"participant", "goals", "life", "background", "recognition",
                                                   "norwegian", "digital", "local", "assessment"}
    assert len(SPEC_ROWS) > 50


def test_sections_follow_the_spec_in_order():
    spec_order = list(dict.fromkeys(r["section"] for r in SPEC_ROWS))
    assert [s.id for s in default_questionnaire().sections] == spec_order


@pytest.mark.parametrize("row", SPEC_ROWS, ids=lambda r: r["id"])
def test_every_question_of_the_spec_is_present_with_its_type_and_codes(row):
    q = default_questionnaire().by_id.get(row["id"])
    assert q is not None, f"{row['id']} is missing from {QUESTIONNAIRE_FILE}"
    assert q.section == row["section"]
    assert q.type == row["type"]
    if q.id in STRICTER_THAN_SPEC:
        assert (q.required, q.show_if is not None) == STRICTER_THAN_SPEC[q.id]
    elif row["required"].startswith("yes"):
        assert q.required and q.show_if is None
    elif row["required"].startswith("show if"):
        assert q.show_if is not None, f"{q.id} should be shown only when: {row['required']}"
    else:
        assert row["required"] == "no" and not q.required
    if q.type in ("choice", "multi"):
        expected = set(_codes(row["notes"]))
        if "regulated_professions.csv" in row["notes"]:
            with REGULATED.open(encoding="utf-8") as f:
                expected |= {r["code"] for r in csv.DictReader(f)}
        assert expected, f"no codes found in the spec for {q.id}"
        assert expected <= set(q.codes), f"{q.id} lacks codes {sorted(expected - set(q.codes))}"
    if q.type == "repeat":
        fields = {f.id: f for f in q.fields}
        for name, (kind, codes) in _repeat_fields(row["notes"]).items():
            assert name in fields, f"{q.id} lacks the field {name}"
            if name == "level" and q.id == "background.education":
                codes = _education_levels()
            if codes:
                assert set(codes) <= set(fields[name].codes), f"{q.id}.{name} lacks codes"
            elif kind:
                assert fields[name].type == kind.split()[0], f"{q.id}.{name} should be {kind}"


def test_cefr_levels_are_those_of_the_spec():
    assert default_questionnaire().by_id["norwegian.oral"].codes == ("none", "A1", "A2", "B1", "B2", "C1")


def test_life_is_sensitive_as_the_spec_says():
    q = default_questionnaire()
    assert q.section("life").sensitive
    assert all(x.sensitive for x in q.section("life").questions)
    assert not q.by_id["participant.name"].sensitive


def test_education_levels_are_ordered_lowest_to_highest():
    level = next(f for f in default_questionnaire().by_id["background.education"].fields if f.id == "level")
    assert list(level.codes) == _education_levels()


def test_labels_exist_in_three_languages():
    for q in default_questionnaire().questions():
        assert set(q.label) == {"nb", "nn", "en"}


# --- broken files -----------------------------------------------------------------------------------------------


def _data() -> dict:
    return yaml.safe_load(QUESTIONNAIRE_FILE.read_text(encoding="utf-8"))


def _question(data: dict, qid: str) -> dict:
    return next(q for s in data["sections"] for q in s["questions"] if q["id"] == qid)


def _refused(data: dict, tmp_path: Path, *expected: str) -> str:
    path = tmp_path / "broken-questionnaire.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(path)
    message = str(info.value)
    assert str(path) in message, message
    for part in expected:
        assert part in message, message
    return message


def test_the_real_file_loads():
    q = load_questionnaire(QUESTIONNAIRE_FILE)
    assert len(q.sections) == 9 and q.version


def test_a_reveal_must_follow_the_question_whose_answer_shows_it(tmp_path):
    data = _data()
    _question(data, "life.economy_notes")["reveal"] = True  # its show_if is `ne`, not one answer
    _refused(data, tmp_path, "life.economy_notes", "reveal")
    data = _data()
    _question(data, "participant.national_id")["show_if"] = {"field": "participant.interpreter_needed", "eq": True}
    _refused(data, tmp_path, "participant.national_id", "just before it")


def test_unknown_type_is_refused(tmp_path):
    data = _data()
    _question(data, "life.network")["type"] = "chioce"
    _refused(data, tmp_path, "life.network", "chioce")


def test_duplicate_id_is_refused(tmp_path):
    data = _data()
    section = data["sections"][1]
    section["questions"].append(copy.deepcopy(section["questions"][0]))
    _refused(data, tmp_path, section["questions"][0]["id"], "duplicate")


def test_show_if_naming_an_unknown_question_is_refused(tmp_path):
    data = _data()
    _question(data, "life.economy_notes")["show_if"] = {"field": "life.economomy", "ne": "stable"}
    _refused(data, tmp_path, "life.economy_notes", "life.economomy")


def test_show_if_naming_an_unknown_code_is_refused(tmp_path):
    data = _data()
    _question(data, "life.economy_notes")["show_if"] = {"field": "life.economy", "ne": "stabel"}
    _refused(data, tmp_path, "life.economy_notes", "stabel")


def test_show_if_naming_an_unknown_repeat_field_is_refused(tmp_path):
    data = _data()
    _question(data, "recognition.wants_to_use_education")["show_if"]["where"] = {"field": "item.levle",
                                                                                  "in": ["bachelor"]}
    _refused(data, tmp_path, "recognition.wants_to_use_education", "levle")


def test_check_naming_an_unknown_question_is_refused(tmp_path):
    data = _data()
    life = next(s for s in data["sections"] if s["id"] == "life")
    life["checks"][0]["field"] = "life.children_under_7"
    _refused(data, tmp_path, "life.children_under_7")


def test_duplicate_option_code_is_refused(tmp_path):
    data = _data()
    q = _question(data, "life.network")
    q["options"].append(copy.deepcopy(q["options"][0]))
    _refused(data, tmp_path, "life.network", q["options"][0]["code"])


def test_missing_translation_is_refused(tmp_path):
    data = _data()
    del _question(data, "goals.short_term")["label"]["nn"]
    _refused(data, tmp_path, "goals.short_term", "label")


def test_unknown_key_is_refused(tmp_path):
    data = _data()
    _question(data, "goals.short_term")["requird"] = True
    _refused(data, tmp_path, "goals.short_term", "requird")


def test_question_outside_its_section_is_refused(tmp_path):
    data = _data()
    _question(data, "goals.short_term")["id"] = "goal.short_term"
    _refused(data, tmp_path, "goal.short_term")


def test_invalid_yaml_is_refused(tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text("sections: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=re.escape(str(path))):
        load_questionnaire(path)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(QuestionnaireError, match="cannot read"):
        load_questionnaire(tmp_path / "nothing.yaml")


def test_parse_names_the_given_source():
    with pytest.raises(QuestionnaireError, match="^mine.yaml: "):
        parse_questionnaire("sections: []\n", "mine.yaml")


def test_a_broken_questionnaire_stops_the_app_from_starting(tmp_path, monkeypatch):
    data = _data()
    _question(data, "life.network")["type"] = "chioce"
    (tmp_path / "questionnaire.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(questionnaire_mod, "RULES_DIR", tmp_path)
    default_questionnaire.cache_clear()
    try:
        from intake.app import create_app
        with pytest.raises(QuestionnaireError, match="life.network"):
            create_app()
    finally:
        default_questionnaire.cache_clear()


# --- the questions the law turns on, kept in step with the rules that read them --------------------------------------


def test_settlement_by_agreement_is_asked_exactly_where_the_target_group_needs_it():
    from intake.domain.programme import load_programme

    q = default_questionnaire()
    shown_for = set(q.by_id["participant.settled_by_agreement"].show_if.value)
    for programme in load_programme().entries:
        tg = programme.target_group
        assert shown_for == set(tg.residence_bases) - set(tg.settlement_by_agreement_not_required_for)


def test_the_residence_bases_and_the_trades_are_the_codes_the_rules_know():
    from intake.domain.codes import RESIDENCE_BASES
    from intake.domain.reference import tables

    q = default_questionnaire()
    assert q.by_id["participant.residence_basis"].codes == RESIDENCE_BASES
    trade = next(f for f in q.by_id["background.education"].fields if f.id == "trade")
    assert set(trade.codes) == set(tables()["vocational_recognition_trades"]) | {"other"}
    assert len(tables()["vocational_recognition_trades"]) == 24  # HK-dir, 6 June 2024: 24 trades


def test_a_completed_vocational_education_names_its_trade():
    from intake.domain.answers import validate
    from intake.domain.programme import load_programme
    from tests.personas import AHMAD, MAPPING_DATE

    q = default_questionnaire()
    row = {"level": "upper_secondary_vocational", "country": "PL", "completed": True}
    answers = dict(AHMAD) | {"background.education": [row]}
    errors = validate(q, answers, programme=load_programme().on(MAPPING_DATE), today=MAPPING_DATE,
                      allow_synthetic=True, require=q.sections).errors
    assert any(e.field == "background.education" and "lærefaget" in e.message for e in errors)
    answers["background.education"] = [row | {"trade": "other"}]
    errors = validate(q, answers, programme=load_programme().on(MAPPING_DATE), today=MAPPING_DATE,
                      allow_synthetic=True, require=q.sections).errors
    assert not any(e.field == "background.education" for e in errors)
