"""A run's report and final state, from the outcomes recorded for it.

Run status (DESIGN.md): every item ok or skipped → Completed; some failed → Completed named
"Partial" (it emits ``prefect.flow-run.Partial``, not ``…Completed``); every item failed, or a
precondition failed (:meth:`coursier.runkit.Run.fail`) → Failed, with a message saying what to
do. The flow returns its report as the state's data.

The report lists every item of a run of up to :data:`REPORT_ITEMS` items. A larger run (a
night's 100,000 employees) lists only those that failed or were skipped, the first
:data:`REPORT_ITEMS` of them, and says how many it left out: the store keeps every outcome, and
Prefect walks a flow's return value object by object (seconds for 100,000 of them).
"""

from __future__ import annotations

from typing import Any

from prefect.states import Completed, Failed, State
from pydantic import BaseModel

from coursier.runkit.errors import RunFailed


class ItemReport(BaseModel):
    key: str
    status: str
    error_code: str | None = None
    message: str | None = None
    details: dict[str, Any] = {}


REPORT_ITEMS = 1000


class RunReport(BaseModel):
    flow: str
    flow_run_id: str
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    items: list[ItemReport] = []
    items_left_out: int = 0
    """Items of the run not in ``items`` (the store has them all)."""


def final_state(report: RunReport, summary_message: str) -> State:
    """Completed, Completed "Partial" or Failed, as the report's counts say."""
    if report.failed and not (report.ok or report.skipped):
        message = f"Rien n'a abouti : {summary_message}"
        return Failed(message=message, data=RunFailed(message))
    if report.failed:
        return Completed(name="Partial", message=summary_message, data=report)
    return Completed(message=summary_message, data=report)
