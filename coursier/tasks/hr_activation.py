"""Which companies a run syncs, and the activation of each (the seed's four errors).

A company is a dossier of the portfolio taking part in ``hr-sync`` on Payflip; its VAT number
is the dossier's company number, or the one typed for ``--company``. Activation normalises the
VAT (missing, invalid), resolves the dossier's Securex and Payflip credentials (narrowest scope
first), finds the company in Payflip, then in Securex (not found); anything else that goes
wrong on the way is the seed's "internal error". It opens both clients for the rest of the run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.runtime import deployment, flow_run

from coursier.connectors.credentials import CredentialsNotFound, ScopeChain
from coursier.connectors.errors import ConnectorError
from coursier.connectors.payflip.client import PayflipClient
from coursier.connectors.payflip.kind import PAYFLIP
from coursier.connectors.securex.client import SecurexClient
from coursier.connectors.securex.errors import CompanyNotFound
from coursier.connectors.securex.kind import SECUREX
from coursier.models.hr_activation import (
    ActivationError,
    company_not_found,
    internal_error,
    normalise_vat,
    not_configured,
)
from coursier.runkit import Run, RunFailed
from coursier.store.portfolio import DossierView, list_dossiers

PROCEDURE = "hr-sync"
#: Outcome details naming a company that failed as a whole (its activation).
WHOLE = "activation"


@dataclass(frozen=True)
class Target:
    """A company to sync: the VAT as typed, its dossier (None when the VAT names none yet),
    and when the run retries failures, the employee numbers to sync (None: all)."""

    vat_text: str | None
    dossier: DossierView | None
    only: frozenset[str] | None = None


@dataclass
class Active:
    """An activated company: clients open on both platforms, Payflip's id for it."""

    vat: str
    dossier: DossierView
    payflip_company: str
    securex: SecurexClient
    payflip: PayflipClient

    @property
    def key(self) -> str:
        return f"BE{self.vat}"

    def close(self) -> None:
        self.securex.close()
        self.payflip.close()


def _synced_dossiers(run: Run) -> list[DossierView]:
    with run.store.read() as session:
        return [d for d in list_dossiers(session) if d.platform_for(PROCEDURE) == "payflip"]


def targets(run: Run, company: str | None, retry: list[Mapping[str, Any]] | None) -> list[Target]:
    """The companies of this run: the one typed, those of the failures retried, or every
    dossier synced to Payflip."""
    dossiers = _synced_dossiers(run)
    by_vat = first_dossier_by_company(dossiers)
    if retry is not None:
        return _retried(by_vat, retry)
    if company is not None:
        return [Target(company, _dossier_of(by_vat, company))]
    if not dossiers:
        raise RunFailed(
            "Aucun dossier du portefeuille ne synchronise Securex vers Payflip : ajoutez "
            "« hr-sync: payflip » à ses plateformes (coursier portfolio import)."
        )
    # One sync per company, however many of its dossiers take part (its first by code).
    return [Target(vat, d) for vat, d in first_dossier_by_company(dossiers).items()]


def first_dossier_by_company(dossiers: list[DossierView]) -> dict[str, DossierView]:
    """Company number → its first dossier (the list is ordered by code)."""
    found: dict[str, DossierView] = {}
    for dossier in dossiers:
        found.setdefault(dossier.company_number, dossier)
    return found


def _dossier_of(by_vat: Mapping[str, DossierView], typed: str) -> DossierView | None:
    try:
        return by_vat.get(normalise_vat(typed))
    except ActivationError:
        return None  # activation says why


def _retried(
    by_vat: Mapping[str, DossierView], failed: Iterable[Mapping[str, Any]]
) -> list[Target]:
    numbers: dict[str, set[str] | None] = {}
    for details in failed:
        vat = str(details.get("company", ""))
        if details.get(WHOLE) or numbers.get(vat, set()) is None:
            numbers[vat] = None
        else:
            numbers.setdefault(vat, set()).add(str(details.get("employee_number")))
    return [
        Target(vat, by_vat.get(vat), None if only is None else frozenset(only))
        for vat, only in numbers.items()
    ]


@task(name="activate-company", cache_policy=NO_CACHE)
def activate_company(target: Target) -> Active:
    """Check the VAT, open both platforms, find the company on each; :class:`ActivationError`."""
    vat = normalise_vat(target.vat_text)
    dossier = target.dossier
    if dossier is None:
        raise not_configured(
            f"aucun dossier du portefeuille n'a l'entreprise BE{vat} avec « hr-sync: payflip »",
            "ajoutez-la au portefeuille (coursier portfolio import), puis relancez",
        )
    try:
        chain = ScopeChain.of(dossier)
        securex = SecurexClient(SECUREX.resolve(chain).block)
        payflip = PayflipClient(PAYFLIP.resolve(chain).block)
    except CredentialsNotFound as missing:
        what, _, action = str(missing).partition(" : ")
        raise not_configured(f"dossier {dossier.code} : {what}", action) from None
    try:
        found = payflip.company_by_vat(f"BE{vat}")
        if found is None:
            raise company_not_found(vat, "Payflip")
        try:
            securex.company(vat)
        except CompanyNotFound:
            raise company_not_found(vat, "Securex") from None
        return Active(vat, dossier, str(found["id"]), securex, payflip)
    except ActivationError:
        securex.close()
        payflip.close()
        raise
    except (ConnectorError, KeyError, TypeError) as error:
        securex.close()
        payflip.close()
        detail = error.summary if isinstance(error, ConnectorError) else "réponse inattendue"
        raise internal_error(detail) from error


def trigger_of_this_run() -> str:
    """``nightly`` for a run its deployment's schedule started, ``manual`` for any other
    ("Synchroniser maintenant" in the UI, the CLI, a rerun)."""
    if flow_run.id is None or deployment.id is None:
        return "manual"
    with get_client(sync_client=True) as client:
        return "nightly" if client.read_flow_run(flow_run.id).auto_scheduled else "manual"
