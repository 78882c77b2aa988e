"""Finding the run that paused for a person's answer in the Prefect UI (tests of review forms)."""

from __future__ import annotations

import time

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import FlowRun, StateType


def paused_run(flow: str, timeout_s: float = 60) -> FlowRun:
    """The run of ``flow`` waiting for its form to be answered; fails after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
                ),
                flow_filter=FlowFilter(name=FlowFilterName(any_=[flow])),
            )
            if runs:
                return runs[0]
            time.sleep(0.2)
    raise AssertionError(f"no run of {flow} paused for its form")
