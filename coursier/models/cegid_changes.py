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
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

ENTRY = "EcritureComptable"
MAX_REPLAY_DAYS = 20
_EDIT_DELETED, _EDIT_INSERTED = f"{ENTRY}Deleted", f"{ENTRY}Inserted"

#: A line of the daily report, as compared: (entity, id, timestamp, operation).
Line = tuple[str, str, str, str]
#: A message Flow received: (entity, id, timestamp, event, update flag).
Message = tuple[str, str, str, str, bool]


@dataclass(frozen=True)
class Change:
    """One line of the daily report, its timestamp parsed."""

    entity: str
    id: str
    at: datetime
    operation: str

    @classmethod
    def of(cls, line: Line) -> Change:
        entity, id_, timestamp, operation = line
        return cls(entity, id_, datetime.fromisoformat(timestamp), operation)


@dataclass
class Comparison:
    """A day of one dossier: the changes expected, received, missing (per entity)."""

    expected: int = 0
    received: int = 0
    messages: int = 0
    edits: int = 0
    missing_lines: list[Line] = field(default_factory=list)

    @property
    def missing(self) -> list[Change]:
        return [Change.of(line) for line in self.missing_lines]

    @property
    def missing_by_entity(self) -> Counter[str]:
        return Counter(line[0] for line in self.missing_lines)


def _unarrived(lines: Iterable[Line], got: set[Message]) -> list[Line]:
    """The lines some message of which is not in ``got``: an edit's delete (flagged) or insert,
    the one ``<Entity><Operation>`` message of any other change (one loop: thousands a day)."""
    missing = []
    for line in lines:
        entity, id_, timestamp, operation = line
        if entity == ENTRY and operation == "Updated":
            delete = (entity, id_, timestamp, _EDIT_DELETED, True)
            insert = (entity, id_, timestamp, _EDIT_INSERTED, False)
            arrived = delete in got and insert in got
        else:
            arrived = (entity, id_, timestamp, entity + operation, False) in got
        if not arrived:
            missing.append(line)
    return missing


def compare(report: Collection[Line], messages: Collection[Message]) -> Comparison:
    """Which changes of the report Flow received (every one of their messages).

    Lines and messages are matched on (entity, id, timestamp) as Loop writes them: the sink
    and the report give a change the same timestamp; only the missing ones are parsed further
    (their timestamps, for the replay windows)."""
    missing = _unarrived(report, set(messages))
    return Comparison(
        expected=len(report),
        received=len(report) - len(missing),
        messages=len(messages),
        edits=sum(entity == ENTRY and operation == "Updated" for entity, _, _, operation in report),
        missing_lines=missing,
    )


def still_missing(before: Comparison, messages: Iterable[Message]) -> list[Line]:
    """The changes ``before`` found missing that ``messages`` still lack (after a replay: Flow
    keeps what it received, so only those need looking at again)."""
    return _unarrived(before.missing_lines, set(messages))


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
