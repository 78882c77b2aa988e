"""The dossiers a Cegid Flow run works on: those asked for, or every dossier of the portfolio
that takes part in cegid-flow (``platforms: {cegid-flow: cegid-loop}``)."""

from __future__ import annotations

from collections.abc import Sequence

from coursier.runkit import Run, RunFailed
from coursier.store.portfolio import DossierView, list_dossiers

PROCEDURE = "cegid-flow"
PLATFORM = "cegid-loop"
JOIN_ADVICE = f"ajoutez « platforms: {{{PROCEDURE}: {PLATFORM}}} » au dossier dans le portefeuille"


def dossiers_taking_part(
    run: Run, codes: Sequence[str] | None
) -> tuple[list[DossierView], list[tuple[str, str]]]:
    """The dossiers to work on, and (code, why not) for those asked for that take no part.

    :class:`RunFailed` when a code is not in the portfolio, or when none takes part."""
    with run.store.begin() as session:
        every = {view.code: view for view in list_dossiers(session)}
    if codes is None:
        chosen = [v for v in every.values() if v.platform_for(PROCEDURE) == PLATFORM]
        if not chosen:
            raise RunFailed(
                f"Aucun dossier du portefeuille ne prend part à {PROCEDURE} : {JOIN_ADVICE}."
            )
        return chosen, []
    unknown = [c for c in codes if c not in every]
    if unknown:
        raise RunFailed(
            f"Dossier(s) inconnu(s) : {', '.join(unknown)} : importez le portefeuille "
            "(coursier portfolio import) ou vérifiez les codes."
        )
    views = [every[c] for c in dict.fromkeys(codes)]
    out = [
        (v.code, f"le dossier ne prend pas part à {PROCEDURE} : {JOIN_ADVICE}")
        for v in views
        if v.platform_for(PROCEDURE) != PLATFORM
    ]
    return [v for v in views if v.platform_for(PROCEDURE) == PLATFORM], out
