"""The month-end cycle: every procedure's step against the sandbox, then one summary.

Each procedure registers its step (:class:`coursier.deployments.registry.MonthEndStep`);
:func:`run_cycle` runs them by rank in one world — the sandbox and the Prefect server the demo
started, one store — printing progress as it goes, and :func:`print_summary` ends with what a
payroll manager reads in ten seconds: per procedure done / partial / error, the counts, and what
needs a human.

A step runs real flows and sums up their final states (:func:`result_of_runs`): the counts come
from each run's report (the outcomes the run kit recorded), "what needs a human" from the items
that failed, plus what the step itself knows (a plan waiting for its review).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from prefect.exceptions import MissingResult
from prefect.states import State
from rich.console import Console
from rich.table import Table
from rich.text import Text

from coursier.deployments.registry import Noun, flow_named, load, month_end_steps
from coursier.runkit.status import RunReport
from coursier.sandbox.server import SandboxServer
from coursier.settings import CoursierSettings

SHOWN_FAILURES = 3  # per procedure in the summary; the rest are in the runs' artifacts
SHOWN_CHARACTERS = 90  # of a failure's message: the summary is read in ten seconds


class Verdict(StrEnum):
    DONE = "terminé"
    PARTIAL = "partiel"
    ERROR = "en erreur"


VERDICT_STYLES = {Verdict.DONE: "green", Verdict.PARTIAL: "yellow", Verdict.ERROR: "bold red"}


@dataclass(frozen=True)
class Cycle:
    """What every step shares: the sandbox, the store's settings, where to print and who runs."""

    sandbox: SandboxServer
    settings: CoursierSettings
    console: Console
    operator: str

    def folder(self, name: str) -> Path:
        """A folder of the demo's world (files written, plans, inboxes)."""
        path = self.settings.home / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def say(self, text: str) -> None:
        self.console.print(f"· {text}", markup=False, highlight=False)

    def said(self, what: str, state: State) -> State:
        """Print a run's end as it happens: ``what`` : its state and message."""
        self.say(f"{what} : {state.name} — {state.message}")
        return state


@dataclass(frozen=True)
class StepResult:
    """One line of the summary."""

    procedure: str
    verdict: Verdict
    counts: str
    to_do: tuple[str, ...] = field(default=())


Step = Callable[[Cycle], Sequence[StepResult]]


def result_of_runs(
    procedure: str,
    states: Iterable[State],
    to_do: Iterable[str] = (),
    *,
    failed_items: bool = True,
) -> StepResult:
    """The worst verdict of the runs, their items counted together; what needs a human: a
    failed run's message, the failed items (unless ``failed_items`` is false: the step says
    them better in ``to_do``), then ``to_do``."""
    states = list(states)
    reports = [report for state in states if (report := report_of(state)) is not None]
    verdict = max((verdict_of(state) for state in states), key=list(Verdict).index)
    failures = [_failure_text(state) for state in states if state.is_failed()]
    failures += [
        f"{item.key} : {item.message or item.error_code or item.status}"
        for report in reports
        for item in report.items
        if failed_items and item.status == "failed"
    ]
    shown = [shortened(text) for text in failures[:SHOWN_FAILURES]]
    if len(failures) > SHOWN_FAILURES:
        shown.append(f"… et {len(failures) - SHOWN_FAILURES} autre(s) (voir les artefacts)")
    return StepResult(procedure, verdict, counts_of(reports), (*shown, *to_do))


def shortened(text: str) -> str:
    """The first line of ``text``, cut at :data:`SHOWN_CHARACTERS` with an ellipsis."""
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= SHOWN_CHARACTERS else line[: SHOWN_CHARACTERS - 1] + "…"


def report_of(state: State) -> RunReport | None:
    """The run's report (a failed run has none: its message says why; nor a crashed one)."""
    try:
        result = state.result(raise_on_failure=False)
    except MissingResult:
        return None
    return result if isinstance(result, RunReport) else None


def verdict_of(state: State) -> Verdict:
    if state.is_completed():
        return Verdict.PARTIAL if state.name == "Partial" else Verdict.DONE
    return Verdict.ERROR


def counts_of(reports: Sequence[RunReport]) -> str:
    """« 12 employés : 11 réussi(s), 1 en échec », the items of the runs (of one flow) summed."""
    if not reports:
        return "—"
    ok, failed, skipped = (sum(getattr(r, name) for r in reports) for name in COUNTED)
    flow = flow_named(reports[0].flow)
    noun = flow.items if flow else Noun("élément", "éléments")
    if not (ok or failed or skipped):
        return f"aucun {noun.singular}"
    parts = [f"{ok} réussi(s)"]
    parts += [f"{failed} en échec"] if failed else []
    parts += [f"{skipped} ignoré(s)"] if skipped else []
    total = ok + failed + skipped
    return f"{total} {noun.plural if total > 1 else noun.singular} : {', '.join(parts)}"


COUNTED = ("ok", "failed", "skipped")


def _failure_text(state: State) -> str:
    return state.message or "l'exécution a échoué (voir ses journaux dans Prefect)"


def run_cycle(cycle: Cycle) -> list[StepResult]:
    """Every registered step by rank; a step that breaks is an error line, never the end of
    the cycle (the others still run and the summary still comes)."""
    results: list[StepResult] = []
    for step in month_end_steps():
        cycle.console.print(Text(f"\n{step.title}", style="bold"))
        try:
            results += load(step.run)(cycle)
        except Exception as broken:
            reason = str(broken).splitlines()[0] if str(broken) else type(broken).__name__
            results.append(
                StepResult(step.title, Verdict.ERROR, "—", (f"étape interrompue : {reason}",))
            )
    return results


def print_summary(console: Console, results: Sequence[StepResult], ui: str) -> None:
    """The cycle in one table, and where to look further."""
    table = Table(title="Fin de mois — synthèse", title_justify="left", expand=False)
    for column in ("Procédure", "État", "Chiffres", "À reprendre par une personne"):
        table.add_column(column, overflow="fold")
    for result in results:
        style = VERDICT_STYLES[result.verdict]
        # Messages are data (a file name may hold "[/x]"), never rich markup.
        table.add_row(
            Text(result.procedure),
            Text(str(result.verdict), style=style),
            Text(result.counts),
            Text("\n".join(result.to_do) or "rien"),
        )
    console.print()
    console.print(table)
    console.print(f"Tout le détail (exécutions, journaux, artefacts) : {ui}", highlight=False)
