"""The associations of a dossier's month offered in the Prefect UI as boxes to tick.

The flow's ``associations`` parameter takes SIRET typed by hand: a deployment's form is built
once, when it is served, and cannot list one dossier's establishments. Asked to let the person
choose, the run plans the dossier's month first, then pauses with a form listing exactly the
associations it found (all ticked): the seed's screen, where one ticks the associations before
"intégration automatique".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

from prefect.input import RunInput
from pydantic import Field, create_model

from coursier.models.portfolio import slug
from coursier.runkit import Run
from coursier.runkit.review import ask_in_ui
from coursier.tasks.pas_sources import Planned


def association_form(dossier: str, month: date, sirets: Sequence[str]) -> type[RunInput]:
    """A form of one multiple choice among ``sirets``, all chosen by default."""
    return create_model(
        "AssociationsAIntegrer",
        __base__=RunInput,
        associations=(
            list[Literal[tuple(sirets)]],
            Field(
                default=list(sirets),
                title="Associations à intégrer",
                description=f"Dossier {dossier}, DSN de {month:%m/%Y} : décochez les "
                "associations à laisser de côté, puis « Resume ».",
            ),
        ),
    )


def choose_associations(
    run: Run, dossier: str, month: date, planned: list[Planned]
) -> list[Planned] | None:
    """The associations chosen in the UI among ``planned``; None when nobody answered."""
    sirets = [p.association.siret for p in planned]
    form = association_form(dossier, month, sirets)
    answer = ask_in_ui(form, run.settings, key=f"associations-{slug(dossier)}-{month:%Y-%m}")
    if answer is None:
        return None
    chosen = set(answer.associations)
    run.audit(
        "pas.associations_chosen",
        subject=dossier,
        outcome="ok",
        details={"month": f"{month:%Y-%m}", "chosen": sorted(chosen), "offered": sirets},
    )
    return [p for p in planned if p.association.siret in chosen]
