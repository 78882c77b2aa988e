"""Reconciling deposits of unknown fate through the platform's own listing and bilans.

Runs before an account sends anything, whenever its sending is stuck behind an unknown deposit,
and in every returns control: it settles the account's rows that are unknown, or that a run
stopped holding (killed, cut off) while sending. Listed deposits the ledger does not know are
identified by their bilan, then matched by :func:`coursier.models.deposits.reconcile`; a row
that surely never arrived goes back to "not sent", and is sent again by the next deposit.
Only this account's rows are touched, and every decision is audited under its dossier.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.orm import Session

from coursier.connectors.errors import ConnectorError
from coursier.connectors.net_entreprises.client import NetEntreprisesClient
from coursier.models.accounts import DeclarationIdentity, group_key
from coursier.models.deposits import (
    BILAN_NATURE,
    CLOCK_SKEW,
    DepositState,
    ListedDeposit,
    Reconciliation,
    Unsettled,
    reconcile,
)
from coursier.models.returns.listings import DepositEntry
from coursier.models.returns.rapport import parse_rapport
from coursier.models.returns.xml import ReturnParseError
from coursier.runkit import Run
from coursier.store.claims import adopt_unowned_rows, settle_unknown, unsettled_rows
from coursier.store.ledger import known_idflux
from coursier.store.ledger_tables import Deposit
from coursier.tasks.accounts import Account

NOT_ARRIVED = (
    "Le dépôt précédent n'est pas arrivé sur la plateforme : non déposée, elle est renvoyée "
    "automatiquement"
)
ARE_NATURE = "10"

log = logging.getLogger(__name__)

#: What a bilan has said of a flux (it does not change): one look per flux and process.
Identities = dict[str, DeclarationIdentity]


class Reconciler:
    """Reconciles one account for one run, remembering the bilans it has already read."""

    def __init__(self, run: Run, account: Account) -> None:
        self.run = run
        self.account = account
        self._identities: Identities = {}

    def __call__(self) -> Reconciliation:
        """Settle every row of the account that can be settled now."""
        store, key = self.run.store, self.account.key
        now = datetime.now(UTC)
        with store.begin() as session:
            adopt_unowned_rows(session, self.account.platform, self.account.declarant_siret, key)
            rows = unsettled_rows(session, key, now)
            unsettled = [_unsettled(r) for r in rows]
            dossiers = {r.id: r.dossier for r in rows}
        if not unsettled:
            return Reconciliation()
        since = min(r.sent_at for r in unsettled) - CLOCK_SKEW
        listed = self.account.client.list_deposits(since, now)
        with store.begin() as session:
            known = known_idflux(session, key, (e.idflux for e in listed))
        candidates = [self._identify(e) for e in listed if e.idflux not in known]
        grace = timedelta(seconds=self.run.settings.arrival_grace_seconds)
        result = reconcile(unsettled, candidates, now, grace)
        self._record(result, dossiers, now)
        return result

    def _record(self, result: Reconciliation, dossiers: dict[int, str], now: datetime) -> None:
        with self.run.store.begin() as session:
            for deposit_id, idflux in result.matched.items():
                if settle_unknown(
                    session,
                    deposit_id,
                    now,
                    state=DepositState.DEPOSITED.value,
                    idflux=idflux,
                    message=f"Retrouvé dans la liste des dépôts de la plateforme (flux {idflux})",
                ):
                    self._audit(session, dossiers[deposit_id], deposit_id, "arrived", idflux)
            for deposit_id in result.not_arrived:
                if settle_unknown(
                    session, deposit_id, now, state=DepositState.NOT_SENT.value, message=NOT_ARRIVED
                ):
                    self._audit(session, dossiers[deposit_id], deposit_id, "not-arrived", None)
            for idflux in result.strays:
                self.run.audit_in(
                    session,
                    "dsn.deposit.stray",
                    subject=idflux,
                    outcome="inconnu du registre",
                    details={"account": self.account.key},
                )

    def _audit(
        self, session: Session, dossier: str, deposit_id: int, outcome: str, idflux: str | None
    ) -> None:
        self.run.audit_in(
            session,
            "dsn.deposit.reconcile",
            dossier=dossier,
            subject=str(deposit_id),
            outcome=outcome,
            details={"idflux": idflux, "account": self.account.key},
        )

    def _identify(self, entry: DepositEntry) -> ListedDeposit:
        """A listed deposit with what its bilan says, once the bilan is out."""
        identity, rejected = self._identities.get(entry.idflux), False
        if identity is None:
            try:
                identity, rejected = identify(self.account.client, entry)
            except ConnectorError as error:  # unidentified this time: the rows it may be wait
                log.warning("bilan du flux %s non lu : %s", entry.idflux, error)
            if identity is not None:
                self._identities[entry.idflux] = identity
        return ListedDeposit(entry.idflux, entry.deposited_at, identity, rejected)


def identify(
    client: NetEntreprisesClient, entry: DepositEntry
) -> tuple[DeclarationIdentity | None, bool]:
    """(what the bilan names, refused without bilan) for one listed deposit."""
    returns = client.list_flux_returns(entry.idflux).entries
    bilans = [r for r in returns if r.nature == BILAN_NATURE]
    if bilans:
        try:
            rapport = parse_rapport(client.download(bilans[-1]))
        except ReturnParseError:
            return None, False
        for declaration in rapport.declarations:
            siret = (declaration.siren or "") + (declaration.nic or "")
            return (
                DeclarationIdentity(
                    siret=siret or None,
                    nature=declaration.nature,
                    declaration_type=declaration.type,
                    month=_month(declaration.month),
                    business_id=declaration.business_id,
                ),
                False,
            )
        return None, False
    refused = entry.status == "KO" or any(
        r.nature == ARE_NATURE and r.status == "KO" for r in returns
    )
    return None, refused


def _month(value: str | None) -> date | None:
    """A bilan's ``mois``: ``01MMYYYY`` as in the file, or ``YYYY-MM``; None when unreadable."""
    text = (value or "").strip()
    try:
        if len(text) == 8 and text.isdigit():
            return date(int(text[4:]), int(text[2:4]), 1)
        if len(text) >= 7 and text[4] == "-":
            return date(int(text[:4]), int(text[5:7]), 1)
    except ValueError:
        return None
    return None


def _unsettled(row: Deposit) -> Unsettled:
    return Unsettled(
        row.id,
        row.sent_at or row.created_at,
        row.group_key or group_key(row.siret, row.nature, row.declaration_type),
        row.month,
        row.business_id,
    )


@task(name="reconcile-deposits", cache_policy=NO_CACHE)
def reconcile_account(run: Run, account: Account) -> Reconciliation:
    """Settle the deposits of unknown fate of the account a run is about to use."""
    return Reconciler(run, account)()


def try_reconcile(reconciler: Reconciler) -> Reconciliation:
    """One look that may fail without failing the run: the rows it would settle wait."""
    try:
        return reconciler()
    except ConnectorError as error:
        log.warning("rapprochement des dépôts reporté : %s", error)
        return Reconciliation()
