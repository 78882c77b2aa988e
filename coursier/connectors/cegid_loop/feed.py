"""The change feed's pages turned into the compact tuples the comparison takes
(:data:`~coursier.models.cegid_changes.Line`, :data:`~coursier.models.cegid_changes.Message`).

A dossier's day is thousands of lines and messages: each is read once into a tuple and the
decoded dictionaries are let go. A line carries ``entity``, ``id``, ``timestamp`` and
``operation``; a message ``entity``, ``id``, ``timestamp``, ``event`` and ``update`` (assumed
shape; false when absent). An item lacking a field is a :class:`PayloadError` naming it.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter
from typing import Any

from coursier.connectors.errors import PayloadError
from coursier.models.cegid_changes import Line, Message

_LINE = itemgetter("entity", "id", "timestamp", "operation")


def lines_of(items: Iterable[Any]) -> list[Line]:
    """The daily report's lines."""
    try:
        return list(map(_LINE, items))
    except (KeyError, TypeError) as error:
        raise _unreadable("ligne du rapport quotidien", error) from error


def messages_of(items: Iterable[Any]) -> list[Message]:
    """Flow's messages, the update flag read as a boolean."""
    try:
        return [
            (m["entity"], m["id"], m["timestamp"], m["event"], bool(m.get("update", False)))
            for m in items
        ]
    except (KeyError, TypeError, AttributeError) as error:
        raise _unreadable("message de Flow", error) from error


def _unreadable(what: str, error: Exception) -> PayloadError:
    said = f"sans le champ {error}" if isinstance(error, KeyError) else "qui n'est pas un objet"
    return PayloadError.unreadable(f"{what} {said}")
