"""National id and DUF-number checks. Every valid number here is synthetic (month + 80 or + 40)."""

import datetime as dt

import pytest

from intake.domain.identifiers import birth_date_from_national_id, duf_number_error, national_id_error
from tests.personas import AHMAD, AMAL, MAPPING_DATE, YONAS

TODAY = MAPPING_DATE


def error(value, allow_synthetic=True):
    return national_id_error(value, allow_synthetic=allow_synthetic, today=TODAY)


@pytest.mark.parametrize("persona", [AMAL, YONAS, AHMAD], ids=["amal", "yonas", "ahmad"])
def test_persona_ids_are_valid_synthetic_numbers_matching_the_birth_date(persona):
    number = persona["participant.national_id"]
    assert error(number) is None
    assert birth_date_from_national_id(number, today=TODAY).isoformat() == persona["participant.birth_date"]


def test_synthetic_numbers_only_when_allowed():
    assert error("14839212365", allow_synthetic=True) is None
    assert "testmodus" in error("14839212365", allow_synthetic=False)
    # month + 40: H-nummer or NAV Dolly
    assert error("14835212352", allow_synthetic=True) is None
    assert "H-nummer" in error("14835212352", allow_synthetic=False)


def test_wrong_check_digit_from_personas_is_refused_in_every_mode():
    for allow in (True, False):
        assert "Kontrollsifrene" in error("15108695077", allow_synthetic=allow)
    assert birth_date_from_national_id("15108695077", today=TODAY) is None


def test_a_changed_digit_breaks_the_check():
    assert "Kontrollsifrene" in error("14839212375")
    assert "Kontrollsifrene" in error("14839212366")


def test_d_number_day_plus_40():
    number = "54837134660"  # D-nummer 14.03.1971, synthetic month + 80
    assert error(number) is None
    assert birth_date_from_national_id(number, today=TODAY) == dt.date(1971, 3, 14)
    # refused without synthetic only for being synthetic: every other check passed
    assert "testmodus" in error(number, allow_synthetic=False)


def test_2032_rule_accepts_first_check_digit_remainders_0_to_3():
    # 30.10.1982 (month + 80), individual number 999: remainder 0 (old rule), 2 and 3 are valid; 1 would need k1 = 10
    assert error("30908299996") is None
    assert error("30908299902") is None
    assert error("30908299910") is None
    assert birth_date_from_national_id("30908299902", today=TODAY) == dt.date(1982, 10, 30)
    # remainder 4 and up is invalid under both rules
    assert "Kontrollsifrene" in error("30908299929")


def test_2032_number_does_not_carry_the_century_in_the_individual_number():
    # 01.01.45 with individual 600: no century under the old series, so the old-rule number is refused,
    # while a 2032-rule number (remainder 1) is read as the latest past date.
    assert "Individnummeret" in error("01814560089")
    assert error("01814560097") is None
    assert birth_date_from_national_id("01814560097", today=TODAY) == dt.date(1945, 1, 1)


def test_spaces_and_separators_are_stripped():
    assert error(" 148392 123 65 ") is None
    assert error("148392-12365") is None


@pytest.mark.parametrize("value, fragment", [
    ("", "11 siffer"),
    ("1483921236", "11 siffer"),
    ("148392123650", "11 siffer"),
    ("1483921236x", "bare av siffer"),
    ("١٤٨٣٩٢١٢٣٦٥", "bare av siffer"),  # Arabic-Indic digits are digits to Python, not to us
])
def test_format_errors(value, fragment):
    assert fragment in error(value)


def test_impossible_date_is_refused():
    assert "gyldig fødselsdato" in error("31829212490")  # 31.02, synthetic month + 80
    assert birth_date_from_national_id("31829212490", today=TODAY) is None


def test_birth_in_the_future_is_refused():
    # 01.01.2030 (month + 80), individual 999
    assert "fram i tid" in error("01813099981")


def test_birth_date_of_invalid_input_is_none():
    assert birth_date_from_national_id("not a number", today=TODAY) is None
    assert birth_date_from_national_id("", today=TODAY) is None


def test_duf_number():
    assert duf_number_error(AMAL["participant.duf_number"], today=TODAY) is None
    assert duf_number_error("2025 0471 8263", today=TODAY) is None
    assert "12 siffer" in duf_number_error("20250471826", today=TODAY)
    assert "bare av siffer" in duf_number_error("2025O4718263", today=TODAY)
    assert "1980" in duf_number_error("197904718263", today=TODAY)
    assert "2026" in duf_number_error("202704718263", today=TODAY)
