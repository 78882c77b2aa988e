"""Watching one dossier's change stream: Loop's daily report against what Flow received.

Per day watched: the report's changes compared with Flow's messages
(:func:`coursier.models.cegid_changes.compare`: an edited entry is one change, received when
both its delete and its insert were); the missing ones, over every day watched, replayed with
``partialInit`` in windows of at most 20 days per entity; Flow read again to count what is still
missing. A dossier still missing changes after the replay fails (a rerun replays again); one
that missed changes on ``flag_after`` watched days in a row is flagged: replays hide a sink
that keeps losing messages, someone must look.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

from prefect import task
from prefect.cache_policies import NO_CACHE

from coursier.connectors.cegid_loop.client import CegidLoopClient
from coursier.connectors.errors import ConnectorError
from coursier.models.cegid_changes import Comparison, compare, replays, still_missing
from coursier.runkit import Progress, Run, artifact_key
from coursier.store import OutcomeIn
from coursier.store.cegid import recent_watch_days, record_watch_days
from coursier.tasks.cegid_accounts import LoopAccount
from coursier.tasks.cegid_settings import CegidSettings

WRITE_BATCH = 50


@dataclass
class DayWatch:
    day: date
    expected: int = 0
    received: int = 0
    messages: int = 0
    edits: int = 0
    missing: int = 0
    still_missing: int = 0
    missing_by_entity: Counter[str] = field(default_factory=Counter)


@dataclass
class WatchResult:
    code: str
    days: list[DayWatch] = field(default_factory=list)
    replays: int = 0
    replayed: int = 0
    flagged: bool = False
    error: str | None = None
    error_code: str | None = None

    @property
    def still_missing(self) -> int:
        return sum(d.still_missing for d in self.days)

    @property
    def missing(self) -> int:
        return sum(d.missing for d in self.days)

    @property
    def status(self) -> str:
        return "failed" if self.error or self.still_missing else "ok"

    @property
    def message(self) -> str:
        if self.error:
            return self.error
        text = (
            f"{sum(d.expected for d in self.days)} changement(s), {self.missing} manquant(s), "
            f"{self.replayed} rejoué(s) en {self.replays} partialInit, "
            f"{self.still_missing} toujours manquant(s)"
        )
        return text + (" — signalé : perd des changements jour après jour" if self.flagged else "")

    def outcome(self) -> OutcomeIn:
        details = {
            "dossier": self.code,
            "missing": self.missing,
            "replayed": self.replayed,
            "still_missing": self.still_missing,
            "flagged": self.flagged,
        }
        code = self.error_code or ("still_missing" if self.still_missing else None)
        return OutcomeIn(self.code, self.status, code, self.message, details)  # type: ignore[arg-type]

    def day_rows(self, run: Run) -> list[dict[str, object]]:
        return [
            {
                "dossier": self.code,
                "day": d.day,
                "expected": d.expected,
                "received": d.received,
                "missing": d.missing,
                "replayed": d.missing - d.still_missing,
                "still_missing": d.still_missing,
                "flow_run_id": run.flow_run_id,
            }
            for d in self.days
        ]


def watch_dossier(account: LoopAccount, code: str, days: list[date]) -> WatchResult:
    """Compare, replay what is missing, compare again; never raises for a reason of its own."""
    loop, result = account.client, WatchResult(code)
    try:
        compared = {
            day: compare(loop.daily_report(code, day), loop.flow_messages(code, day))
            for day in days
        }
        missing = [c for comparison in compared.values() for c in comparison.missing]
        for window in replays(missing):
            result.replayed += loop.partial_init(code, window.entity, window.start, window.end)
            result.replays += 1
        for day, comparison in compared.items():
            result.days.append(
                DayWatch(
                    day,
                    comparison.expected,
                    comparison.received,
                    comparison.messages,
                    comparison.edits,
                    len(comparison.missing_lines),
                    _still_missing(loop, code, day, comparison),
                    comparison.missing_by_entity,
                )
            )
    except ConnectorError as error:
        result.error, result.error_code = str(error), type(error).__name__
    return result


def _still_missing(loop: CegidLoopClient, code: str, day: date, before: Comparison) -> int:
    """How many of the day's missing changes Flow still lacks after the replays, read again
    for the entities that missed changes only."""
    if not before.missing_lines:
        return 0
    return len(still_missing(before, loop.flow_messages(code, day, before.missing_by_entity)))


def flag_repeats(run: Run, results: list[WatchResult], settings: CegidSettings) -> None:
    """Flag the dossiers that missed changes on each of their last ``flag_after`` days watched,
    this run's included (the earlier days read from the store in one query)."""
    watched = [d.day for r in results for d in r.days]
    if not watched:
        return
    with run.store.read() as session:
        earlier = recent_watch_days(
            session, [r.code for r in results], min(watched), settings.flag_after - 1
        )
    for result in results:
        mine = sorted(result.days, key=lambda d: d.day, reverse=True)
        history = [d.missing for d in mine] + [row.missing for row in earlier[result.code]]
        window = history[: settings.flag_after]
        result.flagged = len(window) == settings.flag_after and all(window)


def write_watch(run: Run, results: list[WatchResult]) -> None:
    with run.store.begin() as session:
        run.record_in(session, (r.outcome() for r in results))
        record_watch_days(session, (row for r in results for row in r.day_rows(run)))


@task(name="watch-dossiers", cache_policy=NO_CACHE)
def watch_dossiers(
    run: Run, settings: CegidSettings, work: list[tuple[str, LoopAccount]], days: list[date]
) -> list[WatchResult]:
    """Watch every (dossier, account) ``concurrency`` at a time; flag, then write in batches."""
    workers = min(settings.concurrency, max(len(work), 1))
    progress = Progress(artifact_key(run.flow, "progress"), len(work), "Dossiers surveillés")
    results: list[WatchResult] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cegid-watch") as pool:
        for result in pool.map(lambda item: watch_dossier(item[1], item[0], days), work):
            progress.tick()
            results.append(result)
    flag_repeats(run, results, settings)
    for start in range(0, len(results), WRITE_BATCH):
        write_watch(run, results[start : start + WRITE_BATCH])
    return results
