"""The watch run's screen: per dossier and day, the changes the daily report listed, those Flow
received (edits counted once), missing, replayed, still missing; the dossiers flagged."""

from __future__ import annotations

from collections import Counter

from coursier.runkit import publish_summary, publish_table
from coursier.tasks.cegid_watch import WatchResult

TABLE_KEY = "cegid-flow-watch"


def rows(results: list[WatchResult]) -> list[dict[str, object]]:
    table: list[dict[str, object]] = []
    for r in results:
        if r.error:
            table.append({"Dossier": r.code, "Jour": "", "État": f"échec : {r.error}"})
            continue
        for d in r.days:
            table.append(
                {
                    "Dossier": r.code,
                    "Jour": f"{d.day:%d/%m/%Y}",
                    "Changements (rapport)": d.expected,
                    "dont modifications d'écritures": d.edits,
                    "Messages reçus par Flow": d.messages,
                    "Reçus": d.received,
                    "Manquants": d.missing,
                    "Manquants par entité": ", ".join(
                        f"{e} {n}" for e, n in sorted(d.missing_by_entity.items())
                    ),
                    "Rejoués": d.missing - d.still_missing,
                    "Toujours manquants": d.still_missing,
                    "partialInit": r.replays,
                    "État": "signalé" if r.flagged else ("✓" if r.status == "ok" else "à relancer"),
                }
            )
    return table


def publish_watch_screen(results: list[WatchResult]) -> None:
    publish_table(TABLE_KEY, rows(results), "Flux de changements Cegid Loop → Cegid Flow")
    todo = [
        f"{r.code} : {r.message} — relancez avec « coursier rerun » ou retry_failed_of"
        for r in results
        if r.status == "failed"
    ]
    todo += [
        f"{r.code} : perd des changements jour après jour, vérifiez sa synchronisation "
        "(sink) avec le support Cegid"
        for r in results
        if r.flagged
    ]
    publish_summary(
        f"{TABLE_KEY}-resume",
        "Surveillance du flux Cegid Flow",
        (f"{r.code} : {r.message}" for r in results),
        Counter("signalé" if r.flagged else r.status for r in results),
        todo,
    )
