"""The activation checks of the Securex integration and the seed's four errors, each with what
to do: the VAT number in Payflip's "Informations de l'entreprise" is what links the company to
Securex (seeds/hr-sync-securex-payflip.txt, "Quels problèmes peuvent survenir pendant
l'activation?").

The VAT number is normalised first (python-stdnum ``be.vat``): BE prefix, dots, spaces and
dashes dropped, an old 9-digit number given its leading 0. Then it must have 10 digits (at least
10 without BE, as the seed says; Belgian numbers have exactly 10) and valid check digits.
"""

from __future__ import annotations

from enum import StrEnum

from stdnum.be import vat as be_vat
from stdnum.exceptions import InvalidComponent, ValidationError


class ActivationCode(StrEnum):
    VAT_MISSING = "vat_missing"
    VAT_INVALID = "vat_invalid"
    COMPANY_NOT_FOUND = "company_not_found"
    INTERNAL_ERROR = "internal_error"
    NOT_CONFIGURED = "not_configured"  # ours, before the seed's: no dossier, no credentials


LABELS = {
    ActivationCode.VAT_MISSING: "Numéro de TVA manquant",
    ActivationCode.VAT_INVALID: "Numéro de TVA invalide",
    ActivationCode.COMPANY_NOT_FOUND: "Entreprise non trouvée",
    ActivationCode.INTERNAL_ERROR: "Erreur interne",
    ActivationCode.NOT_CONFIGURED: "Intégration non configurée",
}


class ActivationError(Exception):
    """The activation failed: ``code``, what happened (``message``) and what to do (``action``)."""

    def __init__(self, code: ActivationCode, message: str, action: str) -> None:
        super().__init__(f"{LABELS[code]} : {message} — {action}")
        self.code = code
        self.message = message
        self.action = action

    def __reduce__(self):  # Prefect pickles what tasks raise
        return (type(self), (self.code, self.message, self.action))


def vat_missing() -> ActivationError:
    return ActivationError(
        ActivationCode.VAT_MISSING,
        "aucun numéro de TVA n'est renseigné pour l'entreprise",
        "renseignez-le sous « Informations de l'entreprise » dans Payflip (BE0403.170.701), "
        "puis relancez l'activation",
    )


def normalise_vat(text: str | None) -> str:
    """The 10 digits of a Belgian VAT number, however typed; :class:`ActivationError`
    (missing or invalid) otherwise."""
    if text is None or not text.strip():
        raise vat_missing()
    compact = be_vat.compact(text)
    try:
        return be_vat.validate(compact)
    except ValidationError as error:
        if len(compact) != 10 or not compact.isdigit():
            why = "il faut 10 chiffres sans le préfixe BE (9 pour un ancien numéro)"
        elif isinstance(error, InvalidComponent):
            why = "un numéro belge commence par 0 ou 1"
        else:
            why = "ses chiffres de contrôle ne correspondent pas"
        raise ActivationError(
            ActivationCode.VAT_INVALID,
            f"le numéro de TVA {text.strip()!r} n'a pas le bon format : {why}",
            "corrigez-le sous « Informations de l'entreprise » dans Payflip (tel qu'il figure "
            "dans Securex), puis relancez l'activation",
        ) from error


def company_not_found(vat: str, where: str) -> ActivationError:
    """The VAT has the right format but ``where`` ("Securex", "Payflip") has no such company."""
    if where == "Securex":
        action = (
            "vérifiez que le numéro de TVA dans Payflip est celui enregistré dans Securex ; "
            "s'il l'est, demandez à votre customer success manager d'ouvrir l'intégration "
            "Securex pour cette entreprise"
        )
    else:
        action = (
            "vérifiez le numéro de TVA sous « Informations de l'entreprise » dans Payflip, "
            "ou demandez à votre customer success manager d'y créer l'entreprise"
        )
    return ActivationError(
        ActivationCode.COMPANY_NOT_FOUND,
        f"aucune entreprise BE{vat} dans {where} pour laquelle l'intégration est disponible",
        action,
    )


def internal_error(detail: str) -> ActivationError:
    return ActivationError(
        ActivationCode.INTERNAL_ERROR,
        f"une erreur générale s'est produite pendant l'activation ({detail})",
        "relancez la synchronisation plus tard ; si l'erreur persiste, contactez le support "
        "avec l'heure de l'exécution",
    )


def not_configured(message: str, action: str) -> ActivationError:
    """coursier cannot start the activation: no dossier for the company, no credentials."""
    return ActivationError(ActivationCode.NOT_CONFIGURED, message, action)
