"""Block order and nesting against the norm's tree for the declared nature.

The tree says where each block stands: under which parent, in which rank among its siblings,
how many times. Walking the file, a stack holds the open blocks from the root down; a block
must find its parent on that stack (an employee before its establishment does not) and come
after its earlier siblings.
"""

from __future__ import annotations

from dataclasses import dataclass

from coursier.models.dsn.blocks import Block
from coursier.models.dsn.checks import anomalies as rules
from coursier.models.dsn.checks.anomalies import Anomaly
from coursier.models.dsn.norm import ROOT, BlockPlace, Norm


@dataclass(slots=True)
class _Open:
    block_id: str
    last_rank: int = -1
    last_child: str = ""
    repeats: int = 0


class StructureTracker:
    """Checks each block instance, in file order, against the tree of the norm."""

    def __init__(self, norm: Norm) -> None:
        self.norm = norm
        self.nature: str | None = None
        self.tree = norm.tree_for(None)
        self.stack: list[_Open] = [_Open(ROOT)]

    def set_nature(self, nature: str | None) -> None:
        """Switch to the tree of the declared nature, once the declaration block is read."""
        self.nature = nature
        self.tree = self.norm.tree_for(nature)

    def enter(self, block: Block, out: list[Anomaly]) -> None:
        """Check a block instance and open it; append anomalies to ``out``, each on the block's
        first line and field."""
        block_id, line = block.block_id, block.first_line
        field = next(iter(block.values))
        place = self.tree.get(block_id)
        if place is None:
            if block_id in self.norm.block_labels:
                out.append(
                    rules.BLOCK_NOT_IN_NATURE.at(
                        line, field, block=block_id, label=self._label(block_id), nature=self.nature
                    )
                )
            return  # an unknown block: its fields are reported as unknown
        stack = self.stack
        depth = len(stack) - 1
        while depth >= 0 and stack[depth].block_id != place.parent:
            depth -= 1
        if depth < 0:
            out.append(self._out_of_parent(block_id, place, line, field))
            stack.append(_Open(block_id))
            return
        del stack[depth + 1 :]
        parent = stack[depth]
        if place.rank < parent.last_rank:
            out.append(
                rules.BLOCK_OUT_OF_ORDER.at(
                    line,
                    field,
                    block=block_id,
                    label=self._label(block_id),
                    previous=parent.last_child,
                )
            )
        elif place.rank == parent.last_rank:
            parent.repeats += 1
            if 0 < place.max_occurs < parent.repeats:
                out.append(
                    rules.BLOCK_REPEATED.at(
                        line, field, block=block_id, label=self._label(block_id)
                    )
                )
        else:
            parent.last_rank, parent.last_child, parent.repeats = place.rank, block_id, 1
        stack.append(_Open(block_id))

    def _out_of_parent(self, block_id: str, place: BlockPlace, line: int, field: str) -> Anomaly:
        return rules.BLOCK_OUT_OF_PARENT.at(
            line,
            field,
            block=block_id,
            label=self._label(block_id),
            parent=place.parent,
            parent_label=self._label(place.parent),
        )

    def _label(self, block_id: str) -> str:
        return self.norm.block_labels.get(block_id, block_id)
