"""Sending a dossier's checked files as one account, each at most once, none left behind.

The account is opened, and its deposits of unknown fate reconciled, only when a file has to be
sent or followed: a run whose files are all blocked or M2M-off needs no credentials.

Files are claimed in the store one by one and POSTed by a bounded pool. A file whose group (same
account, SIRET, nature, type) has a deposit in flight or of unknown fate waits for it; a file
another live run holds is left to that run. When nothing but waiting is left, the account is
reconciled (every ``follow_poll_seconds``): a deposit found at the platform is followed, one that
never arrived is sent again. What still waits after ``reconcile_wait_seconds`` is this run's
failure, sent by the next run or ``coursier rerun``.
"""

from __future__ import annotations

import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import closing, suppress
from dataclasses import dataclass, field

from prefect import task
from prefect.cache_policies import NO_CACHE

from coursier.connectors.errors import ConnectorError
from coursier.models.deposits import Action, DepositState, Plan
from coursier.runkit import Progress, Run, artifact_key
from coursier.store import Deposit
from coursier.store.claims import ClaimOutcome
from coursier.store.portfolio import DossierView
from coursier.tasks.accounts import Account, open_account
from coursier.tasks.deposits import (
    Fate,
    FileResult,
    Sent,
    claim_file,
    file_group,
    held,
    plan_files,
    record_decision,
    send_claimed,
    unreadable,
    waiting,
)
from coursier.tasks.dsn_reading import CheckedFile
from coursier.tasks.leases import Lease
from coursier.tasks.reconciling import Reconciler, reconcile_account, try_reconcile
from coursier.tasks.returns import fetch_returns
from coursier.tasks.returns_writer import ReturnsWriter

NEEDS_ACCOUNT = (Action.DEPOSIT, Action.FOLLOW, Action.RECONCILE)
#: Sends of one file in one run (a 429 or a "not arrived" each cost one). A file whose last
#: allowed send has an unknown fate is still reconciled in the run, only never sent again.
MAX_SENDS = 3
UNDECIDED = (DepositState.SENDING.value, DepositState.UNKNOWN.value)
STILL_WAITING = (
    "En attente : un dépôt semblable du même compte (même SIRET, nature et type) est en cours "
    "ou à rapprocher ; le fichier sera déposé par la prochaine exécution (ou coursier rerun)"
)


class DossierSender:
    """One dossier's files in one run: their plans, their ledger rows, their deposits."""

    def __init__(self, run: Run, dossier: DossierView, platform: str | None, files: int) -> None:
        self.run = run
        self.dossier = dossier
        self.platform = platform
        self.account: Account | None = None
        self.progress = Progress(
            artifact_key("dsn-deposit-progress", dossier.code),
            files,
            f"Dépôt des fichiers du dossier {dossier.code}",
        )

    def handle(self, checked: list[CheckedFile]) -> list[FileResult]:
        """Record, refuse or deposit the checked files."""
        readable = [c for c in checked if not c.error]
        plans = plan_files(self.run.store, self.dossier, readable, self.run.operator)
        if self.account is None and any(plan.action in NEEDS_ACCOUNT for _, plan in plans):
            self.account = open_account(self.dossier, self.platform)
            reconcile_account(self.run, self.account)
            plans = plan_files(self.run.store, self.dossier, readable, self.run.operator)
        results = [unreadable(c) for c in checked if c.error]
        for _ in results:
            self.progress.tick()
        for checked_file, plan in plans:
            if plan.action not in (Action.DEPOSIT, Action.RECONCILE):
                results.append(record_decision(self.run, self.dossier, checked_file, plan))
                self.progress.tick()
        sending = [c for c, plan in plans if plan.action in (Action.DEPOSIT, Action.RECONCILE)]
        if sending and self.account is not None:
            results += deposit_files(self.run, self.dossier, self.account, sending, self.progress)
        return results


