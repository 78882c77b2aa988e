"""What every flow run shares: its settings and store, its items' outcomes, its audit trail,
its final state (the rules are in :mod:`coursier.runkit.status`).

The flow reads its settings once, at its edge, and gives them to :func:`start_run`; nothing
here reads the environment. A run bound to a dossier (:meth:`Run.for_dossier`) names it in every
audit row that does not name one itself.
"""

from __future__ import annotations

import dataclasses
import getpass
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from prefect.runtime import deployment, flow_run
from prefect.states import Failed, State
from sqlalchemy.orm import Session

from coursier.runkit.errors import RunFailed
from coursier.runkit.retry import failed_details
from coursier.runkit.status import REPORT_ITEMS, ItemReport, RunReport, final_state
from coursier.settings import CoursierSettings
from coursier.store import (
    OutcomeIn,
    Store,
    append_audit,
    open_store,
    outcomes_of,
    record_outcomes,
    run_summary,
)
from coursier.store.portfolio import DossierView, get_dossier


@dataclass
class Run:
    """One flow run's context: settings, store, identity.

    ``operator`` is the person the run acts for (M2M switches are theirs); ``actor`` is who the
    audit names: the operator, through the deployment when Prefect started the run.
    ``dossier_code`` is the dossier the run (or this view of it) works on, if one.
    """

    flow: str
    settings: CoursierSettings
    store: Store
    flow_run_id: str
    operator: str
    actor: str
    dossier_code: str | None = None

    def for_dossier(self, code: str) -> Run:
        """The same run, working on dossier ``code``: its audit rows name it."""
        return dataclasses.replace(self, dossier_code=code)

    def outcomes_to_retry(self, retry_failed_of: str | UUID | None) -> list[dict[str, Any]] | None:
        """The details of the items that failed in ``retry_failed_of`` (a run id or "last");
        None when the run is not a retry. See :func:`coursier.runkit.retry.failed_details`."""
        if retry_failed_of is None:
            return None
        with self.store.begin() as session:
            return failed_details(session, self.flow, str(retry_failed_of))

    def dossier(self, code: str) -> DossierView:
        """A dossier of the portfolio; :class:`RunFailed` saying how to add it when unknown."""
        with self.store.begin() as session:
            found = get_dossier(session, code)
        if found is None:
            raise RunFailed(
                f"Dossier {code} inconnu : importez le portefeuille (coursier portfolio import)."
            )
        return found

    def record(self, items: Iterable[OutcomeIn]) -> None:
        with self.store.begin() as session:
            self.record_in(session, items)

    def record_in(self, session: Session, items: Iterable[OutcomeIn]) -> None:
        """The items' outcomes of this run, in the caller's transaction (with their audit)."""
        record_outcomes(session, self.flow_run_id, self.flow, list(items))

    def audit(self, action: str, **fields: Any) -> None:
        with self.store.begin() as session:
            self.audit_in(session, action, **fields)

    def audit_in(
        self, session: Session, action: str, *, dossier: str | None = None, **fields: Any
    ) -> None:
        """An audit row naming this run, written in the caller's transaction; its dossier is
        the one given, else the run's."""
        append_audit(
            session,
            actor=self.actor,
            flow=self.flow,
            flow_run_id=self.flow_run_id,
            action=action,
            dossier=dossier or self.dossier_code,
            **fields,
        )

    def fail(self, message: str) -> State:
        """Close the run on a precondition that failed: nothing was done."""
        self.audit("run.failed", outcome="failed", details={"message": message})
        self.store.close()
        return Failed(message=message, data=RunFailed(message))

    def finish(self, summary_message: str) -> State:
        """The final state from the outcomes recorded for this run, with the run's report."""
        with self.store.begin() as session:
            counts = run_summary(session, self.flow_run_id)
            large = sum(counts.values()) > REPORT_ITEMS
            items = [
                ItemReport(
                    key=o.item_key,
                    status=o.status,
                    error_code=o.error_code,
                    message=o.message,
                    details=o.details,
                )
                for o in outcomes_of(
                    session,
                    self.flow_run_id,
                    statuses=("failed", "skipped") if large else None,
                    limit=REPORT_ITEMS,
                )
            ]
        report = RunReport(
            flow=self.flow,
            flow_run_id=self.flow_run_id,
            items=items,
            items_left_out=sum(counts.values()) - len(items),
            **counts,
        )
        self.store.close()
        return final_state(report, summary_message)


def start_run(
    flow: str,
    settings: CoursierSettings,
    operator: str | None = None,
    *,
    dossier: str | None = None,
) -> Run:
    """The context of the flow run in progress (``"local"`` outside one)."""
    store = open_store(settings.effective_database_url())
    operator = operator or getpass.getuser()
    actor = f"{operator} (prefect:{deployment.name})" if deployment.name else operator
    return Run(flow, settings, store, str(flow_run.id or "local"), operator, actor, dossier)
