"""Depositing checked DSN files: the ledger first, then the POST, never twice.

A ledger row is written ("sending") and committed before the POST, and updated after it. When
the POST's fate is unknown (a cut, a crash), the row stays "sending"/"unknown" until
:mod:`coursier.tasks.reconciling` finds it in the platform's listing, or finds it never arrived.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.orm import Session

from coursier.connectors.errors import ConnectorError
from coursier.connectors.net_entreprises.client import NetEntreprisesClient
from coursier.connectors.net_entreprises.errors import DepositOutcomeUnknown, DepositRejected
from coursier.models.deposits import Action, DepositState, Plan, plan_deposit
from coursier.models.portfolio import module_of_nature
from coursier.store import Store
from coursier.store.ledger import add_deposit, find_deposit, update_deposit
from coursier.store.m2m import m2m_enabled
from coursier.store.portfolio import DossierView
from coursier.tasks.artifacts import Progress
from coursier.tasks.dsn_files import CheckedFile

STATE_OF_ACTION = {
    Action.BLOCK: DepositState.BLOCKED,
    Action.REFUSE: DepositState.REFUSED,
    Action.SKIP_M2M: DepositState.NOT_DEPOSITED_M2M,
}
#: Actions that leave the ledger row as it is.
LEDGER_DECIDES = frozenset({Action.KEEP, Action.FOLLOW, Action.RECONCILE})
#: Actions that are no error of the file's.
QUIET_ACTIONS = frozenset({Action.KEEP, Action.FOLLOW, Action.SKIP_M2M})


@dataclass(frozen=True)
class DepositTarget:
    """Where and as whom a dossier's files are deposited (no secret in here).

    The declarant and the credentials' name are known only once an account was opened: files
    that are not sent do not need one.
    """

    dossier: str
    platform: str
    operator: str
    flow_run_id: str
    declarant_siret: str | None = None
    credential_name: str | None = None


@dataclass(frozen=True)
class FileResult:
    """What became of one file in this run, as far as this run took it.

    Its outcome (ok, failed, skipped) is decided at the end of the run from the ledger, once the
    returns followed have settled the state: a file whose bilan rejects it has failed.
    """

    path: str
    name: str
    sha256: str
    state: DepositState | None  # None: the file could not be read
    message: str
    error_code: str | None = None
    idflux: str | None = None
    deposit_id: int | None = None
    kept: bool = False  # final in an earlier run, left as it was

    def details(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "idflux": self.idflux}


def unreadable(checked: CheckedFile) -> FileResult:
    return FileResult(checked.path, checked.name, "", None, checked.error or "", "unreadable-file")


def record_decision(
    store: Store, target: DepositTarget, checked: CheckedFile, plan: Plan
) -> FileResult:
    """Record a file that is not sent in this run (blocked, refused, M2M off, already sent)."""
    with store.begin() as session:
        if plan.action in LEDGER_DECIDES:
            row = find_deposit(session, target.dossier, checked.sha256)
            assert row is not None  # these actions come from an existing row
        else:
            state = STATE_OF_ACTION[plan.action].value
            row = _upsert_row(session, target, checked, state=state, message=plan.message)
        return FileResult(
            checked.path,
            checked.name,
            checked.sha256,
            DepositState(row.state),
            plan.message,
            error_code=None if plan.action in QUIET_ACTIONS else plan.action.value,
            idflux=row.idflux,
            deposit_id=row.id,
            kept=plan.action is Action.KEEP,
        )


def deposit_one(
    store: Store, client: NetEntreprisesClient, target: DepositTarget, checked: CheckedFile
) -> FileResult:
    """Write the ledger row, POST the file once, record what the platform answered."""
    with store.begin() as session:
        row = _upsert_row(
            session, target, checked, state=DepositState.SENDING.value, sent_at=_now()
        )
        deposit_id = row.id
    result = _post(client, checked)
    with store.begin() as session:
        update_deposit(session, deposit_id, **result.changes)
    return FileResult(
        checked.path,
        checked.name,
        checked.sha256,
        result.state,
        result.message,
        result.error_code,
        idflux=result.changes.get("idflux"),
        deposit_id=deposit_id,
    )


@task(name="deposit-files", cache_policy=NO_CACHE)
def deposit_files(
    store: Store,
    client: NetEntreprisesClient,
    target: DepositTarget,
    files: list[CheckedFile],
    concurrency: int,
    progress: Progress,
) -> list[FileResult]:
    """Deposit a batch of files, ``concurrency`` at a time.

    Progress is told from this thread: the pool's threads do not carry Prefect's context (its
    API address among it), so they make no Prefect call.
    """
    results = []
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="deposit") as pool:
        for result in pool.map(lambda f: deposit_one(store, client, target, f), files):
            results.append(result)
            progress.tick()
    return results


@dataclass(frozen=True)
class _PostResult:
    state: DepositState
    message: str
    error_code: str | None
    changes: dict[str, Any]


def _post(client: NetEntreprisesClient, checked: CheckedFile) -> _PostResult:
    try:
        rapport = client.deposit(checked.content)
    except DepositRejected as rejected:
        message = str(rejected)
        changes = {"state": DepositState.REJECTED.value, "message": message, "final_at": _now()}
        if rejected.rapport is not None and rejected.rapport.idflux:
            changes["idflux"] = rejected.rapport.idflux
        return _PostResult(DepositState.REJECTED, message, "deposit-rejected", changes)
    except DepositOutcomeUnknown as unknown:
        message = str(unknown)
        changes = {"state": DepositState.UNKNOWN.value, "message": message}
        return _PostResult(DepositState.UNKNOWN, message, "deposit-unknown", changes)
    except ConnectorError as error:  # refused before the file went out (login, headers, …)
        message = str(error)
        changes = {"state": DepositState.REFUSED.value, "message": message}
        return _PostResult(DepositState.REFUSED, message, _code(error), changes)
    changes = {
        "state": DepositState.DEPOSITED.value,
        "message": "Déposée : en attente des comptes-rendus",
        "idflux": rapport.idflux,
        "deposited_at": rapport.received_at or _now(),
    }
    return _PostResult(DepositState.DEPOSITED, changes["message"], None, changes)


def _upsert_row(session: Session, target: DepositTarget, checked: CheckedFile, **values: Any):
    row = find_deposit(session, target.dossier, checked.sha256)
    account = {"declarant_siret": target.declarant_siret, "credential_name": target.credential_name}
    fields = {
        "platform": target.platform,
        "operator": target.operator,
        "flow_run_id": target.flow_run_id,
        "file_name": checked.name,
        "file_path": checked.path,
        "anomalies": checked.anomalies,
        **{name: value for name, value in account.items() if value is not None},
        **values,
    }
    if row is not None:
        return update_deposit(session, row.id, **fields)
    return add_deposit(
        session,
        dossier=target.dossier,
        module=_module(checked.nature),
        file_sha256=checked.sha256,
        file_size=checked.size,
        nature=checked.nature,
        declaration_type=checked.declaration_type,
        siret=checked.siret,
        month=checked.month,
        period_start=checked.period_start,
        period_end=checked.period_end,
        employees=checked.employees,
        **fields,
    )


def _module(nature: str | None) -> str | None:
    try:
        return module_of_nature(nature or "")
    except ValueError:
        return None


def _code(error: Exception) -> str:
    """A stable, readable error code from the exception class: LoginRefused → login-refused."""
    name = type(error).__name__
    return "".join(f"-{c.lower()}" if c.isupper() else c for c in name).lstrip("-")


def _now() -> datetime:
    return datetime.now(UTC)


def plan_files(
    store: Store, dossier: DossierView, files: list[CheckedFile], operator: str
) -> list[tuple[CheckedFile, Plan]]:
    """Decide for each readable file what happens, from its check, the ledger and M2M switches."""
    plans = []
    with store.begin() as session:
        for checked in files:
            row = find_deposit(session, dossier.code, checked.sha256)
            module = _module(checked.nature)
            plan = plan_deposit(
                blocking=checked.blocking,
                siret=checked.siret,
                dossier_siren=dossier.siren,
                dossier_sirets=dossier.sirets,
                m2m_on=module is not None and m2m_enabled(session, operator, module),
                ledger_state=DepositState(row.state) if row else None,
            )
            plans.append((checked, plan))
    return plans
