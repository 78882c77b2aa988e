"""One company's sync from activation to its history line: read both sides (concurrently),
decide per employee, write in batches, and sum it up.

Each company fails on its own: an activation error ends that company's sync as an error with
the seed's message, and a run over every company carries on with the next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from coursier.connectors.errors import ConnectorError
from coursier.models.hr_activation import ActivationError, internal_error
from coursier.models.hr_diff import plan_sync
from coursier.models.hr_failures import Failure
from coursier.runkit import Progress, Run, artifact_key
from coursier.store.tables import utcnow
from coursier.tasks.hr_activation import Target, activate_company
from coursier.tasks.hr_reading import read_payflip, read_securex
from coursier.tasks.hr_writing import Done, Written, batches, write_creates, write_updates


@dataclass
class CompanyResult:
    """What became of one company in a run."""

    vat: str
    dossier: str | None
    started_at: datetime
    done: list[Done] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    skipped: list[Failure] = field(default_factory=list)  # held by another live run
    error: ActivationError | None = None

    @property
    def key(self) -> str:
        """``BE`` and the VAT's 10 digits; the VAT as typed when it was not one."""
        return f"BE{self.vat}" if self.vat.isdigit() else self.vat or "?"

    @property
    def status(self) -> str:
        if self.error is not None or (self.failures and not self.done):
            return "error"
        return "partial" if self.failures else "success"

    def count(self, *actions: str) -> int:
        return sum(d.action in actions for d in self.done)

    @property
    def message(self) -> str:
        if self.error is not None:
            return str(self.error)
        held = f", {len(self.skipped)} pris par une autre synchronisation" if self.skipped else ""
        return (
            f"BE{self.vat} : {self.count('created', 'reconciled')} créé(s), "
            f"{self.count('updated')} mis à jour, {self.count('unchanged')} inchangé(s), "
            f"{len(self.failures)} en échec{held}"
        )


def sync_company(run: Run, target: Target) -> CompanyResult:
    """Activate, read, decide and write one company; its result. An activation error, or a
    read that fails for good, is the company's error (nothing was written)."""
    started = utcnow()
    try:
        active = activate_company(target)
    except ActivationError as error:
        vat = target.dossier.company_number if target.dossier else (target.vat_text or "")
        code = target.dossier.code if target.dossier else None
        return CompanyResult(vat, code, started, error=error)
    result = CompanyResult(active.vat, active.dossier.code, started)
    try:
        source = read_securex.submit(active)
        current = read_payflip.submit(active)
        plan = plan_sync(source.result(), current.result(), target.only)
        result.failures += plan.failures
        result.done += [Done(e.number, "unchanged") for e in plan.unchanged]
        work = [(write_creates, b) for b in batches(plan.creates)]
        work += [(write_updates, b) for b in batches(plan.updates)]
        futures = [(write.submit(run, active, batch), len(batch)) for write, batch in work]
        progress = Progress(
            artifact_key(run.flow, active.key, "progress"),
            len(plan.creates) + len(plan.updates),
            f"Employés de {active.key} écrits dans Payflip",
        )
        written = Written()
        for future, size in futures:
            written.add(future.result())
            for _ in range(size):
                progress.tick()
    except ConnectorError as error:  # a read that still fails after the client's retries
        result.error = internal_error(error.summary)
        return result
    finally:
        active.close()
    result.done += written.done
    result.failures += written.failures
    result.skipped += written.skipped
    return result
