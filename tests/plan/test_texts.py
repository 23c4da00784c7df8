"""The plan's fixed texts (rules/plan_texts/): every language has exactly the keys of nb.yaml, and a broken file is refused
with a message naming the file and the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from intake.plan.texts import (ELEMENT_CODES, PLAN_LANGUAGES, PLAN_TEXTS_DIR, PlanTextsError, _flatten,
                               load_plan_texts, plan_texts)

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_LANGUAGES = {"nb", "nn", "en", "uk", "ar", "prs", "ti", "so"}


def test_all_languages_are_there():
    assert REQUIRED_LANGUAGES <= set(PLAN_LANGUAGES)
    assert PLAN_LANGUAGES[0] == "nb"


@pytest.mark.parametrize("language", sorted(REQUIRED_LANGUAGES))
def test_every_language_has_exactly_the_keys_of_nb(language):
    reference = set(_flatten(dict(yaml.safe_load((PLAN_TEXTS_DIR / "nb.yaml").read_text(encoding="utf-8"))["texts"])))
    data = yaml.safe_load((PLAN_TEXTS_DIR / f"{language}.yaml").read_text(encoding="utf-8"))
    assert set(_flatten(data["texts"])) == reference
    assert data["language"] == language
    assert data["dir"] == ("rtl" if language in ("ar", "prs") else "ltr")
    assert data["name"].strip()
    if language != "nb":
        assert "to be checked by a qualified translator" in data["translator"] or language == "nn"


def test_element_codes_are_the_24_of_the_catalogue():
    catalogue = yaml.safe_load((ROOT / "rules" / "recommendations.yaml").read_text(encoding="utf-8"))["catalogue"]
    assert len(ELEMENT_CODES) == 24
    assert ELEMENT_CODES == set(catalogue)


def test_scripts_are_the_right_ones():
    def letters(language):
        return {c for value in _flatten(plan_texts(language).texts).values() for c in value if c.isalpha()}

    assert any("\u1200" <= c <= "\u137f" for c in letters("ti"))  # Ge'ez
    assert any("\u0400" <= c <= "\u04ff" for c in letters("uk"))  # Cyrillic
    arabic, dari = letters("ar"), letters("prs")
    assert any("\u0600" <= c <= "\u06ff" for c in arabic)
    # Dari is written with the Persian yeh and keheh, Arabic with the Arabic ones: a mix-up shows as the wrong letters.
    assert "\u06cc" in dari and "\u06a9" in dari and not {"\u064a", "\u0643"} & dari
    assert not {"\u06cc", "\u06a9"} & arabic


def test_texts_fill_their_placeholders():
    for language in PLAN_LANGUAGES:
        t = plan_texts(language)
        text = t.fill("appeal.deadline", appeal_weeks=t.weeks(3))
        assert "{" not in text and t.weeks(3) in text
        where = t.fill("appeal.where", body="Drammen kommune", authority="Statsforvalteren")
        # forvaltningsloven § 27: the decision names the appeal body
        assert "{" not in where and "Drammen kommune" in where and "Statsforvalteren" in where
    assert plan_texts("nb").fill("appeal.deadline", appeal_weeks=plan_texts("nb").weeks(3)).count("tre uker") == 1


def test_unknown_language_is_a_key_error():
    with pytest.raises(KeyError, match="xx"):
        plan_texts("xx")


# --- broken files are refused, naming the file and the key ------------------------------------------------------------


@pytest.fixture
def texts_dir(tmp_path):
    target = tmp_path / "plan_texts"
    shutil.copytree(PLAN_TEXTS_DIR, target)
    return target


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_the_copy_loads(texts_dir):
    assert set(load_plan_texts(texts_dir)) == set(PLAN_LANGUAGES)


def test_missing_key_is_refused_naming_file_and_key(texts_dir):
    edit(texts_dir / "en.yaml", lambda d: d["texts"]["appeal"].pop("deadline"))
    with pytest.raises(PlanTextsError) as error:
        load_plan_texts(texts_dir)
    assert "en.yaml: missing key `texts.appeal.deadline`" in str(error.value)


def test_missing_element_is_refused(texts_dir):
    edit(texts_dir / "ti.yaml", lambda d: d["texts"]["elements"].pop("NOR-B2"))
    with pytest.raises(PlanTextsError, match=r"ti\.yaml: missing key `texts\.elements\.NOR-B2\.title`"):
        load_plan_texts(texts_dir)


def test_extra_key_is_refused(texts_dir):
    edit(texts_dir / "ar.yaml", lambda d: d["texts"]["labels"].update(nickname="اللقب"))
    with pytest.raises(PlanTextsError, match=r"ar\.yaml: unknown key `texts\.labels\.nickname`"):
        load_plan_texts(texts_dir)


def test_wrong_placeholder_is_refused(texts_dir):
    edit(texts_dir / "so.yaml", lambda d: d["texts"]["appeal"].update(deadline="Waqtiga racfaanku waa {weeks}."))
    with pytest.raises(PlanTextsError, match=r"so\.yaml: `texts\.appeal\.deadline` must use the placeholders"):
        load_plan_texts(texts_dir)


def test_empty_text_is_refused(texts_dir):
    edit(texts_dir / "uk.yaml", lambda d: d["texts"]["headings"].update(appeal="  "))
    with pytest.raises(PlanTextsError, match=r"uk\.yaml: `texts\.headings\.appeal` must be a non-empty text"):
        load_plan_texts(texts_dir)


def test_wrong_language_or_direction_is_refused(texts_dir):
    edit(texts_dir / "prs.yaml", lambda d: d.update(language="fa", dir="right"))
    with pytest.raises(PlanTextsError) as error:
        load_plan_texts(texts_dir)
    assert "prs.yaml: `language` must be 'prs'" in str(error.value)
    assert "prs.yaml: `dir` must be ltr or rtl" in str(error.value)


def test_all_problems_are_reported_together(texts_dir):
    edit(texts_dir / "en.yaml", lambda d: d["texts"]["signatures"].pop("signature"))
    edit(texts_dir / "nn.yaml", lambda d: d.pop("translator"))
    with pytest.raises(PlanTextsError) as error:
        load_plan_texts(texts_dir)
    assert any("en.yaml" in p and "texts.signatures.signature" in p for p in error.value.problems)
    assert any("nn.yaml" in p and "`translator`" in p for p in error.value.problems)


@pytest.mark.parametrize("language", PLAN_LANGUAGES)
def test_the_appeal_cites_the_section_on_appeals_beside_the_list_of_decisions(language):
    # integreringsloven § 46 lists the individual decisions; § 47 is the appeal to Statsforvalteren (integrerings-
    # forskriften § 70 cites it). The plan cited § 46 alone.
    law = plan_texts(language)["appeal.law"]
    assert "46" in law and "47" in law


@pytest.mark.parametrize("language", PLAN_LANGUAGES)
def test_a_list_of_choices_reads_as_either_in_every_language(language):
    texts = plan_texts(language)
    said = texts.either(["a", "b", "c"])
    assert said == f"a, b {texts.texts['format']['or']} c" and texts.either(["a"]) == "a"
