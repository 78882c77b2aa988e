"""Why an employee was not synced, and what a human does about it: the list the seed says
nobody can see yet ("il n'est pas encore possible d'obtenir un aperçu des employés pour
lesquels la synchronisation échoue").

Each code has a reason and an action; the message adds what is particular to the employee.
"""

from __future__ import annotations

from dataclasses import dataclass

SUPPORT = "contactez le support Payflip (bouton bleu dans l'outil)"
REASONS: dict[str, tuple[str, str]] = {
    "account_exists": (
        "un compte Payflip existe déjà pour cette adresse e-mail dans une autre entité "
        "(changement d'entité)",
        f"le changement d'entité n'est pas synchronisé : {SUPPORT} pour transférer le compte",
    ),
    "email_missing": (
        "adresse e-mail manquante",
        "renseignez l'adresse e-mail de l'employé dans Securex, puis relancez la synchronisation",
    ),
    "email_invalid": (
        "adresse e-mail invalide",
        "corrigez l'adresse e-mail de l'employé dans Securex, puis relancez la synchronisation",
    ),
    "salary_invalid": (
        "données salariales invalides",
        "corrigez le salaire brut, le régime de travail ou le % ONSS patronale dans Securex, "
        "puis relancez la synchronisation",
    ),
    "invalid_row": (
        "fiche incomplète ou invalide",
        "complétez la fiche de l'employé dans Securex, puis relancez la synchronisation",
    ),
    "rejected": (
        "refusé par Payflip",
        f"vérifiez la fiche de l'employé dans Securex ; si elle est correcte, {SUPPORT} avec "
        "ce message",
    ),
    "unknown": (
        "création non confirmée (connexion coupée)",
        "rien à faire : la prochaine synchronisation vérifie dans Payflip avant tout nouvel envoi",
    ),
    "in_progress": (
        "déjà en cours d'envoi par une autre synchronisation",
        "rien à faire : l'autre synchronisation s'en charge",
    ),
    "unreachable": (
        "Payflip n'a pas répondu pour cet employé",
        "relancez la synchronisation (coursier rerun) : seuls les employés en échec sont repris",
    ),
}
#: Payflip's codes that are ours under another name; the others are "rejected".
PAYFLIP_CODES = {
    "account_exists": "account_exists",
    "invalid_email": "email_invalid",
    "invalid_salary": "salary_invalid",
}


@dataclass(frozen=True)
class Failure:
    """One employee not synced: who, the code, the message, what to do."""

    employee_number: str
    name: str
    email: str | None
    code: str
    message: str
    action: str


def failure(
    employee_number: str, name: str, email: str | None, code: str, detail: str = ""
) -> Failure:
    """The failure of ``code`` (one of :data:`REASONS`); ``detail`` says what is particular."""
    reason, action = REASONS[code]
    message = f"{reason} : {detail}" if detail else reason
    return Failure(employee_number, name, email, code, message[:1].upper() + message[1:], action)


def from_payflip(code: str | None) -> str:
    """Our code for a row Payflip refused with ``code``."""
    return PAYFLIP_CODES.get(code or "", "rejected")
