"""Sending a dossier's checked files as one account.

The account is opened, and its deposits of unknown fate reconciled, only when a file has to be
sent or followed: a run whose files are all blocked or M2M-off needs no credentials.
"""

from __future__ import annotations

from coursier.models.deposits import Action
from coursier.store.portfolio import DossierView
from coursier.tasks.accounts import Account, open_account
from coursier.tasks.artifacts import Progress, artifact_key
from coursier.tasks.deposits import (
    DepositTarget,
    FileResult,
    deposit_files,
    plan_files,
    record_decision,
    unreadable,
)
from coursier.tasks.dsn_files import CheckedFile
from coursier.tasks.reconciling import reconcile_account
from coursier.tasks.runs import Run

NEEDS_ACCOUNT = (Action.DEPOSIT, Action.FOLLOW, Action.RECONCILE)


class DossierSender:
    """One dossier's files in one run: their plans, their ledger rows, their deposits."""

    def __init__(self, run: Run, dossier: DossierView, platform: str | None, files: int) -> None:
        self.run = run
        self.dossier = dossier
        self.platform = platform
        self.target = DepositTarget(
            dossier.code, platform or dossier.platform, run.operator, run.flow_run_id
        )
        self.account: Account | None = None
        self.progress = Progress(
            artifact_key("dsn-deposit-progress", dossier.code),
            files,
            f"Dépôt des fichiers du dossier {dossier.code}",
        )

    def handle(self, checked: list[CheckedFile]) -> list[FileResult]:
        """Record, refuse or deposit the checked files."""
        store = self.run.store
        readable = [c for c in checked if not c.error]
        plans = plan_files(store, self.dossier, readable, self.run.operator)
        if self.account is None and any(plan.action in NEEDS_ACCOUNT for _, plan in plans):
            self._open_account()
            plans = plan_files(store, self.dossier, readable, self.run.operator)
        results = [unreadable(c) for c in checked if c.error]
        for _ in results:
            self.progress.tick()
        for checked_file, plan in plans:
            if plan.action is not Action.DEPOSIT:
                results.append(record_decision(store, self.target, checked_file, plan))
                self.progress.tick()
        sending = [c for c, plan in plans if plan.action is Action.DEPOSIT]
        if sending and self.account is not None:
            concurrency = self.run.settings.deposit_concurrency
            client = self.account.client
            results += deposit_files(
                store, client, self.target, sending, concurrency, self.progress
            )
        return results

    def _open_account(self) -> None:
        self.account = open_account(self.dossier, self.platform)
        self.target = self.account.target_for(self.target)
        reconcile_account(self.run, self.account)
