"""Both sides of a client import, read once per run: the practice-management system's clients
(AdminPulse or Admin IS | Consult; all of them, or one taskflow's) and Accounton's customers and
questionnaires, normalised for the classification.

Credentials are resolved for the dossier (narrowest scope first); a platform that cannot be
read stops the run saying what to do (:class:`~coursier.runkit.RunFailed`): a plan computed on
half a side would propose to create clients that exist.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from coursier.connectors.accounton import ACCOUNTON
from coursier.connectors.accounton.client import AccountonClient
from coursier.connectors.admin_is import ADMIN_IS
from coursier.connectors.admin_is.client import AdminIsClient
from coursier.connectors.adminpulse import ADMINPULSE
from coursier.connectors.adminpulse.client import AdminPulseClient
from coursier.connectors.credentials import ScopeChain
from coursier.connectors.errors import ConnectorError
from coursier.models.clients_normalise import RAW_COLUMNS, normalise_sides
from coursier.runkit import RunFailed
from coursier.store.portfolio import DossierView

KINDS = (ADMINPULSE, ADMIN_IS, ACCOUNTON)
PROCEDURE = "client-import"


@dataclass(frozen=True)
class Sides:
    imported: pd.DataFrame
    accounton: pd.DataFrame
    questionnaires: list[dict[str, Any]]
    account_key: str


def records_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(records, columns=list(RAW_COLUMNS))


def accounton_for(dossier: DossierView) -> tuple[AccountonClient, str]:
    """Accounton's client for the dossier and its account's identity."""
    block = ACCOUNTON.resolve(ScopeChain.of(dossier)).block
    return AccountonClient.from_block(block), block.account_key


def accounton_client(dossier: DossierView) -> AccountonClient:
    return accounton_for(dossier)[0]


def _source_client(dossier: DossierView, source: str) -> AbstractContextManager:
    if source == "adminpulse":
        return AdminPulseClient.from_block(ADMINPULSE.resolve(ScopeChain.of(dossier)).block)
    return AdminIsClient.from_block(ADMIN_IS.resolve(ScopeChain.of(dossier)).block)


def _imported(dossier: DossierView, source: str, taskflow: str | None) -> list[dict[str, Any]]:
    with _source_client(dossier, source) as client:
        if source == "adminpulse":
            records = list(client.relations())
            members = client.taskflow_relation_ids(taskflow) if taskflow else None
        else:
            records = list(client.clients())
            members = client.taskflow_client_codes(taskflow) if taskflow else None
    if members is None:
        return records
    return [r for r in records if r["source_id"] in members]


@task(name="pull-clients", cache_policy=NO_CACHE)
def pull_clients(dossier: DossierView, source: str, taskflow: str | None) -> Sides:
    """The import (all clients or one taskflow's) and Accounton's customers, normalised."""
    try:
        imported = _imported(dossier, source, taskflow)
        client, account_key = accounton_for(dossier)
        with client:
            customers = list(client.customers())
            questionnaires = client.questionnaires()
    except ConnectorError as error:
        raise RunFailed(f"Lecture impossible pour le dossier {dossier.code} : {error}") from None
    mine, theirs = normalise_sides(records_frame(imported), records_frame(customers))
    return Sides(mine, theirs, questionnaires, account_key)
