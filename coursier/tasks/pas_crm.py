"""Integrating the PAS returns of associations: fetch what is not stored yet, parse, integrate.

The CRM already downloaded by the returns control are read from the store; only an association
whose 94 or 93 is not stored lists its flux and downloads its new PAS returns, stored as the
returns control stores them (:func:`coursier.tasks.returns.store_fetched`), once. Associations
are read concurrently, and written in batches as they are read. Transfers are retried inside
the connector; an association whose transfer is still cut is ``retryable``: the flow tries it
once more after a pause. A CRM nominatif not published yet is "not available yet" (skipped),
not a failure. Each association fails on its own and the others carry on.
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
from coursier.models.pas import Association, EmployeeRate, Integration, integrate
from coursier.models.pas_matching import CrmSet, PublishedReturn, latest_by_nature
from coursier.models.returns.crm import (
    parse_crm_financier,
    parse_crm_nominatif,
    parse_crm_taux_sur_taux,
)
from coursier.models.returns.listings import ReturnListing
from coursier.models.returns.xml import ReturnParseError
from coursier.runkit import Progress, Run, artifact_key
from coursier.store import OutcomeIn, OutcomeStatus
from coursier.store.pas import integrate_in
from coursier.store.pas_sources import PAS_NATURES, crm_of_flux
from coursier.tasks.pas_sources import Planned
from coursier.tasks.returns import Fetched, fetch_returns, store_fetched

NOT_AVAILABLE = "not_available"
#: Associations written to the store per transaction.
WRITE_BATCH = 50
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


@dataclass(frozen=True)
class Ready:
    """An association whose CRM were read and integrated in memory, to write to the store."""

    planned: Planned
    integration: Integration
    idflux: str


@dataclass(frozen=True)
class Read:
    """What reading one association gave: the returns downloaded (to store, whatever became
    of it), and what to write or its result."""

    planned: Planned
    fetched: tuple[Fetched, ...]
    outcome: Ready | AssociationResult


def read_association(run: Run, stored: StoredCrm, planned: Planned) -> Read:
    """Fetch and parse one association's CRM, without writing to the store."""
    failed = partial(AssociationResult, planned, "failed")
    try:
        crm, fetched = fetch_crm(run, planned, stored.of(planned))
    except TransportError as error:
        why = failed(f"transfert interrompu : {error}", type(error).__name__, retryable=True)
        return Read(planned, (), why)
    except ConnectorError as error:
        return Read(planned, (), failed(str(error), type(error).__name__))
    if crm.nominatif is None:
        waiting = AssociationResult(
            planned, "skipped", "CRM nominatif pas encore disponible", NOT_AVAILABLE
        )
        return Read(planned, fetched, waiting)
    try:
        integration = integrate(
            parse_crm_nominatif(crm.nominatif.content),
            crm.received_on or date.today(),
            _parsed(parse_crm_financier, crm.financier),
            _parsed(parse_crm_taux_sur_taux, crm.taux_sur_taux),
        )
    except ReturnParseError as error:
        return Read(planned, fetched, failed(f"CRM illisible : {error}", UNREADABLE))
    return Read(planned, fetched, Ready(planned, integration, crm.nominatif.idflux))


def fetch_crm(
    run: Run, planned: Planned, stored: list[PublishedReturn]
) -> tuple[CrmSet, tuple[Fetched, ...]]:
    """The association's CRM: the ``stored`` ones, and when its 94 or 93 is not stored, what
    its flux's listing brings (downloaded, not stored yet). A 95 published later and
    overwritten returns come with the returns control's listings."""
    crm = latest_by_nature(stored)
    if not planned.deposited_here or (crm.nominatif and crm.financier):
        return crm, ()
    account = planned.account
    fetched = []
    for idflux in planned.idfluxes:  # the other returns are the returns control's
        listing = account.client.list_flux_returns(idflux)
        pas = [e for e in listing.entries if e.nature in PAS_NATURES]
        fetched.append(fetch_returns(run, account, ReturnListing(pas, listing.set_aside)))
    new = [
        PublishedReturn(entry.idflux, entry.nature, content, entry.published_at)
        for item in fetched
        for entry, content in item.downloaded
    ]
    return latest_by_nature([*stored, *new]), tuple(fetched)


