"""The numbers that identify companies and establishments, per country, checked by
python-stdnum; each check returns the number compact, or raises ``ValueError`` saying in French
what is wrong and what to do.

- France: SIREN (``stdnum.fr.siren``) for the company, SIRET (``stdnum.fr.siret``) for each
  establishment.
- Belgium: the enterprise number (``stdnum.be.vat``: ``BE0403.170.701``, ``403170701`` and
  ``0403170701`` are one number, stored as its 10 digits) for the company, establishment unit
  numbers for the establishments. python-stdnum (2.2) has no module for the latter: they are 10
  digits, the first from 2 to 8, and carry the enterprise number's key (the last two digits are
  97 minus the first eight modulo 97), which ``stdnum.be.vat.checksum`` computes. That is all
  the number itself tells: whether the unit exists, and whether it belongs to the company, only
  the Crossroads Bank for Enterprises knows.

A company's scope key (the key its credentials are saved under) is its SIREN for France, as it
always was, and its country-qualified number for Belgium (``BE0403170701``), so that the
numbers of two countries never meet.
"""

from __future__ import annotations

from types import ModuleType

from stdnum.be import vat as stdnum_be_vat
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidLength, ValidationError
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret
from stdnum.util import clean, isdigits

_UNIT_FIRST_DIGITS = "2345678"


def siren(value: str) -> str:
    return _checked(stdnum_siren, "le SIREN", value)


def siret(value: str) -> str:
    return _checked(stdnum_siret, "le SIRET", value)


def enterprise_number(value: str) -> str:
    return _checked(
        stdnum_be_vat,
        "le numéro d'entreprise",
        value,
        component="doit commencer par 0 ou 1 (BE0403.170.701, 0403170701)",
    )


def establishment_unit(value: str) -> str:
    """A Belgian establishment unit number, compact (see the module for what is checked)."""
    label = "le numéro d'unité d'établissement"
    _not_empty(value)
    number = clean(value, " -./").strip()
    if not isdigits(number):
        raise ValueError(f"{label} {value!r} ne doit contenir que des chiffres")
    if len(number) != 10:
        raise ValueError(f"{label} {value!r} n'a pas 10 chiffres : corrigez le numéro")
    if number[0] not in _UNIT_FIRST_DIGITS:
        raise ValueError(
            f"{label} {value!r} doit commencer par un chiffre de 2 à 8 (un numéro commençant par "
            "0 ou 1 est celui d'une entreprise)"
        )
    if stdnum_be_vat.checksum(number) != 0:
        raise ValueError(
            f"{label} {value!r} a une clé de contrôle fausse : vérifiez chaque chiffre"
        )
    return number


def compact_company_number(country: str, value: str) -> str:
    """``value`` as it is stored, without checking it: rows of one company are grouped by it
    before validation (``BE 0403.170.701`` and ``0403170701`` are one company)."""
    return (stdnum_be_vat if country == "BE" else stdnum_siren).compact(value)


def company_key(country: str, number: str) -> str:
    """The key a company's credentials are saved under: the SIREN for France,
    ``BE`` + the enterprise number for Belgium."""
    return number if country == "FR" else f"{country}{number}"


def company_scope_key(key: str) -> str:
    """A company key as a user types it (``--key``), in the form :func:`company_key` gives:
    a Belgian number (``BE`` first, or 10 digits, dots and spaces allowed) becomes ``BE`` + its
    10 digits; anything else is left as typed (a SIREN, as credentials were always named).
    Nine digits without ``BE`` are a SIREN: an old 9-digit Belgian number needs its prefix."""
    compact = clean(key, " -./").strip().upper()
    if compact.startswith("BE") or (len(compact) == 10 and isdigits(compact)):
        return company_key("BE", stdnum_be_vat.compact(compact))
    return key


def _not_empty(value: str) -> None:
    if not value.strip():
        raise ValueError("vide : renseignez-le")


def _checked(module: ModuleType, label: str, value: str, component: str | None = None) -> str:
    _not_empty(value)
    try:
        return module.validate(value)
    except InvalidLength:
        raise ValueError(
            f"{label} {value!r} n'a pas le bon nombre de chiffres : corrigez le numéro"
        ) from None
    except InvalidChecksum:
        raise ValueError(
            f"{label} {value!r} a une clé de contrôle fausse : vérifiez chaque chiffre"
        ) from None
    except InvalidComponent:
        if component is None:
            raise ValueError(f"{label} {value!r} n'est pas un numéro valide") from None
        raise ValueError(f"{label} {value!r} {component}") from None
    except ValidationError:
        raise ValueError(f"{label} {value!r} ne doit contenir que des chiffres") from None
