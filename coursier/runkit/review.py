"""Asking the person who started a run, in the middle of it, through the Prefect UI.

The run pauses with a form (a pydantic :class:`~prefect.input.RunInput`): the UI shows it on the
run's page, and "Resume" sends the answer back, validated against the form. Nobody answering
within ``review_timeout_seconds`` is not an error of the platform: :func:`ask_in_ui` says so by
returning None, and the flow ends its run saying what to do in its log and its audit (Prefect
then writes its own message on the run's state, "The flow was paused and never resumed": once a
pause has timed out, the server replaces whatever final state the run proposes). A run started
from the command line or a schedule never asks: a flow asks only when its caller requested it.
"""

from __future__ import annotations

from typing import TypeVar

from prefect import get_run_logger
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput

from coursier.settings import CoursierSettings

Answer = TypeVar("Answer", bound=RunInput)


def ask_in_ui(form: type[Answer], settings: CoursierSettings, key: str) -> Answer | None:
    """The answer given in the Prefect UI to ``form``; None when nobody answered in time.
    ``key``: names this question within the run (a run resumed asks it only once); Prefect
    takes lowercase letters, digits and dashes only."""
    try:
        return pause_flow_run(
            wait_for_input=form,
            timeout=settings.review_timeout_seconds,
            poll_interval=settings.review_poll_seconds,
            key=key,
        )
    except FlowPauseTimeout:
        get_run_logger().error(
            "Personne n'a répondu dans les %s s : l'exécution s'arrête sans rien faire de plus.",
            settings.review_timeout_seconds,
        )
        return None
