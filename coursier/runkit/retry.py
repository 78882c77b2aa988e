"""Running again what failed: ``retry_failed_of`` inside a flow, ``coursier rerun`` outside.

``retry_failed_of`` is a flow-run id or ``"last"`` (the run of the same flow that recorded an
outcome last); the run then processes only the items that failed there, from the details their
outcomes kept. ``coursier rerun`` decides from the run's final state and its failed items:

- some items failed → a new run with the same parameters and ``retry_failed_of`` = that run;
- nothing failed, the run ended Completed → nothing to do, and no new run;
- nothing failed, the run ended Failed, Crashed or Cancelled (it failed as a whole: no
  credentials yet, a killed process) → the same run again, with exactly its parameters;
- the run is not over → nothing yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from coursier.runkit.errors import NothingToRetry, RunFailed
from coursier.store import latest_run_id, outcomes_of

LAST = "last"


def failed_details(session: Session, flow: str, retry_failed_of: str) -> list[dict[str, Any]]:
    """The details of the items that failed in the run ``retry_failed_of`` names.

    :class:`RunFailed` when that run is unknown to the store or is another flow's;
    :class:`NothingToRetry` when none of its items failed.
    """
    run_id = latest_run_id(session, flow) if retry_failed_of == LAST else retry_failed_of
    if run_id is None:
        raise RunFailed(f"Aucune exécution précédente de {flow} à relancer.")
    outcomes = outcomes_of(session, run_id)
    if not outcomes:
        raise RunFailed(
            f"L'exécution {run_id} n'a enregistré aucun résultat : vérifiez son identifiant ; "
            f"une exécution qui a échoué en entier se relance avec « coursier rerun {run_id} »."
        )
    others = sorted({o.flow for o in outcomes} - {flow})
    if others:
        raise RunFailed(
            f"L'exécution {run_id} est une exécution de {', '.join(others)}, pas de {flow} : "
            "donnez une exécution de ce flow."
        )
    failed = [dict(o.details) for o in outcomes if o.status == "failed"]
    if not failed:
        raise NothingToRetry(f"Rien à relancer : aucun élément en échec dans l'exécution {run_id}.")
    return failed


@dataclass(frozen=True)
class Rerun:
    """What ``coursier rerun`` does: start a run with ``parameters``, or only say ``message``."""

    parameters: dict[str, Any] | None
    message: str = ""
    exit_code: int = 0


def plan_rerun(
    flow_run_id: str,
    parameters: Mapping[str, Any],
    *,
    state_name: str,
    finished: bool,
    completed: bool,
    failed_items: int,
    noun: str,
) -> Rerun:
    """The rerun of a run, from its Prefect state and its count of failed items (``noun``:
    what its items are, « fichier »)."""
    if not finished:
        return Rerun(
            None,
            f"L'exécution {flow_run_id} n'est pas terminée ({state_name}) : relancez-la une fois "
            "finie.",
            exit_code=1,
        )
    if failed_items:
        return Rerun({**parameters, "retry_failed_of": flow_run_id})
    if completed:
        return Rerun(
            None,
            f"Rien à relancer : aucun {noun} en échec dans l'exécution {flow_run_id} "
            f"({state_name}).",
        )
    return Rerun(dict(parameters))
