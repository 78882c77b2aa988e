"""The checklist before Cegid Flow's bank collection (the seed's "Prérequis", PROTOCOLS.md §5):
every bank account configured (a valid IBAN and BIC), its bank general account present in the
chart of accounts and linked to it, and a bank journal using that general account.

:func:`check` returns what to fix, one French sentence per problem naming the bank account (its
label and IBAN) and the field: a dossier with any is skipped until they are fixed. Loop's
objects are read as the connector gives them (``iban``, ``bic``, ``compteGeneral``,
``journal``; ``numero``; ``code``, ``type``, ``compteContrepartie``): assumed names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError

BANK_JOURNAL = "BANQUE"
#: Bank general accounts are class 51 of the French chart (512 banks).
BANK_CLASS = "51"


@dataclass(frozen=True)
class Problem:
    """One thing to fix before the dossier can be onboarded."""

    code: str
    bank_account: str | None
    message: str


def check(
    bank_accounts: Iterable[Mapping[str, Any]],
    accounts: Iterable[Mapping[str, Any]],
    journals: Iterable[Mapping[str, Any]],
) -> list[Problem]:
    """Every problem of the checklist, in the bank accounts' order (empty: ready)."""
    chart = {str(a.get("numero")) for a in accounts}
    bank_journals = [j for j in journals if j.get("type") == BANK_JOURNAL]
    banks = list(bank_accounts)
    if not banks:
        return [
            Problem(
                "no_bank_account",
                None,
                "aucun compte bancaire paramétré : créez le compte bancaire du dossier "
                "(IBAN, BIC, compte général de banque, journal de banque)",
            )
        ]
    problems: list[Problem] = []
    for bank in banks:
        problems += _bank_problems(bank, chart, bank_journals)
    return problems


def _bank_problems(
    bank: Mapping[str, Any], chart: set[str], bank_journals: list[Mapping[str, Any]]
) -> list[Problem]:
    name = _name(bank)
    found: list[Problem] = []
    try:
        stdnum_iban.validate(str(bank.get("iban") or ""))
    except ValidationError:
        found.append(Problem("invalid_iban", name, f"{name} : IBAN invalide, corrigez-le"))
    try:
        stdnum_bic.validate(str(bank.get("bic") or ""))
    except ValidationError:
        bic = bank.get("bic") or "absent"
        found.append(Problem("invalid_bic", name, f"{name} : BIC « {bic} » invalide, corrigez-le"))
    general = bank.get("compteGeneral")
    if not general:
        found.append(
            Problem(
                "general_account_unlinked",
                name,
                f"{name} : aucun compte général de banque lié, liez-lui son compte 512…",
            )
        )
        return found
    if general not in chart or not str(general).startswith(BANK_CLASS):
        found.append(
            Problem(
                "general_account_missing",
                name,
                f"{name} : le compte général de banque {general} est absent du plan de comptes "
                f"(ou n'est pas un compte de banque {BANK_CLASS}…), créez-le",
            )
        )
    if not any(j.get("compteContrepartie") == general for j in bank_journals):
        found.append(
            Problem(
                "no_bank_journal",
                name,
                f"{name} : aucun journal de banque n'utilise le compte {general}, paramétrez "
                "le journal de banque avec ce compte en contrepartie",
            )
        )
    return found


def _name(bank: Mapping[str, Any]) -> str:
    iban = str(bank.get("iban") or "sans IBAN")
    return f"compte bancaire « {bank.get('libelle') or bank.get('id')} » ({iban})"
