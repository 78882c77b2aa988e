"""Bounds on a YAML document's shape, checked on its event stream before it is built.

PyYAML builds nested collections recursively: a few hundred ``[`` or indented keys raise
``RecursionError`` out of ``yaml.safe_load``. Anchors and aliases build a small text into a huge
document (each level repeating the previous one: "billion laughs"), which validation would then
walk item by item. The parser itself is a state machine, so reading its events costs no
recursion: they say how deep the document nests and how many values it holds once every alias
is expanded, before anything is built.
"""

from __future__ import annotations

import yaml

# A portfolio nests seven levels (directories, companies, dossiers, platforms or declarant).
MAX_DEPTH = 20
# Some twenty values a dossier: room for tens of thousands of dossiers.
MAX_VALUES = 500_000

_OPENING = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSING = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def shape_problem(text: str) -> tuple[int, str] | None:
    """(line, message) when ``text`` nests deeper than :data:`MAX_DEPTH` or holds more than
    :data:`MAX_VALUES` values with its aliases expanded; None when it does neither.
    ``yaml.YAMLError`` for a syntax error met on the way."""
    sizes: dict[str, int] = {}  # anchor → values under it, itself included
    open_collections: list[tuple[str | None, int]] = []  # (anchor, values so far)
    values = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1
        if isinstance(event, _OPENING):
            if len(open_collections) == MAX_DEPTH:
                return line, (
                    f"YAML imbriqué sur plus de {MAX_DEPTH} niveaux : un portefeuille n'en a "
                    "que sept (directories, companies, dossiers, …) ; vérifiez l'indentation et "
                    "les crochets"
                )
            open_collections.append((event.anchor, 1))
            values += 1
            continue
        if isinstance(event, _CLOSING):
            anchor, count = open_collections.pop()
        elif isinstance(event, yaml.ScalarEvent):
            anchor, count = event.anchor, 1
            values += 1
        elif isinstance(event, yaml.AliasEvent):
            anchor, count = None, sizes.get(event.anchor, 1)
            values += count
        else:
            continue
        if anchor is not None:
            sizes[anchor] = count
        if open_collections:
            parent_anchor, parent_count = open_collections[-1]
            open_collections[-1] = (parent_anchor, parent_count + count)
        if values > MAX_VALUES:
            return line, (
                f"YAML de plus de {MAX_VALUES} valeurs une fois ses alias (*…) développés : "
                "écrivez chaque dossier en entier, sans alias qui se répètent les uns les autres"
            )
    return None