@dataclass(frozen=True)
class StoredCrm:
    """The PAS returns already stored for a run's associations, read in one go (per platform
    and batch of flux) rather than by each association's thread."""

    by_flux: dict[tuple[str, str], list[PublishedReturn]]

    @classmethod
    def read(cls, run: Run, planned: list[Planned]) -> StoredCrm:
        by_flux: dict[tuple[str, str], list[PublishedReturn]] = {}
        platforms = {p.account.platform for p in planned}
        with run.store.read() as session:
            for platform in platforms:
                fluxes = {f for p in planned if p.account.platform == platform for f in p.idfluxes}
                for r in crm_of_flux(session, platform, fluxes):
                    by_flux.setdefault((platform, r.idflux), []).append(
                        PublishedReturn(r.idflux, r.nature, r.content or b"", r.published_at)
                    )
        return cls(by_flux)

    def of(self, planned: Planned) -> list[PublishedReturn]:
        platform = planned.account.platform
        return [r for f in planned.idfluxes for r in self.by_flux.get((platform, f), [])]


def _parsed(parse: Callable[[bytes], object], item: PublishedReturn | None):
    return parse(item.content) if item is not None else None


def write_batch(run: Run, batch: list[Read]) -> list[AssociationResult]:
    """Store a batch's downloaded returns (one transaction per account), then integrate its
    ready associations (one transaction); every association's result."""
    accounts = {r.planned.account.key: r.planned.account for r in batch}
    for key, account in accounts.items():
        mine = [f for r in batch if r.planned.account.key == key for f in r.fetched]
        store_fetched(run, account, mine)
    ready = [r.outcome for r in batch if isinstance(r.outcome, Ready)]
    written = {w.association.key: w for w in write_ready(run, ready)} if ready else {}
    return [
        written[r.planned.association.key] if isinstance(r.outcome, Ready) else r.outcome
        for r in batch
    ]


def write_ready(run: Run, batch: list[Ready]) -> list[AssociationResult]:
    """Integrate a batch of associations into the store, audited, in one transaction."""
    results = []
    with run.store.begin() as session:
        for ready in batch:
            planned, integration = ready.planned, ready.integration
            written = integrate_in(
                session,
                planned.association,
                integration,
                idflux=ready.idflux,
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
                dossier=planned.association.dossier,
                subject=planned.association.key,
                outcome="ok",
                details={
                    "message": message,
                    "new_rates": written.new_rates,
                    "changed_rates": written.changed_rates,
                    "new_anomalies": written.new_anomalies,
                },
            )
            results.append(
                AssociationResult(
                    planned,
                    "ok",
                    message,
                    nominatif=integration.nominatif,
                    financier=integration.financier,
                    rates=integration.rates,
                    anomalies=len(integration.work),
                    flagged=integration.flagged,
                )
            )
    return results


@task(name="integrate-associations", cache_policy=NO_CACHE)
def integrate_associations(run: Run, planned: list[Planned]) -> list[AssociationResult]:
    """Read associations ``pas_concurrency`` at a time and write them :data:`WRITE_BATCH` at a
    time, as they come: SQLite has one writer, and threads queueing for it would wait in its
    busy handler's sleeps. Their results in their order."""
    workers = min(run.settings.pas_concurrency, max(len(planned), 1))
    progress = Progress(artifact_key(run.flow, "progress"), len(planned), "Associations lues")
    results: list[AssociationResult] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pas") as pool:
        batch: list[Read] = []
        stored = StoredCrm.read(run, planned)
        for read in pool.map(partial(read_association, run, stored), planned):
            progress.tick()
            batch.append(read)
            if len(batch) == WRITE_BATCH:
                results += write_batch(run, batch)
                batch = []
        if batch:
            results += write_batch(run, batch)
    return results
