"""Where an association's PAS returns are found in the ledger: the month's monthly DSN deposits
and their stored CRM, and the CRM of flux this project did not deposit (stored unattached).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from coursier.models.deposits import DepositState
from coursier.store.ledger import IN_BATCH
from coursier.store.ledger_tables import Deposit, StoredReturn

PAS_NATURES = ("93", "94", "95")
MONTHLY = "01"
#: Deposits the platform took: their CRM come (or came).
TAKEN = tuple(
    s.value for s in (DepositState.DEPOSITED, DepositState.ACCEPTED, DepositState.ANOMALIES)
)


def month_deposits(session: Session, dossier: str, month: date) -> dict[str, Deposit]:
    """SIRET → the latest monthly DSN of the dossier for ``month`` that the platform took."""
    query = (
        select(Deposit)
        .where(
            Deposit.dossier == dossier,
            Deposit.month == month,
            Deposit.nature == MONTHLY,
            Deposit.idflux.is_not(None),
            Deposit.siret.is_not(None),
            Deposit.state.in_(TAKEN),
        )
        .order_by(Deposit.created_at, Deposit.id)
    )
    return {deposit.siret: deposit for deposit in session.scalars(query)}


def dossiers_with_month_deposits(session: Session, month: date) -> list[str]:
    """The dossiers with a monthly DSN for ``month`` that the platform took."""
    query = (
        select(Deposit.dossier)
        .where(
            Deposit.month == month,
            Deposit.nature == MONTHLY,
            Deposit.idflux.is_not(None),
            Deposit.state.in_(TAKEN),
        )
        .distinct()
    )
    return sorted(session.scalars(query))


def crm_of_flux(session: Session, platform: str, idfluxes: Iterable[str]) -> list[StoredReturn]:
    """The stored PAS returns of these flux, latest publication last."""
    wanted = sorted(set(idfluxes))
    found = []
    for start in range(0, len(wanted), IN_BATCH):
        batch = wanted[start : start + IN_BATCH]
        found += _pas_returns(session, platform, StoredReturn.idflux.in_(batch))
    return sorted(found, key=lambda r: (r.published_at is None, r.published_at, r.id))


def unattached_crm(session: Session, platform: str) -> list[StoredReturn]:
    """The stored PAS returns no deposit of the ledger owns: declarations deposited elsewhere
    (another software, the platform's web form), found in the declarant's listings."""
    return _pas_returns(session, platform, StoredReturn.deposit_id.is_(None))


def _pas_returns(
    session: Session, platform: str, condition: ColumnElement[bool]
) -> list[StoredReturn]:
    query = (
        select(StoredReturn)
        .where(
            StoredReturn.platform == platform,
            StoredReturn.nature.in_(PAS_NATURES),
            condition,
        )
        .order_by(StoredReturn.published_at, StoredReturn.id)
    )
    return list(session.scalars(query))
