"""What every flow run shares: its store, its items' outcomes, its audit trail, its final state.

Run status (DESIGN.md): every item ok or skipped → Completed; some failed → Completed named
"Partial" (it emits ``prefect.flow-run.Partial``, not ``…Completed``); nothing done, or a
precondition failed → Failed, with a message saying what to do. The flow returns its report.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect.runtime import deployment, flow_run
from prefect.states import Completed, Failed, State
from pydantic import BaseModel
from sqlalchemy.orm import Session

from coursier.settings import CoursierSettings
from coursier.store import (
    OutcomeIn,
    Store,
    append_audit,
    failed_item_keys,
    latest_run_id,
    open_store,
    outcomes_of,
    record_outcomes,
    run_summary,
)
from coursier.store.portfolio import DossierView, get_dossier
from coursier.tasks.dsn_files import collect_files


class RunFailed(Exception):
    """A run that could do nothing: the message says what to do."""


class ItemReport(BaseModel):
    key: str
    status: str
    error_code: str | None = None
    message: str | None = None
    details: dict[str, Any] = {}


class RunReport(BaseModel):
    flow: str
    flow_run_id: str
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    items: list[ItemReport] = []


@dataclass
class Run:
    """One flow run's context: settings, store, identity.

    ``operator`` is the person the run acts for (M2M switches are theirs); ``actor`` is who the
    audit names: the operator, through the deployment when Prefect started the run.
    """

    flow: str
    settings: CoursierSettings
    store: Store
    flow_run_id: str
    operator: str
    actor: str

    def paths_to_process(
        self, files: list[str] | None, inbox: str | None, retry_failed_of: str | None
    ) -> list[Path]:
        """The files of this run: the failed ones of an earlier run, or those given."""
        retry = self.outcomes_to_retry(retry_failed_of)
        paths = (
            [Path(details["path"]) for details in retry]
            if retry is not None
            else collect_files(files, inbox)
        )
        if not paths:
            raise RunFailed(
                "Aucun fichier à traiter : donnez des fichiers, un dossier de dépôt, ou une "
                "exécution dont relancer les échecs."
            )
        return paths

    def outcomes_to_retry(self, retry_failed_of: str | None) -> list[dict[str, Any]] | None:
        """The details of the items that failed in ``retry_failed_of`` (a run id or "last")."""
        if retry_failed_of is None:
            return None
        with self.store.begin() as session:
            run_id = (
                latest_run_id(session, self.flow) if retry_failed_of == "last" else retry_failed_of
            )
            if run_id is None:
                raise RunFailed(f"Aucune exécution précédente de {self.flow} à relancer.")
            failed = set(failed_item_keys(session, run_id))
            return [o.details for o in outcomes_of(session, run_id) if o.item_key in failed]

    def dossier(self, code: str) -> DossierView:
        """A dossier of the portfolio; :class:`RunFailed` saying how to add it when unknown."""
        with self.store.begin() as session:
            found = get_dossier(session, code)
        if found is None:
            raise RunFailed(
                f"Dossier {code} inconnu : importez le portefeuille (coursier portfolio import)."
            )
        return found

    def fail(self, message: str) -> State:
        """Close the run on a precondition that failed: nothing was done."""
        self.audit("run.failed", outcome="failed", details={"message": message})
        self.store.close()
        return Failed(message=message, data=RunFailed(message))

    def record(self, items: Iterable[OutcomeIn]) -> None:
        with self.store.begin() as session:
            record_outcomes(session, self.flow_run_id, self.flow, list(items))

    def audit(self, action: str, **fields: Any) -> None:
        with self.store.begin() as session:
            self.audit_in(session, action, **fields)

    def audit_in(self, session: Session, action: str, **fields: Any) -> None:
        """An audit row naming this run, written in the caller's transaction."""
        append_audit(
            session,
            actor=self.actor,
            flow=self.flow,
            flow_run_id=self.flow_run_id,
            action=action,
            **fields,
        )

    def finish(self, summary_message: str) -> State:
        """The final state from the outcomes recorded for this run, with the run's report."""
        with self.store.begin() as session:
            counts = run_summary(session, self.flow_run_id)
            items = [
                ItemReport(
                    key=o.item_key,
                    status=o.status,
                    error_code=o.error_code,
                    message=o.message,
                    details=o.details,
                )
                for o in outcomes_of(session, self.flow_run_id)
            ]
        report = RunReport(flow=self.flow, flow_run_id=self.flow_run_id, items=items, **counts)
        self.store.close()
        if report.failed and not (report.ok or report.skipped):
            message = f"Rien n'a abouti : {summary_message}"
            return Failed(message=message, data=RunFailed(message))
        if report.failed:
            return Completed(name="Partial", message=summary_message, data=report)
        return Completed(message=summary_message, data=report)


def start_run(
    flow: str, operator: str | None = None, settings: CoursierSettings | None = None
) -> Run:
    settings = settings or CoursierSettings()
    store = open_store(settings.effective_database_url())
    operator = operator or getpass.getuser()
    actor = f"{operator} (prefect:{deployment.name})" if deployment.name else operator
    return Run(flow, settings, store, str(flow_run.id or "local"), operator, actor)
