"""How a run stops early: with nothing it could do (Failed), or with nothing left to do."""

from __future__ import annotations


class RunFailed(Exception):
    """A run that could do nothing: the message says what to do."""


class NothingToRetry(Exception):
    """``retry_failed_of`` names a run none of whose items failed: the run ends Completed
    saying so, rather than Failed (a failure would fire the alerts for nothing)."""
