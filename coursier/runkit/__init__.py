"""The procedure-neutral run kit every flow builds on: run context and status, outcomes, audit,
artifacts, reruns, parameter forms. It imports no procedure (no DSN, no platform): a procedure
builds on it, never the other way round (``tests/test_layers.py`` holds it to that)."""

from coursier.runkit.artifacts import Progress, artifact_key, publish_summary, publish_table
from coursier.runkit.context import Run, start_run
from coursier.runkit.errors import NothingToRetry, RunFailed
from coursier.runkit.forms import Operator, RetryFailedOf, ask, optional
from coursier.runkit.status import ItemReport, RunReport

__all__ = [
    "ItemReport",
    "NothingToRetry",
    "Operator",
    "Progress",
    "RetryFailedOf",
    "Run",
    "RunFailed",
    "RunReport",
    "artifact_key",
    "ask",
    "optional",
    "publish_summary",
    "publish_table",
    "start_run",
]
