"""Norwegian person identifiers: fødselsnummer, D-nummer, synthetic test numbers and UDI's DUF-nummer.

Checks return a Norwegian message (or None when the value is valid), so the caller can show it at the field.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from stdnum.no import fodselsnummer

from .messages import N_

# python-stdnum (2.2) knows only the pre-2032 k1, reads month + 40 as H-nummer but not month + 80, and cannot be told
# to refuse H-numbers; so k1, the offsets and the century are done here, and stdnum gives compact() and k2.

# The first check digit: the weighted sum of digits 1–10 (k1 with weight 1) mod 11 is the "remainder".
# Before 2032 only remainder 0 is issued; from 1 Jan 2032 remainders 0–3 are (Skatteetaten, nyttfnr2032.md).
# That is k1 ∈ {11, 12, 13, 14} − (sum of digits 1–9 mod 11), taken mod 11: when that sum is 0 mod 11, k1 may be
# 0, 1, 2 or 3 — the source's "remainder 0–3" wording is followed here.
_K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)
_NEW_RULE_REMAINDERS = (0, 1, 2, 3)

_NOT_DIGITS = N_("Fødselsnummer og D-nummer består bare av siffer.")
_WRONG_CHECK = N_("Kontrollsifrene stemmer ikke. Sjekk at nummeret er skrevet riktig.")
_BAD_DATE = N_("De seks første sifrene er ikke en gyldig fødselsdato.")
_BAD_CENTURY = N_("Individnummeret (siffer 7–9) passer ikke med fødselsåret.")
_FUTURE = N_("Fødselsdatoen i nummeret ligger fram i tid.")
_FH = N_("FH-nummer godtas ikke. Bruk fødselsnummer, D-nummer eller DUF-nummer.")
_SYNTHETIC = N_("Dette er et syntetisk testnummer eller et H-nummer. Det godtas bare i demo- og testmodus; "
                "bruk fødselsnummer, D-nummer eller DUF-nummer.")


def _k1_remainder(number: str) -> int:
    return sum(w * int(d) for w, d in zip(_K1_WEIGHTS, number)) % 11


def _check_digits_ok(number: str) -> bool:
    # k2 is computed the same way under both rules, over the first ten digits as given; stdnum has it.
    return _k1_remainder(number) in _NEW_RULE_REMAINDERS and number[10] == fodselsnummer.calc_check_digit2(number)


def _offsets(number: str) -> tuple[int, int, bool]:
    """(day, month) with the D-, H- and synthetic offsets removed, and whether it is H-nummer or synthetic."""
    day, month = int(number[0:2]), int(number[2:4])
    if 41 <= day <= 71:  # D-nummer
        day -= 40
    # Month + 40 is both the H-number and NAV Dolly's synthetic range; month + 80 is Skatteetaten Tenor's.
    synthetic = month > 40
    if 41 <= month <= 52:
        month -= 40
    elif 81 <= month <= 92:
        month -= 80
    return day, month, synthetic


def _year(yy: int, individual: int) -> int | None:
    """The birth year from the individual number's series (the rules for numbers issued before 2032)."""
    if individual <= 499:
        return 1900 + yy
    if individual <= 749 and yy >= 54:
        return 1800 + yy
    if yy <= 39:
        return 2000 + yy
    if individual >= 900:
        return 1900 + yy
    return None


def _birth_date(number: str, today: dt.date) -> dt.date | str:
    """The embedded birth date, or the Norwegian message saying why there is none."""
    day, month, _ = _offsets(number)
    yy = int(number[4:6])
    if _k1_remainder(number) == 0:
        # stdnum's get_birth_date has these series too, but cannot tell a bad date from a bad series, nor knows +80.
        year = _year(yy, int(number[6:9]))
        if year is None:
            return _BAD_CENTURY
        candidates = (year,)
    else:
        # A remainder of 1–3 means a number issued from 2032, whose individual number no longer tells the century
        # (the register holds the date): take the latest century that gives a real date not in the future.
        candidates = tuple(y for y in (2000 + yy, 1900 + yy) if y <= today.year)
    for year in candidates:
        try:
            born = dt.date(year, month, day)
        except ValueError:
            continue
        if born <= today or len(candidates) == 1:
            return born
    return _BAD_DATE


