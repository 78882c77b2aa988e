"""Integrating the PAS returns of associations: fetch what is not stored yet, parse, integrate.

The CRM already downloaded by the returns control are read from the store; only an association
whose 94 or 93 is not stored lists its flux and downloads the new returns (stored once, for
the returns control too: :func:`coursier.tasks.returns.take_returns`). Transfers are retried
inside the connector; an association whose transfer is still cut is ``retryable``: the flow
tries it once more after a pause. A CRM nominatif not published yet is "not available yet"
(skipped), not a failure. Each association fails on its own and the others carry on.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import partial

from prefect import task
from prefect.cache_policies import NO_CACHE

from coursier.connectors.errors import ConnectorError, TransportError
from coursier.models.pas import Association, EmployeeRate, integrate
from coursier.models.pas_matching import CrmSet, PublishedReturn, latest_by_nature
from coursier.models.returns.crm import (
    parse_crm_financier,
    parse_crm_nominatif,
    parse_crm_taux_sur_taux,
)
from coursier.models.returns.xml import ReturnParseError
from coursier.runkit import Run
from coursier.store import OutcomeIn, OutcomeStatus
from coursier.store.pas import integrate_in
from coursier.store.pas_sources import crm_of_flux
from coursier.tasks.pas_sources import Planned
from coursier.tasks.returns import take_returns

NOT_AVAILABLE = "not_available"
UNREADABLE = "unreadable"


@dataclass(frozen=True)
class AssociationResult:
    """What became of one association: the line of the seed's screen, and its outcome."""

    planned: Planned
    status: OutcomeStatus
    message: str
    error_code: str | None = None
    retryable: bool = False
    nominatif: str = "absent"
    financier: str = "absent"
    rates: tuple[EmployeeRate, ...] = field(default=(), repr=False)
    anomalies: int = 0
    flagged: int = 0

    @property
    def association(self) -> Association:
        return self.planned.association

    def outcome(self) -> OutcomeIn:
        details = {
            **self.association.details(),
            "deposited_here": self.planned.deposited_here,
            "idflux": list(self.planned.idfluxes),
            "nominatif": self.nominatif,
            "financier": self.financier,
            "rates": len(self.rates),
            "anomalies": self.anomalies,
            "flagged": self.flagged,
        }
        return OutcomeIn(self.association.key, self.status, self.error_code, self.message, details)


def integrate_association(run: Run, planned: Planned) -> AssociationResult:
    """Fetch, parse and integrate one association's CRM; its result, whatever happens."""
    failed = partial(AssociationResult, planned, "failed")
    try:
        crm = fetch_crm(run, planned)
    except TransportError as error:
        return failed(f"transfert interrompu : {error}", type(error).__name__, retryable=True)
    except ConnectorError as error:
        return failed(str(error), type(error).__name__)
    if crm.nominatif is None:
        return AssociationResult(
            planned, "skipped", "CRM nominatif pas encore disponible", NOT_AVAILABLE
        )
    try:
        integration = integrate(
            parse_crm_nominatif(crm.nominatif.content),
            crm.received_on or date.today(),
            _parsed(parse_crm_financier, crm.financier),
            _parsed(parse_crm_taux_sur_taux, crm.taux_sur_taux),
        )
    except ReturnParseError as error:
        return failed(f"CRM illisible : {error}", UNREADABLE)
    association = planned.association
    with run.store.begin() as session:
        written = integrate_in(
            session,
            association,
            integration,
            idflux=crm.nominatif.idflux,
            deposited_here=planned.deposited_here,
            flow_run_id=run.flow_run_id,
        )
        message = (
            f"intégrée : {len(integration.rates)} taux, {len(integration.work)} anomalie(s)"
            + ("" if planned.deposited_here else " (déclaration déposée hors coursier)")
        )
        run.audit_in(
            session,
            "pas.crm.integrated",
            dossier=association.dossier,
            subject=association.key,
            outcome="ok",
            details={
                "message": message,
                "new_rates": written.new_rates,
                "changed_rates": written.changed_rates,
                "new_anomalies": written.new_anomalies,
            },
        )
    return AssociationResult(
        planned,
        "ok",
        message,
        nominatif=integration.nominatif,
        financier=integration.financier,
        rates=integration.rates,
        anomalies=len(integration.work),
        flagged=integration.flagged,
    )


def fetch_crm(run: Run, planned: Planned) -> CrmSet:
    """The association's CRM: from the store, after listing its flux when 94 or 93 is missing
    (a 95 and overwritten returns come with the returns control's listings)."""
    crm = _stored(run, planned)
    if planned.deposited_here and (crm.nominatif is None or crm.financier is None):
        account = planned.account
        for idflux in planned.idfluxes:
            take_returns(run, account, account.client.list_flux_returns(idflux))
        crm = _stored(run, planned)
    return crm


def _stored(run: Run, planned: Planned) -> CrmSet:
    with run.store.read() as session:
        stored = crm_of_flux(session, planned.account.platform, planned.idfluxes)
        return latest_by_nature(
            PublishedReturn(r.idflux, r.nature, r.content or b"", r.published_at) for r in stored
        )


def _parsed(parse: Callable[[bytes], object], item: PublishedReturn | None):
    return parse(item.content) if item is not None else None


@task(name="integrate-associations", cache_policy=NO_CACHE)
def integrate_associations(run: Run, planned: list[Planned]) -> list[AssociationResult]:
    """Integrate associations ``pas_concurrency`` at a time; their results in their order."""
    workers = min(run.settings.pas_concurrency, max(len(planned), 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pas") as pool:
        return list(pool.map(partial(integrate_association, run), planned))