@task(name="deposit-files", cache_policy=NO_CACHE)
def deposit_files(
    run: Run, dossier: DossierView, account: Account, files: list[CheckedFile], progress: Progress
) -> list[FileResult]:
    """Claim and deposit the files, ``deposit_concurrency`` at a time, each at most once.

    Claims and progress are handled from this thread; the pool's threads only POST and record,
    and take a first look at the returns of what was deposited (they do not carry Prefect's
    context, so they make no Prefect call). A file's group is free again once its POST is
    recorded, not once its returns are read.
    """
    settings = run.settings
    with (
        Lease(run.store, run.flow_run_id, run.flow, seconds=settings.claim_lease_seconds) as lease,
        closing(ReturnsWriter(run, account)) as writer,
        ThreadPoolExecutor(settings.deposit_concurrency, thread_name_prefix="deposit") as pool,
    ):
        dispatch = _Dispatch(run, dossier, account, lease, pool, writer, progress)
        return dispatch.send_all(files)


@dataclass
class _Dispatch:
    run: Run
    dossier: DossierView
    account: Account
    lease: Lease
    pool: ThreadPoolExecutor
    #: Stores the first looks' returns in batches (drained when the pool is done).
    writer: ReturnsWriter
    progress: Progress
    results: list[FileResult] = field(default_factory=list)
    sends: dict[str, int] = field(default_factory=dict)
    last: dict[str, FileResult] = field(default_factory=dict)
    not_before: dict[str, float] = field(default_factory=dict)
    running: dict[Future[Sent], CheckedFile] = field(default_factory=dict)
    #: First looks at the returns of files just deposited: they do not hold the file's group.
    looks: list[Future[None]] = field(default_factory=list)
    #: Groups a claim found held elsewhere or unsettled: not asked again before the next look.
    blocked: set[str] = field(default_factory=set)
    #: Files (sha256) sent their last time in this run with an unknown fate: waiting only for
    #: reconciliation to say whether that send arrived.
    last_sent: set[str] = field(default_factory=set)
    blocked_at: float = 0.0

    def send_all(self, files: list[CheckedFile]) -> list[FileResult]:
        settings = self.run.settings
        reconcile = Reconciler(self.run, self.account)
        pending = deque(files)
        patience = settings.reconcile_wait_seconds
        deadline = time.monotonic() + patience
        next_reconcile = 0.0
        while pending or self.running:
            if self._launch(pending):
                deadline = time.monotonic() + patience
            if self.running or self.looks:
                done, _ = wait(
                    [*self.running, *self.looks],
                    timeout=settings.follow_poll_seconds,
                    return_when=FIRST_COMPLETED,
                )
                for future in done:
                    if future in self.running:
                        self._took(self.running.pop(future), future.result(), pending)
                deadline = time.monotonic() + patience
            elif time.monotonic() >= deadline:
                break
            elif time.monotonic() >= next_reconcile:  # only waiting is left: settle what can be
                try_reconcile(reconcile)
                next_reconcile = time.monotonic() + settings.follow_poll_seconds
                self.blocked.clear()
            else:
                time.sleep(min(settings.follow_poll_seconds, 0.2))
        for look in self.looks:
            look.result()
        for checked in pending:
            self._done(self.last.get(checked.sha256) or waiting(checked, STILL_WAITING))
        return self.results

    def _launch(self, pending: deque[CheckedFile]) -> bool:
        """Claim what can be claimed now; whether any file moved (sent or settled)."""
        moved = False
        if time.monotonic() - self.blocked_at >= self.run.settings.follow_poll_seconds:
            self.blocked.clear()  # another run may have freed them since
        busy = {file_group(c) for c in self.running.values()} | self.blocked
        self._forget_finished_looks()
        for _ in range(len(pending)):
            if len(self.running) + len(self.looks) >= self.run.settings.deposit_concurrency:
                break
            checked = pending.popleft()
            if checked.sha256 in self.last_sent:
                settled = self._reconciled(checked)
                if settled is None:
                    pending.append(checked)
                else:
                    self._done(settled)
                    moved = True
                continue
            group = file_group(checked)
            if group in busy or not self._may_send(checked):
                pending.append(checked)
                continue
            if not self._try(checked):
                if not self.blocked:
                    self.blocked_at = time.monotonic()
                self.blocked.add(group)
                busy.add(group)
                pending.append(checked)
                continue
            busy.add(group)
            moved = True
        return moved

    def _may_send(self, checked: CheckedFile) -> bool:
        due = time.monotonic() >= self.not_before.get(checked.sha256, 0.0)
        return due and self.lease.valid_for(self.run.settings.claim_lease_seconds / 2)

    def _try(self, checked: CheckedFile) -> bool:
        """Claim one file and send it, or settle it; False when it must wait (its group is
        busy elsewhere, or a previous POST of it is unsettled)."""
        claim = claim_file(self.run, self.dossier, self.account, checked)
        if claim.outcome is ClaimOutcome.CLAIMED:
            self.sends[checked.sha256] = self.sends.get(checked.sha256, 0) + 1
            future = self.pool.submit(self._send, checked, claim.deposit_id)
            self.running[future] = checked
        elif claim.outcome is ClaimOutcome.HELD:
            self._done(held(checked, claim))
        elif claim.outcome is ClaimOutcome.SETTLED:
            plan = Plan(Action.FOLLOW, "Fichier déjà déposé : suivi de ses retours")
            self._done(record_decision(self.run, self.dossier, checked, plan))
        else:
            return False
        return True

    def _send(self, checked: CheckedFile, deposit_id: int) -> Sent:
        """POST one claimed file (in a pool thread)."""
        return send_claimed(self.run, self.account.client, checked, deposit_id)

    def _look_at_returns(self, sent: Sent) -> None:
        """Once a file is deposited, its group is free again and a first look at its returns
        follows in the pool; the writer stores them, so a quick bilan settles the deposit
        before the flow's follow-up, which then skips it."""
        deposit_id, idflux = sent.result.deposit_id, sent.result.idflux
        if sent.fate is Fate.DEPOSITED and deposit_id is not None and idflux:
            self.looks.append(self.pool.submit(self._first_look, idflux, sent.aee))

    def _first_look(self, idflux: str, aee: bytes | None) -> None:
        with suppress(ConnectorError):  # the follow-up, or the returns control, reads them
            listing = self.account.client.list_flux_returns(idflux)
            self.writer.put(fetch_returns(self.run, self.account, listing, aee=aee))

    def _forget_finished_looks(self) -> None:
        """Drop the looks that are over (raising what one of them raised, as a bug would)."""
        for look in [look for look in self.looks if look.done()]:
            look.result()
            self.looks.remove(look)

    def _took(self, checked: CheckedFile, sent: Sent, pending: deque[CheckedFile]) -> None:
        self._look_at_returns(sent)
        self.last[checked.sha256] = sent.result
        again = self.sends[checked.sha256] < MAX_SENDS
        if again and sent.fate is Fate.NOT_RECEIVED and sent.retry_after is not None:
            self.not_before[checked.sha256] = time.monotonic() + sent.retry_after
            pending.append(checked)  # a 429: sent again once the platform allows
        elif sent.fate is Fate.UNKNOWN:
            pending.append(checked)  # reconciled when nothing else moves, then followed or resent
            if not again:
                self.last_sent.add(checked.sha256)
        else:
            self._done(sent.result)

    def _reconciled(self, checked: CheckedFile) -> FileResult | None:
        """The file's result once reconciliation has decided its last send, else None."""
        deposit_id = self.last[checked.sha256].deposit_id
        with self.run.store.read() as session:
            row = session.get(Deposit, deposit_id) if deposit_id is not None else None
            if row is None or row.state in UNDECIDED:
                return None
            return FileResult(
                checked.path,
                checked.name,
                checked.sha256,
                DepositState(row.state),
                row.message or "",
                idflux=row.idflux,
                deposit_id=row.id,
                item=checked.item,
            )

    def _done(self, result: FileResult) -> None:
        self.results.append(result)
        self.progress.tick()
