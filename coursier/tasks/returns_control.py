"""The returns control of many dossiers, one declarant account at a time per thread.

Dossiers are grouped by the account they use (several dossiers of a bureau share its account):
each account is reconciled once, then its dossiers are controlled one after another, so no two
threads ever list or reconcile the same account at once. Accounts are controlled in parallel
by the flow's task runner: every call opens its own store sessions and its own client.
A dossier's failure is its own: it returns its outcome and the others carry on.
"""

from __future__ import annotations

from dataclasses import dataclass

from prefect import task
from prefect.cache_policies import NO_CACHE

from coursier.connectors.errors import ConnectorError
from coursier.runkit import Run, RunFailed
from coursier.store import OutcomeIn
from coursier.tasks.accounts import Account, AccountUnavailable, open_account
from coursier.tasks.reconciling import reconcile_account
from coursier.tasks.reporting import publish_control_table, rows_to_do
from coursier.tasks.returns import collect_account_returns


@dataclass(frozen=True)
class Opened:
    """A dossier to control and the account it uses."""

    code: str
    account: Account


@task(name="open-accounts", cache_policy=NO_CACHE)
def open_accounts(run: Run, codes: list[str]) -> tuple[list[list[Opened]], list[OutcomeIn]]:
    """Each dossier's account, grouped by account; the outcomes of the dossiers that have none."""
    groups: dict[str, list[Opened]] = {}
    unopened = []
    for code in codes:
        try:
            account = open_account(run.dossier(code))
        except (RunFailed, AccountUnavailable) as error:
            unopened.append(_failed(run, code, error))
            continue
        groups.setdefault(account.key, []).append(Opened(code, account))
    return list(groups.values()), unopened


@task(name="control-account-returns", cache_policy=NO_CACHE)
def control_account(run: Run, dossiers: list[Opened]) -> list[OutcomeIn]:
    """Reconcile one account's deposits of unknown fate, then control each of its dossiers."""
    try:
        reconcile_account(run, dossiers[0].account)
    except ConnectorError as error:
        return [_failed(run, d.code, error) for d in dossiers]
    return [_control_dossier(run, d) for d in dossiers]


def _control_dossier(run: Run, opened: Opened) -> OutcomeIn:
    code = opened.code
    run = run.for_dossier(code)  # the returns it audits name the dossier being controlled
    try:
        taken = collect_account_returns(run, opened.account, code)
    except ConnectorError as error:
        return _failed(run, code, error)
    rows = publish_control_table(run.store, code)
    message = (
        f"{taken.with_new_returns} dépôt(s) avec des retours nouveaux, {len(taken.aer)} AER, "
        f"{sum(r.state == 'to_check' for r in rows)} dépôt(s) à contrôler"
    )
    run.audit("dsn.returns", outcome="ok", details={**taken.details(), "message": message})
    return OutcomeIn(code, "ok", None, message, {"dossier": code, "todo": rows_to_do(rows)})


def _failed(run: Run, code: str, error: Exception) -> OutcomeIn:
    """A dossier's failed outcome, audited."""
    run.audit("dsn.returns", dossier=code, outcome="failed", details={"error": str(error)})
    return OutcomeIn(code, "failed", type(error).__name__, str(error), {"dossier": code})
