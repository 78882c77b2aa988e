"""A reviewed plan applied: its creates, updates and invitations in batches of tasks
(:mod:`coursier.tasks.clients_apply`), their outcomes recorded, a summary for the run; and the
dossier a client import works for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from coursier.connectors.errors import ConnectorError
from coursier.models.clients_plan import ClientPlan
from coursier.runkit import Progress, Run, RunFailed, artifact_key
from coursier.store import OutcomeIn, list_dossiers
from coursier.store.client_import import hold_lease
from coursier.store.portfolio import DossierView
from coursier.tasks.clients_apply import (
    Target,
    batches,
    create_customers,
    invite_customers,
    update_customers,
)
from coursier.tasks.clients_pull import PROCEDURE, accounton_client, accounton_for


def client_import_dossier(run: Run, code: str | None) -> DossierView:
    """The dossier ``code``, or the only one of the portfolio that imports its clients."""
    if code is not None:
        view = run.dossier(code)
        if view.platform_for(PROCEDURE) is None:
            raise RunFailed(
                f"Le dossier {code} n'importe pas ses clients : ajoutez-lui "
                "« client-import: adminpulse » (ou admin-is) dans le portefeuille."
            )
        return view
    with run.store.read() as session:
        found = [d for d in list_dossiers(session) if d.platform_for(PROCEDURE)]
    if len(found) != 1:
        named = ", ".join(d.code for d in found) or "aucun"
        raise RunFailed(
            f"Dossiers qui importent leurs clients : {named} : indiquez-en un (--dossier)."
        )
    return found[0]


def _questionnaire(plan: ClientPlan, client_factory) -> str:
    if plan.settings.questionnaire:
        return plan.settings.questionnaire
    with client_factory() as client:
        found = [q for q in client.questionnaires() if q.get("language") == plan.settings.language]
    if not found:
        raise RunFailed(
            f"Aucun questionnaire Accounton en langue {plan.settings.language} : choisissez-en "
            "un dans le plan (réglage questionnaire)."
        )
    return found[0]["id"]


def apply_plan(
    run: Run, view: DossierView, plan: ClientPlan, path: Path, only: set[str] | None
) -> str:
    """Apply ``plan``, read from or saved at ``path`` (only the item keys ``only`` when given):
    the outcomes name the file, that ``retry_failed_of`` reads again; the run's summary."""
    hold_lease(run.store, run.flow_run_id, run.flow)
    try:
        _, account_key = accounton_for(view)
        factory = partial(accounton_client, view)  # one client per batch
        target = Target(view.code, account_key, factory, _questionnaire(plan, factory))
        # an invitation to redo needs its client's create (settled: nothing is sent again)
        creates = _only(
            plan.creates(), only, lambda r: {f"create:{r['import_id']}", f"invite:{r['import_id']}"}
        )
        updates = _only(list(plan.updates().items()), only, lambda u: f"update:{u[0]}")
        current = _current(factory) if updates else {}
    except ConnectorError as error:
        raise RunFailed(f"Accounton injoignable pour le dossier {view.code} : {error}") from None
    invitations = len(creates) if plan.settings.send_invitations else 0
    progress = Progress(
        artifact_key("clients", view.code, "application"),
        len(creates) + len(updates) + invitations,
        f"Application du plan d'import des clients du dossier {view.code}",
    )
    outcomes: list[OutcomeIn] = []
    created: list[tuple[dict[str, Any], str]] = []
    for batch in batches(creates):
        for record, done in zip(batch, create_customers(run, target, batch), strict=True):
            outcomes.append(done.outcome)
            progress.tick()
            if done.customer_id:
                created.append((record, done.customer_id))
    for batch in batches(updates):
        outcomes += _ticked(progress, update_customers(run, target, batch, current))
    if plan.settings.send_invitations:
        created = _only(created, only, lambda c: f"invite:{c[0]['import_id']}")
        for batch in batches(created):
            outcomes += _ticked(progress, invite_customers(run, target, batch))
    run.record(replace(o, details={**o.details, "plan": str(path)}) for o in outcomes)
    return _summary(outcomes, plan.settings.send_invitations)


def _ticked(progress: Progress, outcomes: list[OutcomeIn]) -> list[OutcomeIn]:
    for _ in outcomes:
        progress.tick()
    return outcomes


def _only(items: list, keys: set[str] | None, keys_of) -> list:
    """``items`` (all of them when ``keys`` is None) whose item key(s) are among ``keys``."""
    if keys is None:
        return items
    return [item for item in items if _keys(keys_of(item)) & keys]


def _keys(found: str | set[str]) -> set[str]:
    return {found} if isinstance(found, str) else found


def _current(factory) -> dict[str, dict[str, Any]]:
    with factory() as client:
        return {c["source_id"]: c for c in client.customers()}


def _summary(outcomes: Iterable[OutcomeIn], invitations: bool) -> str:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        action = outcome.item_key.split(":", 1)[0]
        counts[f"{action}:{outcome.status}"] = counts.get(f"{action}:{outcome.status}", 0) + 1
    created = counts.get("create:ok", 0)
    parts = [
        f"{created} client(s) ajouté(s) ou déjà présent(s)",
        f"{counts.get('update:ok', 0)} client(s) à jour",
        f"{sum(v for k, v in counts.items() if k.endswith(':failed'))} en échec",
    ]
    parts.append(
        f"{counts.get('invite:ok', 0)} invitation(s) envoyée(s)"
        if invitations
        else "aucune invitation envoyée (statut « Non envoyé »)"
    )
    return ", ".join(parts)
