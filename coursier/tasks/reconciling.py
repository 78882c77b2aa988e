"""Reconciling deposits whose POST had an unknown fate, through the platform's own listing.

Runs before any new deposit of the same declarant account: a file is never sent again while the
platform may already hold it. Listed deposits the ledger does not know are identified by their
bilan when there is one (SIRET, month), then matched by :func:`coursier.models.deposits.reconcile`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prefect import task
from prefect.cache_policies import NO_CACHE

from coursier.connectors.net_entreprises.client import NetEntreprisesClient
from coursier.models.deposits import (
    BILAN_NATURE,
    CLOCK_SKEW,
    DepositState,
    InFlightDeposit,
    ListedDeposit,
    Reconciliation,
    reconcile,
)
from coursier.models.returns.listings import DepositEntry
from coursier.models.returns.rapport import parse_rapport
from coursier.models.returns.xml import ReturnParseError
from coursier.store import Store, append_audit
from coursier.store.ledger import deposits_to_reconcile, known_idflux, update_deposit
from coursier.tasks.accounts import Account
from coursier.tasks.runs import Run

NOT_ARRIVED = "Le dépôt précédent n'est pas arrivé sur la plateforme : le fichier sera redéposé"


@task(name="reconcile-deposits", cache_policy=NO_CACHE)
def reconcile_deposits(
    store: Store,
    client: NetEntreprisesClient,
    platform: str,
    declarant_siret: str,
    *,
    arrival_grace: timedelta,
    actor: str,
    flow_run_id: str | None,
) -> Reconciliation:
    """Settle every "sending"/"unknown" deposit of one declarant account that can be settled."""
    with store.begin() as session:
        rows = deposits_to_reconcile(session, platform, declarant_siret)
        in_flight = [
            InFlightDeposit(r.id, r.sent_at or r.created_at, r.siret, r.month, r.nature)
            for r in rows
        ]
    if not in_flight:
        return Reconciliation()
    now = datetime.now(UTC)
    listed = client.list_deposits(min(r.sent_at for r in in_flight) - CLOCK_SKEW, now)
    with store.begin() as session:
        known = known_idflux(session, platform, (e.idflux for e in listed))
    candidates = [_identify(client, e) for e in listed if e.idflux not in known]
    result = reconcile(in_flight, candidates, now, arrival_grace)
    with store.begin() as session:
        for deposit_id, idflux in result.matched.items():
            update_deposit(
                session,
                deposit_id,
                state=DepositState.DEPOSITED.value,
                idflux=idflux,
                message="Retrouvé dans la liste des dépôts de la plateforme",
            )
        for deposit_id in result.not_arrived:
            update_deposit(
                session, deposit_id, state=DepositState.REFUSED.value, message=NOT_ARRIVED
            )
        append_audit(
            session,
            actor=actor,
            action="dsn.deposit.reconcile",
            flow_run_id=flow_run_id,
            subject=declarant_siret,
            outcome=f"{len(result.matched)} retrouvé(s), {len(result.not_arrived)} non arrivé(s)",
            details={
                "matched": {str(k): v for k, v in result.matched.items()},
                "not_arrived": result.not_arrived,
                "undecided": result.undecided,
            },
        )
    return result


def _identify(client: NetEntreprisesClient, entry: DepositEntry) -> ListedDeposit:
    """A listed deposit, with the SIRET and month its bilan names when the bilan is out."""
    for found in client.list_flux_returns(entry.idflux):
        if found.nature != BILAN_NATURE:
            continue
        try:
            rapport = parse_rapport(client.download(found))
        except ReturnParseError:
            break
        for declaration in rapport.declarations:
            siret = (declaration.siren or "") + (declaration.nic or "")
            return ListedDeposit(entry.idflux, entry.deposited_at, siret=siret or None)
    return ListedDeposit(entry.idflux, entry.deposited_at)


def reconcile_account(run: Run, account: Account) -> Reconciliation:
    """Reconcile the deposits of unknown fate of the account a run is about to use."""
    return reconcile_deposits(
        run.store,
        account.client,
        account.platform,
        account.declarant_siret,
        arrival_grace=timedelta(seconds=run.settings.arrival_grace_seconds),
        actor=run.actor,
        flow_run_id=run.flow_run_id,
    )
