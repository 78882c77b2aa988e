"""The init run's screen: one row per dossier (ready / prerequisites missing / failed, what to
fix, the contact, the fiscal years loaded, the bank accounts, the invitation, DSP2 to do), and
a summary with what people must do."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from coursier.runkit import publish_summary, publish_table
from coursier.tasks.cegid_onboarding import DossierResult

TABLE_KEY = "cegid-flow-init"
LABELS = {"ready": "prêt", "prerequisites_missing": "prérequis manquants", "failed": "échec"}


def rows(results: Iterable[DossierResult]) -> list[dict[str, object]]:
    return [
        {
            "Dossier": r.code,
            "Résultat": LABELS[r.status],
            "À corriger / message": "; ".join(r.to_fix) or r.message,
            "Interlocuteur": f"{r.contact or ''} {r.contact_action or ''}".strip(),
            "Service proposé": "✓" if r.proposed else "",
            "Exercices chargés": ", ".join(
                f"{y['debut'][:4]} ({y['comptes']} comptes, {y['journaux']} journaux, "
                f"{y['ecritures']} écritures)"
                for y in r.years
            ),
            "Comptes bancaires": r.bank_accounts,
            "Invitation envoyée": r.invitation or "",
            "DSP2 à activer": "; ".join(r.dsp2),
        }
        for r in results
    ]


def publish_init_screen(results: list[DossierResult]) -> None:
    publish_table(TABLE_KEY, rows(results), "Initialisation Cegid Flow par dossier")
    todo = [
        f"{r.code} : {fix}"
        for r in results
        if r.status == "prerequisites_missing"
        for fix in r.to_fix
    ]
    todo += [
        f"{r.code} : {r.message} — relancez avec « coursier rerun » ou retry_failed_of"
        for r in results
        if r.status == "failed"
    ]
    todo += [f"{r.code} : {step}" for r in results for step in r.dsp2]
    publish_summary(
        f"{TABLE_KEY}-resume",
        "Initialisation Cegid Flow",
        (f"{r.code} : {LABELS[r.status]} — {r.message}" for r in results),
        Counter(LABELS[r.status] for r in results),
        todo,
    )
