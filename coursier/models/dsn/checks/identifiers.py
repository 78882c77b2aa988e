"""Identifier checks: SIREN and SIRET keys, NIR format and plausibility, NIR against birth date.

Keys are python-stdnum's (Luhn for SIREN/SIRET, with La Poste's SIRET exception; 97 − n mod 97
for the NIR). The DSN carries the NIR on 13 characters, without its key: the key is computed
only to let stdnum check the format, and the plausibility of sex and month is checked here
because stdnum does not look at them.
"""

from __future__ import annotations

from stdnum.fr import nir, siren, siret

#: First character: 1/2 men/women, 3/4 temporary numbers, 7/8 provisional numbers.
NIR_SEXES = frozenset("123478")
#: Month of birth: 01-12, or 20-42 and 50-99 when the month was not known.
NIR_MONTHS = frozenset(f"{m:02d}" for m in (*range(1, 13), *range(20, 43), *range(50, 100)))


def siren_is_valid(number: str) -> bool:
    return siren.is_valid(number)


def siret_is_valid(number: str) -> bool:
    return siret.is_valid(number)


def nir_problem(number: str) -> str | None:
    """Why a 13-character NIR (no key) is not plausible, or ``None`` when it is."""
    if len(number) != 13:
        return f"{len(number)} caractères au lieu de 13 (le NIR se déclare sans sa clé)"
    try:
        nir.validate(number + nir.calc_check_digits(number))
    except ValueError:
        return "seuls des chiffres sont admis (2A ou 2B pour la Corse)"
    if number[0] not in NIR_SEXES:
        return f"le premier chiffre {number[0]} n'est pas un code de sexe (1 ou 2)"
    if number[3:5] not in NIR_MONTHS:
        return f"le mois de naissance {number[3:5]} n'existe pas"
    if number[5:7] == "00":
        return "le département de naissance 00 n'existe pas"
    return None


def nir_birth_mismatch(number: str, birth_date: str) -> str | None:
    """Which part of a plausible NIR contradicts a DDMMYYYY birth date, or ``None``."""
    if len(birth_date) != 8 or not birth_date.isdigit():
        return None
    if number[1:3] != birth_date[6:8]:
        return f"année {number[1:3]} contre {birth_date[4:8]}"
    month = number[3:5]
    if "01" <= month <= "12" and month != birth_date[2:4] and birth_date[2:4] != "99":
        return f"mois {month} contre {birth_date[2:4]}"
    return None
