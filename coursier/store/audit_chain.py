"""The audit trail's hash chain: what a row's hash covers and the rules a trail keeps.

A row's hash is sha256 over a canonical JSON of its fields and of the previous row's hash; the
first row chains to ``GENESIS``. The canonical form is part of the stored record: changing it
breaks every chain already written (migration 0005 computed the first ones with it).

Rules a trail keeps, checked in id order by ``first_break``:

- each row's hash is the one its fields give (a row rewritten in place breaks here);
- each row's ``prev_hash`` is the previous row's hash, the first row's is ``GENESIS`` (a row
  deleted, inserted or replaced in the middle breaks here);
- ``at`` never goes backwards (a row inserted later with a past date breaks here, even when
  its hashes were computed correctly).

Ids only grow (rows are read in id order). A gap whose links hold is not a break: rows written
before the chain on PostgreSQL took their ids from a sequence, which skips the values of
rolled-back transactions; from then on ``append_audit`` writes the head's id plus one.

What a chain alone cannot see: the tail cut off (the rows left still form a valid chain), and a
forger who rewrites every row after the one forged, recomputing their hashes (there is no
secret in the chain). Both need an anchor kept elsewhere: the head's hash copied out of the
database, or the runs' outcome counts compared with their audit rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

GENESIS = "0" * 64


class ChainedRow(Protocol):
    """The fields of an audit row the chain covers (an ``AuditEvent`` or a selected row)."""

    id: int
    at: datetime
    actor: str
    flow: str | None
    flow_run_id: str | None
    dossier: str | None
    action: str
    subject: str | None
    outcome: str | None
    details: Mapping[str, Any]


class StoredRow(ChainedRow, Protocol):
    prev_hash: str | None
    row_hash: str | None


@dataclass(frozen=True)
class Break:
    """The first broken link: the row where the trail stops being trustworthy, and why."""

    row_id: int
    reason: str


def stored_details(details: Mapping[str, Any]) -> dict[str, Any]:
    """``details`` as the JSON column gives it back (string keys, lists for tuples)."""
    return json.loads(json.dumps(dict(details)))


def canonical_at(at: datetime) -> str:
    """UTC, microseconds always written: the precision both backends keep."""
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at!r}: the audit chain hashes aware datetimes only")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(row: ChainedRow, prev_hash: str) -> str:
    document = {
        "id": row.id,
        "at": canonical_at(row.at),
        "actor": row.actor,
        "flow": row.flow,
        "flow_run_id": row.flow_run_id,
        "dossier": row.dossier,
        "action": row.action,
        "subject": row.subject,
        "outcome": row.outcome,
        "details": stored_details(row.details),
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def first_break(rows: Iterable[StoredRow]) -> tuple[Break | None, int]:
    """The first row breaking a rule (None if none) and how many rows were read up to it."""
    previous: StoredRow | None = None
    count = 0
    for row in rows:
        count += 1
        found = _break_at(row, previous)
        if found is not None:
            return found, count
        previous = row
    return None, count


def _break_at(row: StoredRow, previous: StoredRow | None) -> Break | None:
    expected_prev = GENESIS if previous is None else previous.row_hash
    if row.prev_hash != expected_prev:
        if previous is None:
            reason = "le premier événement ne part pas de l'origine de la chaîne"
        elif row.id != previous.id + 1:
            reason = (
                f"le lien avec l'événement précédent (n° {previous.id}) est rompu : "
                f"événement(s) n° {previous.id + 1} à {row.id - 1} supprimé(s)"
            )
        else:
            reason = (
                f"le lien avec l'événement précédent (n° {previous.id}) est rompu : "
                "l'un des deux a été remplacé ou inséré"
            )
        return Break(row.id, reason)
    if row.row_hash != row_hash(row, expected_prev):
        return Break(row.id, "son contenu ne correspond plus à son empreinte : il a été modifié")
    if previous is not None and row.at < previous.at:
        return Break(
            row.id,
            f"daté du {canonical_at(row.at)}, avant l'événement précédent "
            f"(n° {previous.id}, {canonical_at(previous.at)}) : inséré après coup et antidaté",
        )
    return None
