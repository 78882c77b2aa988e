"""The change stream of a dossier, compared: what Loop's daily report lists against what Flow
received, and the ``partialInit`` replays that bring the missing changes back.

PROTOCOLS.md §5: each change reaches Flow as ``<Entity>Inserted``, ``<Entity>Updated`` or
``<Entity>Deleted``; an edited accounting entry arrives as ``EcritureComptableDeleted`` (with
the update flag) then ``EcritureComptableInserted``, never ``Updated``. A report line is one
change (entity, id, timestamp, operation): an edited entry is received only when both of its
messages were, so the two messages count as one change and a lone delete is no deletion (and
a lost insert after it would leave the entry deleted in Flow: it is missing).

``partialInit`` replays up to :data:`MAX_REPLAY_DAYS` days of one entity: :func:`replays`
covers the missing changes with as few windows per entity as that allows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

ENTRY = "EcritureComptable"
MAX_REPLAY_DAYS = 20


@dataclass(frozen=True)
class Change:
    """One line of the daily report."""

    entity: str
    id: str
    at: datetime
    operation: str

    @classmethod
    def of(cls, line: Mapping[str, Any]) -> Change:
        return cls(
            str(line["entity"]),
            str(line["id"]),
            datetime.fromisoformat(line["timestamp"]),
            str(line["operation"]),
        )


@dataclass
class Comparison:
    """A day of one dossier: the changes expected, received, missing (per entity)."""

    expected: int = 0
    received: int = 0
    messages: int = 0
    edits: int = 0
    missing: list[Change] = field(default_factory=list)

    @property
    def missing_by_entity(self) -> Counter[str]:
        return Counter(c.entity for c in self.missing)


def compare(
    report: Iterable[Mapping[str, Any]], messages: Iterable[Mapping[str, Any]]
) -> Comparison:
    """Which changes of the report Flow received (every one of their messages).

    Lines and messages are matched on (entity, id, timestamp) as Loop writes them: the sink
    and the report give a change the same timestamp; only the missing ones are parsed further
    (their timestamps, for the replay windows)."""
    received = [
        (m["entity"], m["id"], m["timestamp"], m["event"], bool(m.get("update", False)))
        for m in messages
    ]
    got = set(received)
    result = Comparison(messages=len(received))
    deleted, inserted = f"{ENTRY}Deleted", f"{ENTRY}Inserted"
    for line in report:
        result.expected += 1
        entity, operation, key = line["entity"], line["operation"], (line["id"], line["timestamp"])
        if entity == ENTRY and operation == "Updated":
            result.edits += 1
            arrived = (entity, *key, deleted, True) in got and (
                entity,
                *key,
                inserted,
                False,
            ) in got
        else:
            arrived = (entity, *key, entity + operation, False) in got
        if arrived:
            result.received += 1
        else:
            result.missing.append(Change.of(line))
    return result


@dataclass(frozen=True)
class Replay:
    """One ``partialInit``: an entity, from, to (at most :data:`MAX_REPLAY_DAYS` days)."""

    entity: str
    start: datetime
    end: datetime
    changes: int


def replays(missing: Iterable[Change], max_days: int = MAX_REPLAY_DAYS) -> list[Replay]:
    """The fewest windows of at most ``max_days`` per entity covering every missing change."""
    span = timedelta(days=max_days)
    by_entity: dict[str, list[datetime]] = defaultdict(list)
    for change in missing:
        by_entity[change.entity].append(change.at)
    windows = []
    for entity in sorted(by_entity):
        moments = sorted(by_entity[entity])
        start, count = moments[0], 0
        last = start
        for at in moments:
            if at - start > span:
                windows.append(Replay(entity, start, last, count))
                start, count = at, 0
            last, count = at, count + 1
        windows.append(Replay(entity, start, last, count))
    return windows