def national_id_error(value: str, *, allow_synthetic: bool, today: dt.date) -> str | None:
    """None for a valid fødselsnummer or D-nummer (and, when allowed, H-nummer or synthetic test number)."""
    if not isinstance(value, str):
        return _NOT_DIGITS
    return _national_id_error(value, allow_synthetic, today)


# Every save checks the case's number (twice: here and for the birth date it gives): the answer is kept for the next
@lru_cache(maxsize=1024)
def _national_id_error(value: str, allow_synthetic: bool, today: dt.date) -> str | None:
    number = fodselsnummer.compact(value)
    if not number:
        return N_("Skriv fødselsnummer eller D-nummer (11 siffer).")
    if not (number.isascii() and number.isdigit()):
        return _NOT_DIGITS
    if len(number) != 11:
        return N_("Fødselsnummer og D-nummer har 11 siffer, men dette har {n}.", n=len(number))
    if not _check_digits_ok(number):
        return _WRONG_CHECK
    if number[0] in "89":
        return _FH
    born = _birth_date(number, today)
    if isinstance(born, str):
        return born
    if born > today:
        return _FUTURE
    # Checked last on purpose: a synthetic number refused here has passed every other check.
    if _offsets(number)[2] and not allow_synthetic:
        return _SYNTHETIC
    return None


def birth_date_from_national_id(value: str, *, today: dt.date) -> dt.date | None:
    """The birth date in a well-formed number (any kind, synthetic included); None when the number is not valid."""
    if not isinstance(value, str):
        return None
    return _birth_date_from_national_id(value, today)


@lru_cache(maxsize=1024)
def _birth_date_from_national_id(value: str, today: dt.date) -> dt.date | None:
    if _national_id_error(value, True, today) is not None:
        return None
    born = _birth_date(fodselsnummer.compact(value), today)
    return born if isinstance(born, dt.date) else None


def synthetic_national_id(birth: dt.date, serial: int) -> str:
    """A synthetic test number (month + 80, Skatteetaten Tenor) for a person born 1900–2039, with valid check digits:
    from the `serial`-th individual number of the birth year's series on, the first whose check digits can be made.
    For demo data only."""
    individual = (500 if birth.year >= 2000 else 0) + 99 + serial
    while True:
        first = f"{birth:%d}{birth.month + 80:02d}{birth:%y}{individual:03d}"
        k1 = -sum(w * int(d) for w, d in zip(_K1_WEIGHTS, first)) % 11
        if k1 < 10:
            number = first + str(k1)
            k2 = fodselsnummer.calc_check_digit2(number)
            if len(k2) == 1:
                return number + k2
        individual += 1


def compact_national_id(value: str) -> str:
    """The digits of a fødselsnummer or D-nummer typed with spaces or a dash."""
    return fodselsnummer.compact(value)


def compact_duf_number(value: str) -> str:
    """A DUF-nummer typed in groups ("2026 0123 4567") as its digits."""
    return "".join(value.split())


def duf_number_error(value: str, *, today: dt.date) -> str | None:
    """None for a plausible DUF-nummer: 12 digits, the first four the year of the first application."""
    if not isinstance(value, str):
        return N_("DUF-nummeret består bare av siffer.")
    number = compact_duf_number(value)
    if not number:
        return N_("Skriv DUF-nummeret (12 siffer).")
    if not (number.isascii() and number.isdigit()):
        return N_("DUF-nummeret består bare av siffer.")
    if len(number) != 12:
        return N_("DUF-nummeret har 12 siffer, men dette har {n}.", n=len(number))
    # UDI's register (DUF) dates from the late 1980s; earlier or future years are typing errors.
    if not 1980 <= int(number[:4]) <= today.year:
        return N_("De fire første sifrene i DUF-nummeret er året for første søknad, og må være mellom 1980 og {year}.",
                  year=today.year)
    return None
